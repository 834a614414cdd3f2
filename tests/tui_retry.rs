//! "Retry failed" in the wizard, against the sandbox: a file where two customers carry an attribute the
//! deployment does not know fails for exactly those two; `a` then starts a new run of just their rows.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use talon_import::engine::RecordStatus;
use talon_import::sandbox::{self, SandboxConfig};
use talon_import::talon::attributes::{AttrType, AttributeDef, Entity};
use talon_import::tui::app::{App, Cmd, Msg, Step, update};
use talon_import::tui::{Control, load_table, run_cmd};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retries_only_the_failed_records() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("people.csv");
    std::fs::write(
        &file,
        "Customer ID,Email,Tier\nc1,a@example.com,\nc2,b@example.com,\nc3,c@example.com,Gold\nc4,d@example.com,\nc5,e@example.com,Silver\n",
    )
    .unwrap();
    // The sandbox does not know `Tier`; the wizard was told it exists (as if fetched from another account).
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut app = App::new(sb.url(), sb.api_key().to_string(), String::new());
    app.custom = vec![AttributeDef {
        entity: Entity::CustomerProfile,
        name: "Tier".into(),
        title: "Tier".into(),
        kind: AttrType::String,
        description: String::new(),
        builtin: false,
    }];
    std::env::set_current_dir(tmp.path()).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let control = Control::default();
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&file)));
    let press =
        |app: &mut App, c: KeyCode| update(app, Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.step, Step::Mapping);
    let tier = app
        .mapping
        .rows
        .iter()
        .find(|r| r.column == "Tier")
        .unwrap();
    assert_eq!(tier.attribute.as_deref(), Some("Tier"));
    app.step = Step::Run;
    app.run.confirming = true;
    let cmd = press(&mut app, KeyCode::Char('y'));
    run_cmd(cmd.unwrap(), &tx, &control);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while app.step != Step::Summary {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap()
            .unwrap();
        update(&mut app, msg);
    }
    let failed: Vec<u64> = app
        .run
        .rows
        .iter()
        .filter(|r| r.status == RecordStatus::Failed)
        .map(|r| r.row)
        .collect();
    assert_eq!(failed, [3, 5], "{:?}", app.run.rows);
    assert_eq!(sb.profile_count(), 3);

    // The record table, failures only: `v` shows the request the first failure sent, with its answer.
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.step, Step::Run);
    press(&mut app, KeyCode::Char('f'));
    let cmd = press(&mut app, KeyCode::Char('v'));
    assert!(
        matches!(cmd, Some(Cmd::ShowRequest { row: 3, .. })),
        "{cmd:?}"
    );
    run_cmd(cmd.unwrap(), &tx, &control);
    while app.run.request_view.is_none() {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap()
            .unwrap();
        update(&mut app, msg);
    }
    let (row, text) = app.run.request_view.clone().unwrap();
    assert_eq!(row, 3);
    assert!(text.contains("/v2/customer_profiles/c3"), "{text}");
    assert!(text.contains("\"Tier\": \"Gold\""), "{text}");
    assert!(!text.contains(sb.api_key()), "the key is masked");
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| {
        f.render_widget(
            talon_import::tui::view::View {
                app: &app,
                theme: talon_import::tui::theme::Theme { color: false },
            },
            f.area(),
        )
    })
    .unwrap();
    let screen = format!("{}", t.backend());
    assert!(screen.contains("Answer: failed (HTTP 400)"), "{screen}");
    press(&mut app, KeyCode::Esc);
    assert!(app.run.request_view.is_none());
    assert_eq!(app.step, Step::Run, "Esc closes the request, not the step");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.step, Step::Summary);

    // `a` on the Summary: a new run of rows 3 and 5 only.
    let cmd = press(&mut app, KeyCode::Char('a'));
    let Some(Cmd::RetryFailed { rows, .. }) = &cmd else {
        panic!("expected a retry, got {cmd:?}")
    };
    assert_eq!(rows.iter().copied().collect::<Vec<_>>(), [3, 5]);
    assert_eq!(app.step, Step::Run);
    run_cmd(cmd.unwrap(), &tx, &control);
    while app.step != Step::Summary {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap()
            .unwrap();
        update(&mut app, msg);
    }
    let retried: Vec<u64> = app.run.rows.iter().map(|r| r.row).collect();
    assert_eq!(retried, [3, 5]);
    assert_eq!(app.run.report.total, Some(2));
    sb.shutdown().await;
}
