//! Wizard steps: snapshots of every step at 80×24 and 120×40 (TestBackend, colours off), key-driven `update`
//! tests for each step's transitions, and a zero-size area that must not panic. Background work is done
//! inline here (the same library calls the event loop makes on its tasks) so the tests need no runtime.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};
use talon_import::engine::{ImportEvent, JobInfo, RecordOutcome, RecordStatus, Summary};
use talon_import::mapping::Target;
use talon_import::mapping::suggest::Slot;
use talon_import::tui::app::{
    App, Cmd, ConnStatus, Msg, RunAction, RunPhase, Step, TargetChoice, update,
};
use talon_import::tui::theme::Theme;
use talon_import::tui::view::View;
use talon_import::tui::{first_records, load_table};

fn fixture() -> std::path::PathBuf {
    // Relative (tests run in the crate directory) so snapshots do not depend on the checkout path.
    std::path::PathBuf::from("tests/fixtures/customers.csv")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, ch(c));
    }
}

fn draw(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        f.render_widget(
            View {
                app,
                theme: Theme { color: false },
            },
            f.area(),
        )
    })
    .unwrap();
    format!("{}", t.backend())
}

fn snap(app: &App, name: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(app, w, h);
        assert!(
            !screen.contains("secret-key"),
            "the key must never be drawn"
        );
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

/// An app on the File step with the fixture loaded, as the event loop would leave it.
fn loaded() -> App {
    let mut app = App::new(
        "https://acme.europe-west1.talon.one".into(),
        "secret-key".into(),
        String::new(),
    );
    app.log_path = "talon-import.log".into();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Source);
    let path = fixture();
    typed(&mut app, &path.display().to_string());
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        cmd,
        Some(Cmd::LoadFile {
            path: path.clone(),
            sheet: None,
            header_row: None
        })
    );
    assert!(app.loading);
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    app
}

/// Loaded, through Target, on the Mapping step.
fn on_mapping() -> App {
    let mut app = loaded();
    assert_eq!(update(&mut app, key(KeyCode::Enter)), None);
    assert_eq!(app.step, Step::Target);
    assert_eq!(update(&mut app, key(KeyCode::Enter)), None);
    assert_eq!(app.step, Step::Mapping);
    app
}

/// Carries out a command inline, as the loop's tasks would, and folds the answer in.
fn carry_out(app: &mut App, cmd: Option<Cmd>) {
    match cmd {
        Some(Cmd::Validate(job)) => {
            let r = talon_import::mapping::validate::validate(&job.mapping, &job.catalog, |_| {})
                .map_err(|e| e.to_string());
            update(app, Msg::Validated(r));
        }
        Some(Cmd::LoadPreview(job)) => {
            update(app, Msg::PreviewLoaded(first_records(&job)));
        }
        other => panic!("unexpected command {other:?}"),
    }
}

fn on_validate() -> App {
    let mut app = on_mapping();
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Validate);
    assert!(app.validate.running);
    carry_out(&mut app, cmd);
    app
}

fn on_preview() -> App {
    let mut app = on_validate();
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Preview);
    carry_out(&mut app, cmd);
    app
}

#[test]
fn connect_step_masks_the_key_and_requires_url_and_key() {
    let mut app = App::new(String::new(), String::new(), String::new());
    assert_eq!(update(&mut app, key(KeyCode::Enter)), None);
    assert_eq!(app.step, Step::Connect);
    assert!(app.error.as_deref().unwrap().contains("deployment URL"));
    typed(&mut app, "https://acme.europe-west1.talon.one");
    update(&mut app, key(KeyCode::Tab));
    typed(&mut app, "secret-key");
    snap(&app, "connect");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Source);
}

#[test]
fn test_connection_runs_in_the_background_and_explains_the_answer() {
    let mut app = App::new(
        "https://acme.talon.one".into(),
        "secret-key".into(),
        String::new(),
    );
    let cmd = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL)),
    );
    assert_eq!(
        cmd,
        Some(Cmd::TestConnection {
            url: String::new(),
            api_key: String::new()
        })
    );
    assert_eq!(app.connect.status, ConnStatus::Testing);
    update(
        &mut app,
        Msg::ConnectionTested(Err(
            "Wrong key: the deployment refused the Integration API key (HTTP 401).".into(),
        )),
    );
    insta::assert_snapshot!("connect_wrong_key_80x24", draw(&app, 80, 24));
    update(&mut app, Msg::ConnectionTested(Ok(())));
    assert_eq!(app.connect.status, ConnStatus::Ok);
    // Editing the key means the test no longer holds.
    update(&mut app, ch('x'));
    assert_eq!(app.connect.status, ConnStatus::Untested);
}

#[test]
fn source_step_shows_the_rows_sanitized() {
    let app = loaded();
    assert_eq!(app.step, Step::Source);
    let table = app.table.as_ref().unwrap();
    assert_eq!(table.columns.len(), 6);
    assert!(
        table
            .rows
            .iter()
            .all(|(_, r)| r.iter().all(|c| !c.contains('\u{1b}')))
    );
    snap(&app, "source");
}

#[test]
fn missing_file_is_explained() {
    let mut app = App::new("u".into(), "k".into(), String::new());
    update(&mut app, key(KeyCode::Enter));
    update(
        &mut app,
        Msg::FileLoaded(load_table(std::path::Path::new("/nonexistent/x.csv"))),
    );
    assert!(app.error.as_deref().unwrap().contains("/nonexistent/x.csv"));
    assert!(app.table.is_none());
}

#[test]
fn target_step_switches_between_profiles_and_orders() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Target);
    snap(&app, "target");
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.target, TargetChoice::OrdersPerOrder);
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.target, TargetChoice::OrdersPerLineItem);
    assert_eq!(app.mapping.found.as_ref().unwrap().target, Target::Sessions);
    assert!(app.mapping.choices.contains(&Slot::ProfileId));
    update(&mut app, ch('1'));
    assert_eq!(app.target, TargetChoice::Profiles);
}

#[test]
fn mapping_step_prefills_suggestions_and_keys_change_them() {
    let mut app = on_mapping();
    let id = &app.mapping.rows[0];
    assert_eq!(id.slot, Some(Slot::Id));
    snap(&app, "mapping");
    // Skip the id column: Enter then refuses to continue and says why.
    update(&mut app, ch('x'));
    assert_eq!(app.mapping.rows[0].slot, None);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    assert!(app.error.as_deref().unwrap().contains("integrationId"));
    // → picks the first choice (the id) again, with full confidence.
    update(&mut app, key(KeyCode::Right));
    assert_eq!(app.mapping.rows[0].slot, Some(Slot::Id));
    assert_eq!(app.mapping.rows[0].confidence, 100);
    let m = app.current_mapping().unwrap();
    assert_eq!(m.id.column.as_deref(), Some("customer_id"));
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.mapping.selected, 1);
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Validate);
    assert!(matches!(cmd, Some(Cmd::Validate(_))));
}

#[test]
fn mapping_saves_and_loads_the_toml_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_mapping();
    update(&mut app, ch('s'));
    assert!(app.mapping.file_prompt.is_some());
    let path = dir.path().join("customers.toml");
    app.mapping.file_prompt.as_mut().unwrap().path = path.display().to_string();
    let cmd = update(&mut app, key(KeyCode::Enter));
    let Some(Cmd::SaveMapping(p, m)) = cmd else {
        panic!("expected a save, got {cmd:?}")
    };
    assert_eq!(p, path);
    m.save(&p).unwrap();
    update(&mut app, Msg::MappingSaved(Ok(p.clone())));
    assert!(app.note.as_deref().unwrap().contains("customers.toml"));
    // Load it back after changing a row: the file's choice wins again.
    update(&mut app, ch('x'));
    update(&mut app, ch('l'));
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(cmd, Some(Cmd::LoadMapping(path.clone())));
    let loaded = talon_import::mapping::Mapping::load(&path).unwrap();
    // The source path in the file is relative to the mapping; the loaded mapping points at the fixture.
    assert!(loaded.source_path().ends_with("customers.csv"));
    update(&mut app, Msg::MappingLoaded(Ok(loaded)));
    assert_eq!(
        app.mapping.loaded.as_ref().unwrap().target,
        Target::Profiles
    );
}

#[test]
fn validate_step_groups_problems_and_shows_examples() {
    let mut app = on_mapping();
    let cmd = update(&mut app, key(KeyCode::Enter));
    update(&mut app, Msg::ValidateProgress(10_000));
    insta::assert_snapshot!("validate_running_80x24", draw(&app, 80, 24));
    carry_out(&mut app, cmd);
    assert!(!app.validate.running);
    let report = app.validate.report.clone().unwrap();
    assert!(report.rows > 0);
    snap(&app, "validate");
    update(&mut app, key(KeyCode::Down));
    assert!(app.validate.selected <= report.problems.len().saturating_sub(1));
    // Esc goes back to Mapping; coming back with the same mapping does not check again.
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.step, Step::Mapping);
    assert_eq!(update(&mut app, key(KeyCode::Enter)), None);
    assert_eq!(app.step, Step::Validate);
}

#[test]
fn preview_step_shows_each_request_and_rehearses() {
    let mut app = on_preview();
    assert!(!app.preview.records.is_empty());
    snap(&app, "preview");
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("PUT https://acme.europe-west1.talon.one/v2/customer_profiles/"));
    assert!(screen.contains("Authorization: ApiKey-v1 ****"));
    update(&mut app, key(KeyCode::Right));
    assert_eq!(app.preview.index, 1);
    update(&mut app, key(KeyCode::Left));
    assert_eq!(app.preview.index, 0);
    let cmd = update(&mut app, ch('r'));
    assert!(matches!(cmd, Some(Cmd::Rehearse { .. })));
    assert!(app.preview.rehearsing);
    update(
        &mut app,
        Msg::Rehearsal(record(1, "C001", RecordStatus::Succeeded, None)),
    );
    update(
        &mut app,
        Msg::Rehearsal(record(
            2,
            "C002",
            RecordStatus::Failed,
            Some("LoyaltyTier: unknown attribute"),
        )),
    );
    update(&mut app, Msg::RehearsalEnded(Ok(summary(2, 1, 1))));
    assert!(!app.preview.rehearsing);
    snap(&app, "preview_rehearsed");
}

fn record(row: u64, id: &str, status: RecordStatus, error: Option<&str>) -> ImportEvent {
    ImportEvent::Record(RecordOutcome {
        job: 0,
        rows: vec![row],
        id: id.into(),
        status,
        http_status: Some(if status == RecordStatus::Succeeded {
            200
        } else {
            400
        }),
        attempts: 1,
        latency_ms: 12,
        error: error.map(String::from),
        resumed: false,
    })
}

fn summary(total: u64, ok: u64, failed: u64) -> Summary {
    Summary {
        target: "profiles".into(),
        total,
        succeeded: ok,
        failed,
        invalid: 0,
        skipped: 0,
        dry_run: 0,
        resumed: 0,
        requests: total,
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: "2026-01-01T00:00:04Z".into(),
        duration_s: 4.0,
        records_per_s: total as f64 / 4.0,
        mapping_sha256: None,
        source_sha256: None,
        aborted: None,
        run_dir: "runs/profiles-run-1".into(),
    }
}

#[test]
fn run_step_confirms_then_shows_live_panes_and_controls() {
    let mut app = on_preview();
    app.runs_dir = "runs".into();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Run);
    assert_eq!(app.run.phase, RunPhase::Confirm);
    snap(&app, "run_confirm");
    let cmd = update(&mut app, ch('y'));
    let Some(Cmd::StartRun {
        run_dir,
        total,
        only_rows,
        ..
    }) = cmd
    else {
        panic!("expected StartRun, got {cmd:?}")
    };
    assert_eq!(run_dir, std::path::PathBuf::from("runs/profiles-run-1"));
    assert_eq!(total, Some(app.validate.report.as_ref().unwrap().rows));
    assert_eq!(only_rows, None);
    assert_eq!(app.run.phase, RunPhase::Running);
    update(
        &mut app,
        Msg::Import(ImportEvent::Started {
            run_dir: run_dir.clone(),
            jobs: vec![JobInfo {
                name: "customers".into(),
                target: Target::Profiles,
                total: Some(6),
            }],
            dry_run: false,
        }),
    );
    for (i, id) in ["C001", "C002", "C003"].iter().enumerate() {
        update(
            &mut app,
            Msg::Import(record(i as u64 + 1, id, RecordStatus::Succeeded, None)),
        );
        update(&mut app, Msg::Tick);
    }
    update(
        &mut app,
        Msg::Import(record(
            4,
            "C004",
            RecordStatus::Failed,
            Some("Email: not a valid email address"),
        )),
    );
    update(&mut app, Msg::Tick);
    snap(&app, "run_live");
    // Pause and resume go to the engine.
    assert_eq!(
        update(&mut app, ch('p')),
        Some(Cmd::Control(RunAction::Pause))
    );
    assert_eq!(
        update(&mut app, ch('p')),
        Some(Cmd::Control(RunAction::Resume))
    );
    // Quitting during a run asks first; any other key keeps importing.
    assert_eq!(update(&mut app, ch('q')), None);
    assert!(app.confirm_quit);
    insta::assert_snapshot!("run_quit_asks_80x24", draw(&app, 80, 24));
    assert_eq!(update(&mut app, ch('n')), None);
    assert!(!app.confirm_quit);
    // Filter to failed, select.
    update(&mut app, ch('f'));
    assert_eq!(app.run.visible_len(), 1);
    assert_eq!(app.run.visible(0).unwrap().id.as_ref(), "C004");
    update(&mut app, ch('f'));
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.run.selected_line(), Some(2));
    // Cancel; the engine finishes and the summary shows.
    assert_eq!(
        update(&mut app, ch('c')),
        Some(Cmd::Control(RunAction::Cancel))
    );
    update(
        &mut app,
        Msg::Import(ImportEvent::Finished(summary(4, 3, 1))),
    );
    update(&mut app, Msg::RunEnded(Ok(summary(4, 3, 1))));
    assert_eq!(app.step, Step::Summary);
    snap(&app, "summary");
    // Retry the failed record: a new run of just its rows.
    let cmd = update(&mut app, ch('r'));
    let Some(Cmd::StartRun {
        only_rows, run_dir, ..
    }) = cmd
    else {
        panic!("expected StartRun, got {cmd:?}")
    };
    assert_eq!(only_rows, Some([4].into_iter().collect()));
    assert_eq!(run_dir, std::path::PathBuf::from("runs/profiles-retry-2"));
    assert_eq!(app.step, Step::Run);
}

#[test]
fn esc_goes_back_without_losing_work() {
    let mut app = on_mapping();
    update(&mut app, ch('x'));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.step, Step::Target);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    assert_eq!(
        app.mapping.rows[0].slot, None,
        "the edit survived the round trip"
    );
}

#[test]
fn help_overlay_and_mouse() {
    let mut app = on_mapping();
    update(&mut app, ch('?'));
    assert!(app.show_help);
    insta::assert_snapshot!("help_80x24", draw(&app, 80, 24));
    update(&mut app, ch('z'));
    assert!(!app.show_help);
    // The wheel moves the selection like the arrow keys.
    update(&mut app, Msg::Wheel(1));
    assert_eq!(app.mapping.selected, 1);
    // A click on "2 File" in the step bar goes there.
    update(&mut app, Msg::Click { column: 12, row: 0 });
    assert_eq!(app.step, Step::Source);
    assert_eq!(update(&mut app, key(KeyCode::F(1))), None);
    assert!(app.show_help);
}

#[test]
fn ctrl_c_quits_from_any_step() {
    let mut app = App::new(String::new(), String::new(), String::new());
    let cmd = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(cmd, Some(Cmd::Quit));
    let mut app = on_mapping();
    assert_eq!(update(&mut app, ch('q')), Some(Cmd::Quit));
}

#[test]
fn tiny_and_zero_size_areas_do_not_panic() {
    let mut app = on_preview();
    app.show_help = true;
    for step in Step::ALL {
        app.step = step;
        for (w, h) in [(0, 0), (1, 1), (10, 3), (0, 24), (80, 0), (20, 5)] {
            let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, w, h));
            ratatui::widgets::Widget::render(
                View {
                    app: &app,
                    theme: Theme { color: false },
                },
                buf.area,
                &mut buf,
            );
        }
    }
}
