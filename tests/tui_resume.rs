//! Resuming an interrupted run from the wizard, against a slow sandbox: the demo orders are stopped with `c`
//! after the first records; the Summary offers `u`, and so does the confirmation of a new import of the same
//! file; the resumed run finishes the rest in the same run directory without sending anything twice.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use talon_import::mapping::Target;
use talon_import::sandbox::{self, Faults, SandboxConfig};
use talon_import::tui::app::{App, Cmd, Msg, Step, update};
use talon_import::tui::{Control, load_table, run_cmd};
use tokio::sync::mpsc;

fn press(app: &mut App, c: char) -> Option<Cmd> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_resumes_from_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, orders) = talon_import::cli::demo::write_demo_files(tmp.path()).unwrap();
    let sb = sandbox::start(SandboxConfig {
        custom_attributes: talon_import::cli::demo::demo_attributes(),
        faults: Faults {
            latency: Some((Duration::from_millis(20), Duration::from_millis(20))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    std::env::set_current_dir(tmp.path()).unwrap();
    let mut app = App::new(sb.url(), sb.api_key().to_string(), String::new());
    app.custom = talon_import::cli::demo::demo_attributes();
    app.target = Target::Sessions;
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&orders)));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(app.step, Step::Mapping);
    app.step = Step::Run;
    app.run.confirming = true;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let control = Control::default();
    run_cmd(press(&mut app, 'y').unwrap(), &tx, &control);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut next = async |app: &mut App| {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("timed out")
            .unwrap();
        if let Some(cmd) = update(app, msg) {
            run_cmd(cmd, &tx, &control);
        }
    };
    // Stop after the first records.
    while app.run.rows.is_empty() {
        next(&mut app).await;
    }
    let cmd = press(&mut app, 'c').unwrap();
    run_cmd(cmd, &tx, &control);
    while app.step != Step::Summary {
        next(&mut app).await;
    }
    let first = app.run.report.summary.clone().unwrap();
    assert!(first.aborted.is_some(), "{first:?}");
    let done_first = app.run.rows.len();
    assert!(done_first < 160, "the stop came too late to test anything");

    // The Summary offers u; so does the confirmation of a new import of the same file (as after a crash):
    // going to the Run step looks for an unfinished run of this file.
    assert!(matches!(press(&mut app, 'u'), Some(Cmd::ResumeRun { .. })));
    app.run = Default::default();
    app.step = Step::Preview;
    let cmd = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert!(app.run.confirming);
    assert!(matches!(cmd, Some(Cmd::FindInterrupted { .. })), "{cmd:?}");
    run_cmd(cmd.unwrap(), &tx, &control);
    while app.run.interrupted.is_none() {
        next(&mut app).await;
    }
    assert_eq!(
        app.run.interrupted.as_deref().map(|p| p.file_name()),
        Some(first.run_dir.file_name())
    );
    // u: resume in the same run directory.
    let cmd = press(&mut app, 'u');
    let Some(Cmd::ResumeRun { run_dir, .. }) = &cmd else {
        panic!("expected a resume, got {cmd:?}")
    };
    assert_eq!(run_dir.file_name(), first.run_dir.file_name());
    run_cmd(cmd.unwrap(), &tx, &control);
    assert_eq!(app.step, Step::Run);
    while app.step != Step::Summary {
        next(&mut app).await;
    }
    let s = app.run.report.summary.clone().unwrap();
    assert!(s.aborted.is_none(), "{s:?}");
    assert_eq!(s.run_dir.file_name(), first.run_dir.file_name());
    assert_eq!(sb.session_count(), 160);
    // Nothing was sent twice: one stored session per order, and as many requests as orders.
    assert_eq!(
        sb.requests_to(talon_import::sandbox::endpoint::SESSION),
        160,
        "{:?}",
        sb.stats()
    );
    sb.shutdown().await;
}
