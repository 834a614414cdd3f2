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
