//! The wizard's whole journey without a terminal: keys go through `update`, the commands it returns are
//! carried out by the same `run_cmd` the event loop uses, and their answers come back as messages — against
//! the sandbox with the demo data, from Connect to Summary.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};
use talon_import::engine::RecordStatus;
use talon_import::sandbox::{self, SandboxConfig};
use talon_import::tui::app::{App, Cmd, Msg, Step, update};
use talon_import::tui::theme::Theme;
use talon_import::tui::view::View;
use talon_import::tui::{Control, run_cmd};
use tokio::sync::mpsc;

struct Driver {
    app: App,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    control: Control,
}

impl Driver {
    fn run(&mut self, cmd: Option<Cmd>) {
        if let Some(cmd) = cmd {
            assert_ne!(cmd, Cmd::Quit);
            run_cmd(cmd, &self.tx, &self.control);
        }
    }
    fn key(&mut self, code: KeyCode) {
        let cmd = update(
            &mut self.app,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.run(cmd);
    }
    /// Feeds background messages into `update` until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !done(&self.app) {
            let msg = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("timed out waiting for {what}; error: {:?}", self.app.error)
                })
                .unwrap();
            let cmd = update(&mut self.app, msg);
            self.run(cmd);
        }
    }
    fn screen(&self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| {
            f.render_widget(
                View {
                    app: &self.app,
                    theme: Theme { color: false },
                },
                f.area(),
            )
        })
        .unwrap();
        format!("{}", t.backend())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_journey_from_connect_to_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (customers, _) = talon_import::cli::demo::write_demo_files(tmp.path()).unwrap();
    let sb = sandbox::start(SandboxConfig {
        custom_attributes: talon_import::cli::demo::demo_attributes(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut d = Driver {
        app: App::new(
            sb.url(),
            sb.api_key().to_string(),
            sb.management_key().to_string(),
        ),
        tx,
        rx,
        control: Control::default(),
    };
    // The run directory goes under the current directory; keep it in the temp dir.
    std::env::set_current_dir(tmp.path()).unwrap();

    // Connect: Enter tests the connection, then loads the custom attributes.
    d.key(KeyCode::Enter);
    d.until("the connection test", |a| a.step == Step::Source)
        .await;
    d.until("the attributes", |a| !a.custom.is_empty()).await;
    assert!(matches!(d.app.connection, Some(Ok(_))));

    // File.
    for c in customers.display().to_string().chars() {
        d.key(KeyCode::Char(c));
    }
    d.key(KeyCode::Enter);
    d.until("the file", |a| a.table.is_some()).await;
    assert_eq!(d.app.table.as_ref().unwrap().rows.len(), 200);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.step, Step::Mapping);
    // The demo's custom attributes were suggested for their columns.
    let attr = |col: &str| {
        d.app
            .mapping
            .rows
            .iter()
            .find(|r| r.column == col)
            .and_then(|r| r.attribute.clone())
    };
    assert_eq!(attr("Customer Number").as_deref(), Some("integrationId"));
    assert_eq!(attr("Loyalty Tier").as_deref(), Some("LoyaltyTier"));
    assert_eq!(attr("Email").as_deref(), Some("Email"));

    // Save the mapping: the headless commands can run it.
    d.key(KeyCode::Char('s'));
    d.until("the save", |a| a.saved.is_some()).await;
    let saved = d.app.saved.clone().unwrap();
    let mapping = talon_import::mapping::Mapping::load(&saved).unwrap();
    assert_eq!(mapping.id.column.as_deref(), Some("Customer Number"));

    // Validate.
    d.key(KeyCode::Enter);
    assert_eq!(d.app.step, Step::Validate);
    d.until("validation", |a| a.validate.report.is_some()).await;
    let report = d.app.validate.report.clone().unwrap();
    assert_eq!((report.rows, report.invalid), (200, 0));

    // Preview, then a rehearsal that stores nothing.
    d.key(KeyCode::Enter);
    d.until("the preview", |a| !a.preview.items.is_empty())
        .await;
    let screen = d.screen(100, 30);
    assert!(screen.contains("/v2/customer_profiles/004102"), "{screen}");
    assert!(!screen.contains(sb.api_key()));
    d.key(KeyCode::Char('r'));
    d.until("the rehearsal", |a| !a.preview.rehearsing).await;
    assert!(
        d.app
            .preview
            .rehearsal
            .iter()
            .filter(|l| l.starts_with('✓'))
            .count()
            == 5,
        "{:?}",
        d.app.preview.rehearsal
    );
    assert_eq!(sb.profile_count(), 0);

    // Run: confirm, watch, land on the Summary.
    d.key(KeyCode::Enter);
    assert!(d.app.run.confirming);
    d.key(KeyCode::Char('y'));
    d.until("the import", |a| a.step == Step::Summary).await;
    let run = &d.app.run;
    assert_eq!(run.rows.len(), 200);
    assert!(run.rows.iter().all(|r| r.status == RecordStatus::Succeeded));
    assert_eq!(sb.profile_count(), 200);
    let p = sb.profile("004102").unwrap();
    assert_eq!(p.attributes["LoyaltyTier"], "Bronze");
    let screen = d.screen(100, 30);
    assert!(screen.contains("every record succeeded"), "{screen}");
    assert!(screen.contains("200 succeeded"), "{screen}");
    let dir = run.run_dir.clone().unwrap();
    assert!(tmp.path().join(&dir).join("summary.json").exists());

    // The record table, filtered to failures (none).
    d.key(KeyCode::Char('r'));
    assert_eq!(d.app.step, Step::Run);
    d.key(KeyCode::Char('f'));
    assert_eq!(d.app.run.visible_len(), 0);
    sb.shutdown().await;
}
