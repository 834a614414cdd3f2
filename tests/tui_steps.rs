//! Wizard steps: snapshots of every step at 80×24 and 120×40 (TestBackend, colours off), key-driven `update`
//! tests, and a zero-size area that must not panic.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};
use talon_import::tui::app::{App, Cmd, Msg, Step, update};
use talon_import::tui::load_table;
use talon_import::tui::theme::Theme;
use talon_import::tui::view::View;

fn fixture() -> std::path::PathBuf {
    // Relative (tests run in the crate directory) so snapshots do not depend on the checkout path.
    std::path::PathBuf::from("tests/fixtures/customers.csv")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, key(KeyCode::Char(c)));
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

/// An app on the File step with the fixture loaded, as the event loop would leave it.
fn loaded() -> App {
    let mut app = App::new(
        "https://acme.europe-west1.talon.one".into(),
        "secret-key".into(),
        String::new(),
    );
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert!(matches!(cmd, Some(Cmd::TestConnection { .. })));
    assert_eq!(app.step, Step::Connect, "waits for the test");
    update(
        &mut app,
        Msg::ConnectionTested(Ok("Connected: the key was accepted.".into())),
    );
    assert_eq!(app.step, Step::Source);
    let path = fixture();
    typed(&mut app, &path.display().to_string());
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(cmd, Some(Cmd::LoadFile(path.clone())));
    assert!(app.loading);
    update(&mut app, Msg::FileLoaded(load_table(&path)));
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
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(&app, w, h);
        assert!(
            !screen.contains("secret-key"),
            "the key must never be drawn"
        );
        insta::assert_snapshot!(format!("connect_{w}x{h}"), screen);
    }
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        cmd,
        Some(Cmd::TestConnection {
            url: "https://acme.europe-west1.talon.one".into(),
            api_key: "secret-key".into()
        })
    );
    // A failed test is explained and keeps the admin on Connect.
    update(
        &mut app,
        Msg::ConnectionTested(Err("the server refused the API key (HTTP 401)".into())),
    );
    assert_eq!(app.step, Step::Connect);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("refused the API key"), "{screen}");
    assert!(screen.contains("F5"), "{screen}");
    update(&mut app, key(KeyCode::F(5)));
    assert_eq!(app.step, Step::Source);
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
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("source_{w}x{h}"), draw(&app, w, h));
    }
}

#[test]
fn an_error_quoting_the_file_is_drawn_without_control_characters() {
    // As reading a file whose column name carries an escape sequence reports a NUL byte in that column.
    let error = "escape.csv, line 3: a NUL byte in column \"\x1b[31mname\x07\"";
    for step in Step::ALL {
        let mut app = App::new("u".into(), "k".into(), String::new());
        app.error = Some(error.into());
        app.step = step;
        let screen = draw(&app, 120, 30);
        assert!(
            !screen.contains('\x1b') && !screen.contains('\x07'),
            "{step:?}: {screen}"
        );
        // The Run step shows errors once a run has started, the Summary none; the others show this one now.
        if !matches!(step, Step::Run | Step::Summary) {
            assert!(
                screen.contains("\u{241b}[31mname\u{2407}"),
                "{step:?}: {screen}"
            );
        }
    }
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
fn mapping_step_prefills_suggestions_and_keys_change_them() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    let id = &app.mapping.rows[0];
    assert_eq!(id.attribute.as_deref(), Some("integrationId"));
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("mapping_{w}x{h}"), draw(&app, w, h));
    }
    // Skip the id column: Enter then refuses to continue and says why.
    update(&mut app, key(KeyCode::Char('x')));
    assert_eq!(app.mapping.rows[0].attribute, None);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    assert!(app.error.as_deref().unwrap().contains("integrationId"));
    // → picks the first choice (integrationId) again, with full confidence.
    update(&mut app, key(KeyCode::Right));
    assert_eq!(
        app.mapping.rows[0].attribute.as_deref(),
        Some("integrationId")
    );
    assert_eq!(app.mapping.rows[0].confidence, 100);
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.mapping.selected, 1);
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Validate);
    let Some(Cmd::Validate { mapping, .. }) = cmd else {
        panic!("{cmd:?}")
    };
    assert_eq!(mapping.id.column.as_deref(), Some("customer_id"));
    assert!(mapping.attributes.contains_key("Email"));
}

#[test]
fn esc_goes_back_without_losing_work() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char('x')));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.step, Step::Source);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    assert_eq!(
        app.mapping.rows[0].attribute, None,
        "the edit survived the round trip"
    );
}

#[test]
fn validate_and_preview_steps_render_and_help_overlay() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    let Some(Cmd::Validate { mapping, .. }) = update(&mut app, key(KeyCode::Enter)) else {
        panic!("no validation started")
    };
    assert!(app.validate.running);
    let catalog = talon_import::mapping::Catalog::for_mapping(&mapping);
    let report = talon_import::mapping::validate::validate(&mapping, &catalog, |_| {}).unwrap();
    update(&mut app, Msg::Validated(Ok(report)));
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("validate_{w}x{h}"), draw(&app, w, h));
    }
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Preview);
    assert!(matches!(cmd, Some(Cmd::Preview { .. })));
    let plan = talon_import::payload::plan(&mapping, &catalog).unwrap();
    let ctx = talon_import::payload::render::Context::new(
        Some("https://acme.europe-west1.talon.one"),
        Some("secret-key"),
    );
    let items = plan
        .map(|r| {
            let r = r.unwrap();
            talon_import::tui::app::PreviewItem {
                label: talon_import::payload::render::row_label(&r.rows),
                text: talon_import::payload::render::render_http(&r, &ctx),
            }
        })
        .collect();
    update(&mut app, Msg::Previewed(Ok(items)));
    update(&mut app, key(KeyCode::Right));
    assert_eq!(app.preview.index, 1);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(&app, w, h);
        assert!(!screen.contains("secret-key"));
        insta::assert_snapshot!(format!("preview_{w}x{h}"), screen);
    }
    update(&mut app, key(KeyCode::Char('?')));
    assert!(app.show_help);
    insta::assert_snapshot!("help_80x24", draw(&app, 80, 24));
    update(&mut app, key(KeyCode::Char('z')));
    assert!(!app.show_help);
    // Enter asks for confirmation before anything is sent.
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Run);
    assert!(app.run.confirming);
    insta::assert_snapshot!("confirm_80x24", draw(&app, 80, 24));
    update(&mut app, key(KeyCode::Char('n')));
    assert_eq!(app.step, Step::Preview);
    assert_eq!(update(&mut app, key(KeyCode::Char('q'))), Some(Cmd::Quit));
}

#[test]
fn ctrl_c_quits_from_any_step() {
    let mut app = App::new(String::new(), String::new(), String::new());
    let cmd = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(cmd, Some(Cmd::Quit));
}

#[test]
fn tiny_and_zero_size_areas_do_not_panic() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    app.show_help = true;
    for (w, h) in [(0, 0), (1, 1), (10, 3), (0, 24), (80, 0)] {
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

#[test]
fn file_step_offers_the_last_file() {
    let mut app = App::new("u".into(), "k".into(), String::new());
    update(&mut app, key(KeyCode::F(5)));
    assert_eq!(app.step, Step::Source);
    app.recent_files = vec![fixture()];
    assert!(draw(&app, 80, 24).contains("Last time: tests/fixtures/customers.csv"));
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.path_input, fixture().display().to_string());
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(cmd, Some(Cmd::LoadFile(fixture())));
}

#[test]
fn summary_n_starts_the_next_file_and_the_demo_proposes_the_orders() {
    let mut app = App::new("http://127.0.0.1:1".into(), "k".into(), String::new());
    app.demo = true;
    app.table = Some(talon_import::tui::app::Table {
        path: "demo/customers.csv".into(),
        description: String::new(),
        columns: vec!["Customer Number".into()],
        rows: vec![],
        sheets: vec![],
        sheet: None,
        header_row: 1,
        delimiter: Some(','),
        encoding: None,
        forced: Default::default(),
    });
    app.step = Step::Summary;
    update(&mut app, key(KeyCode::Char('n')));
    assert_eq!(app.step, Step::Source);
    assert_eq!(app.path_input, "demo/orders.xlsx");
    assert_eq!(app.target, talon_import::mapping::Target::Sessions);
    assert!(app.table.is_none());
    assert!(app.run.report.summary.is_none());
}

#[test]
fn source_step_picks_the_sheet_and_moves_the_header_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let notes = wb.add_worksheet().set_name("Notes").unwrap();
    notes.write(0, 0, "exported by the shop").unwrap();
    let sheet = wb.add_worksheet().set_name("Customers").unwrap();
    // A title row above the real header.
    sheet.write(0, 0, "Customer export, March").unwrap();
    for (c, h) in ["Customer ID", "Email"].iter().enumerate() {
        sheet.write(1, c as u16, *h).unwrap();
    }
    for r in 0..3u32 {
        sheet.write(r + 2, 0, format!("c{r}")).unwrap();
        sheet.write(r + 2, 1, format!("p{r}@example.com")).unwrap();
    }
    wb.save(&path).unwrap();

    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    let t = app.table.clone().unwrap();
    assert_eq!(t.sheets, ["Notes", "Customers"]);
    // The first sheet with data rows is read, not the one-cell "Notes".
    assert_eq!(t.sheet.as_deref(), Some("Customers"));
    // F2: the next sheet (wrapping round to "Notes", which has no data rows but still shows), read again in
    // the background; F2 there comes back to "Customers".
    let cmd = update(&mut app, key(KeyCode::F(2)));
    let Some(Cmd::LoadFileWith { path: p, sheet, .. }) = cmd else {
        panic!("expected a reload, got {cmd:?}")
    };
    assert_eq!(sheet.as_deref(), Some("Notes"));
    let opts = talon_import::source::SourceOptions {
        sheet,
        ..Default::default()
    };
    update(
        &mut app,
        Msg::FileLoaded(talon_import::tui::load_table_with(&p, &opts)),
    );
    assert_eq!(app.table.as_ref().unwrap().sheet.as_deref(), Some("Notes"));
    let cmd = update(&mut app, key(KeyCode::F(2)));
    let Some(Cmd::LoadFileWith {
        path: p,
        sheet,
        header_row,
        ..
    }) = cmd
    else {
        panic!("expected a reload, got {cmd:?}")
    };
    assert_eq!(sheet.as_deref(), Some("Customers"));
    assert_eq!(header_row, None);
    let opts = talon_import::source::SourceOptions {
        sheet: sheet.clone(),
        header_row: Some(1),
        ..Default::default()
    };
    // Say the detection took the title row: F4 moves the header one row down.
    update(
        &mut app,
        Msg::FileLoaded(talon_import::tui::load_table_with(&p, &opts)),
    );
    assert_eq!(app.table.as_ref().unwrap().header_row, 1);
    let cmd = update(&mut app, key(KeyCode::F(4)));
    let Some(Cmd::LoadFileWith {
        header_row: Some(2),
        sheet: Some(s),
        ..
    }) = &cmd
    else {
        panic!("expected header row 2, got {cmd:?}")
    };
    assert_eq!(s, "Customers");
    let opts = talon_import::source::SourceOptions {
        sheet: Some(s.clone()),
        header_row: Some(2),
        ..Default::default()
    };
    update(
        &mut app,
        Msg::FileLoaded(talon_import::tui::load_table_with(&p, &opts)),
    );
    let t = app.table.as_ref().unwrap();
    assert_eq!(t.columns, ["Customer ID", "Email"]);
    assert_eq!(t.rows.len(), 3);
    insta::assert_snapshot!(
        "source_workbook_80x24",
        draw(&app, 80, 24).replace(&dir.path().display().to_string(), "[TMP]")
    );
    // The mapping remembers both, so the headless commands read the file the same way.
    update(&mut app, key(KeyCode::Enter));
    let m = app.current_mapping().unwrap();
    assert_eq!(m.source.sheet.as_deref(), Some("Customers"));
    assert_eq!(m.source.header_row, Some(2));
    // F3 back to row 1 is allowed; above row 1 is not.
    app.step = Step::Source;
    app.table.as_mut().unwrap().header_row = 1;
    assert_eq!(update(&mut app, key(KeyCode::F(3))), None);
    assert!(app.error.as_deref().unwrap().contains("first row"));
}

#[test]
fn file_picker_lists_folders_and_supported_files_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().display().to_string();
    std::fs::create_dir(dir.path().join("exports")).unwrap();
    std::fs::write(dir.path().join("exports").join("march.csv"), "id\n1\n").unwrap();
    std::fs::write(dir.path().join("customers.csv"), "id\n1\n").unwrap();
    std::fs::write(dir.path().join("orders.xlsx"), "").unwrap();
    std::fs::write(dir.path().join("notes.pdf"), "").unwrap();
    std::fs::write(dir.path().join(".hidden.csv"), "").unwrap();

    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    // Typing a folder asks for its listing (in the background).
    typed(&mut app, &base);
    let cmd = update(&mut app, key(KeyCode::Char('/')));
    assert_eq!(cmd, Some(Cmd::ListDir(dir.path().to_path_buf())));
    let listed = talon_import::tui::list_dir(dir.path());
    update(&mut app, Msg::DirListed(dir.path().to_path_buf(), listed));
    let names: Vec<&str> = app
        .picker
        .matching(&app.path_input)
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["exports", "customers.csv", "orders.xlsx"]);
    insta::assert_snapshot!(
        "source_picker_80x24",
        draw(&app, 80, 24).replace(&base, "[TMP]")
    );
    // Typing filters; ↓ and Tab complete; Enter loads.
    typed(&mut app, "o");
    let names: Vec<String> = app
        .picker
        .matching(&app.path_input)
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(names, ["exports", "customers.csv", "orders.xlsx"]);
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Down));
    assert_eq!(update(&mut app, key(KeyCode::Tab)), None);
    assert_eq!(app.path_input, format!("{base}/orders.xlsx"));
    // Enter on a folder goes into it.
    app.path_input = format!("{base}/ex");
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.path_input, format!("{base}/exports/"));
    assert_eq!(cmd, Some(Cmd::ListDir(dir.path().join("exports"))));
    // Enter on a partly typed file name opens the selected match.
    let sub = dir.path().join("exports");
    update(
        &mut app,
        Msg::DirListed(sub.clone(), talon_import::tui::list_dir(&sub)),
    );
    typed(&mut app, "mar");
    let cmd = update(&mut app, key(KeyCode::Enter));
    assert_eq!(cmd, Some(Cmd::LoadFile(sub.join("march.csv"))));
}

#[test]
fn t_cycles_profiles_orders_per_line_item_and_orders_per_order() {
    use talon_import::mapping::Target;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.csv");
    std::fs::write(
        &path,
        "Order Number,Customer Number,Order Total,SKU,Quantity,Unit Price\n\
         SO-1,004102,59.80,TEA-1,2,29.90\nSO-1,004102,59.80,CUP-2,1,0\nSO-2,004105,24.00,TEA-2,1,24.00\n",
    )
    .unwrap();
    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    assert_eq!(app.target, Target::Profiles);
    update(&mut app, key(KeyCode::Char('t')));
    assert_eq!(
        (app.target, app.one_row_per_order),
        (Target::Sessions, false)
    );
    let m = app.current_mapping().unwrap();
    assert!(m.cart_items.is_some(), "{}", m.to_toml());
    assert_eq!(
        m.profile_id.as_ref().and_then(|p| p.column.as_deref()),
        Some("Customer Number")
    );
    update(&mut app, key(KeyCode::Char('t')));
    assert_eq!(
        (app.target, app.one_row_per_order),
        (Target::Sessions, true)
    );
    // Without a total the mapping says what to do; the admin maps the total column with →.
    let err = app.current_mapping().unwrap_err();
    assert!(err.contains("order total"), "{err}");
    let i = app
        .mapping
        .rows
        .iter()
        .position(|r| r.column == "Order Total")
        .unwrap();
    app.mapping.selected = i;
    for _ in 0..app.mapping.choices.len() {
        if app.mapping.rows[i].attribute.as_deref() == Some("order total") {
            break;
        }
        update(&mut app, key(KeyCode::Right));
    }
    insta::assert_snapshot!("mapping_orders_per_order_80x24", draw(&app, 80, 24));
    let m = app.current_mapping().unwrap();
    assert!(m.cart_items.is_none());
    assert_eq!(
        m.total.as_ref().and_then(|t| t.field.column.as_deref()),
        Some("Order Total")
    );
    update(&mut app, key(KeyCode::Char('t')));
    assert_eq!(
        (app.target, app.one_row_per_order),
        (Target::Profiles, false)
    );
}

#[test]
fn grid_search_jumps_to_matching_rows_and_arrows_scroll_sideways() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Char('/')));
    assert_eq!(app.grid_search.as_deref(), Some(""));
    typed(&mut app, "tokyo");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.grid_scroll, 3, "row 4 is in Tokyo");
    insta::assert_snapshot!("source_search_80x24", draw(&app, 80, 24));
    typed(&mut app, "zzz");
    update(&mut app, key(KeyCode::Enter));
    assert!(app.error.as_deref().unwrap().contains("tokyozzz"));
    // Esc closes the search, not the step.
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.grid_search, None);
    assert_eq!(app.step, Step::Source);
    update(&mut app, key(KeyCode::Right));
    update(&mut app, key(KeyCode::Right));
    assert_eq!(app.grid_col, 2);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("first_name"), "{screen}");
    assert!(!screen.contains("customer_id"), "{screen}");
    update(&mut app, key(KeyCode::Left));
    assert_eq!(app.grid_col, 1);
}

#[test]
fn a_click_on_an_earlier_step_in_the_bar_goes_back_to_it() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    // At 80 columns the bar reads "1 Connect › 2 File › 3 Mapping …": "2 File" is at columns 12–17.
    update(
        &mut app,
        Msg::Click {
            x: 30,
            y: 0,
            width: 80,
        },
    );
    assert_eq!(
        app.step,
        Step::Mapping,
        "a later or the current step: nothing"
    );
    update(
        &mut app,
        Msg::Click {
            x: 13,
            y: 5,
            width: 80,
        },
    );
    assert_eq!(app.step, Step::Mapping, "not on the bar: nothing");
    update(
        &mut app,
        Msg::Click {
            x: 13,
            y: 0,
            width: 80,
        },
    );
    assert_eq!(app.step, Step::Source);
    assert!(app.table.is_some(), "nothing is lost");
    // Narrow terminals show other steps as numbers; the click still finds them.
    update(&mut app, key(KeyCode::Enter));
    update(
        &mut app,
        Msg::Click {
            x: 0,
            y: 0,
            width: 60,
        },
    );
    assert_eq!(app.step, Step::Connect);
}

#[test]
fn slash_on_mapping_opens_a_searchable_attribute_list_with_types() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    // loyalty_tier (row 5) has no suggestion; find an attribute for it by typing.
    app.mapping.selected = 4;
    update(&mut app, key(KeyCode::Char('/')));
    assert!(app.mapping.chooser.is_some());
    typed(&mut app, "birth");
    // `q` and `?` are letters while the list is open.
    assert!(!app.quit);
    let matches: Vec<String> = app
        .mapping
        .chooser_matches()
        .iter()
        .map(|&i| app.mapping.choices[i].clone())
        .collect();
    assert!(matches.iter().any(|m| m == "BirthDate"), "{matches:?}");
    insta::assert_snapshot!("mapping_chooser_80x24", draw(&app, 80, 24));
    update(&mut app, key(KeyCode::Enter));
    assert!(app.mapping.chooser.is_none());
    assert_eq!(app.mapping.rows[4].attribute.as_ref(), Some(&matches[0]));
    assert_eq!(app.mapping.rows[4].confidence, 100);
    // Esc closes the list and stays on the step.
    update(&mut app, key(KeyCode::Char('/')));
    update(&mut app, key(KeyCode::Esc));
    assert!(app.mapping.chooser.is_none());
    assert_eq!(app.step, Step::Mapping);
}

#[test]
fn f_and_z_set_the_date_format_and_time_zone_of_a_column() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    let i = app
        .mapping
        .rows
        .iter()
        .position(|r| r.column == "signup_date")
        .unwrap();
    app.mapping.selected = i;
    update(&mut app, key(KeyCode::Char('f')));
    typed(&mut app, "%Y-%m-%d");
    insta::assert_snapshot!("mapping_format_prompt_80x24", draw(&app, 80, 24));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char('z')));
    typed(&mut app, "Europe/Berlin");
    update(&mut app, key(KeyCode::Enter));
    assert!(app.mapping.edit.is_none());
    assert!(!app.quit, "q typed into the prompt is a letter");
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("SignupDate (%Y-%m-%d, Europe/Berlin)"),
        "{screen}"
    );
    let m = app.current_mapping().unwrap();
    let spec = &m.attributes["SignupDate"];
    assert_eq!(spec.format.as_deref(), Some("%Y-%m-%d"));
    assert_eq!(spec.timezone.as_deref(), Some("Europe/Berlin"));
    // The mapping still validates: the format matches the file.
    let mut catalog = talon_import::mapping::Catalog::builtin();
    catalog.declare(&m);
    let report = talon_import::mapping::validate::validate(&m, &catalog, |_| {}).unwrap();
    assert_eq!(report.invalid, 0, "{report:?}");
    // Esc cancels a prompt without changing anything; an empty format clears it.
    update(&mut app, key(KeyCode::Char('f')));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.step, Step::Mapping);
    update(&mut app, key(KeyCode::Char('f')));
    for _ in 0..8 {
        update(&mut app, key(KeyCode::Backspace));
    }
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        app.current_mapping().unwrap().attributes["SignupDate"].format,
        None
    );
}

#[test]
fn l_loads_the_mapping_saved_next_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::copy(fixture(), &path).unwrap();
    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    update(&mut app, key(KeyCode::Enter));
    let row = |app: &App, col: &str| {
        app.mapping
            .rows
            .iter()
            .position(|r| r.column == col)
            .unwrap()
    };
    // Leave city out, give signup_date a format, save.
    app.mapping.selected = row(&app, "city");
    update(&mut app, key(KeyCode::Char('x')));
    app.mapping.selected = row(&app, "signup_date");
    update(&mut app, key(KeyCode::Char('f')));
    typed(&mut app, "%Y-%m-%d");
    update(&mut app, key(KeyCode::Enter));
    let Some(Cmd::SaveMapping {
        path: saved,
        mapping,
    }) = update(&mut app, key(KeyCode::Char('s')))
    else {
        panic!("expected a save")
    };
    assert_eq!(saved, dir.path().join("customers.toml"));
    mapping.save(&saved).unwrap();
    // Change things, then load the saved file back.
    app.mapping.selected = row(&app, "email");
    update(&mut app, key(KeyCode::Char('x')));
    update(&mut app, key(KeyCode::Char('t')));
    let cmd = update(&mut app, key(KeyCode::Char('l')));
    assert_eq!(cmd, Some(Cmd::LoadMapping(saved.clone())));
    let loaded = talon_import::mapping::Mapping::load(&saved).map(Box::new);
    update(
        &mut app,
        Msg::MappingLoaded(loaded.map_err(|e| e.to_string())),
    );
    assert_eq!(app.target, talon_import::mapping::Target::Profiles);
    let attr = |app: &App, col: &str| app.mapping.rows[row(app, col)].attribute.clone();
    assert_eq!(attr(&app, "city"), None);
    assert_eq!(attr(&app, "email").as_deref(), Some("Email"));
    assert_eq!(attr(&app, "customer_id").as_deref(), Some("integrationId"));
    let m = app.current_mapping().unwrap();
    assert_eq!(
        m.attributes["SignupDate"].format.as_deref(),
        Some("%Y-%m-%d")
    );
    assert!(!m.attributes.contains_key("City"));
}

/// A record as the engine reports it.
fn outcome(row: u64, id: &str, failed: bool) -> talon_import::engine::ImportEvent {
    use talon_import::engine::{ImportEvent, RecordOutcome, RecordStatus};
    ImportEvent::Record(RecordOutcome {
        job: 0,
        rows: vec![row],
        id: id.into(),
        status: if failed {
            RecordStatus::Failed
        } else {
            RecordStatus::Succeeded
        },
        http_status: Some(if failed { 400 } else { 200 }),
        attempts: if failed { 3 } else { 1 },
        latency_ms: 12,
        error: failed
            .then(|| "Email: not a valid email address (column Email, value \"x@\")".into()),
        response: None,
        resumed: false,
    })
}

/// Snapshots with the live rate and ETA (wall-clock dependent) masked.
fn snap_live(name: &str, app: &App) {
    insta::with_settings!({filters => vec![(r"\d+/s · ETA \S+ · (\w+) *", "[rate]/s · ETA [eta] · $1")]}, {
        for (w, h) in [(80, 24), (120, 40)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(app, w, h));
        }
    });
}

#[test]
fn run_and_summary_steps_render_live_and_finished() {
    use talon_import::engine::{Counts, ImportEvent, JobInfo, Summary};
    let mut app = loaded();
    app.step = Step::Run;
    app.run.started = true;
    let ev = |app: &mut App, event| {
        update(
            app,
            Msg::Import {
                rehearsal: false,
                event,
            },
        )
    };
    ev(
        &mut app,
        ImportEvent::Started {
            run_dir: "talon-import-runs/20260101T000000Z-profiles".into(),
            jobs: vec![JobInfo {
                name: "customers".into(),
                target: talon_import::mapping::Target::Profiles,
                total: Some(5),
            }],
            dry_run: false,
        },
    );
    for (row, id) in [(1, "C001"), (2, "C002"), (3, "C003")] {
        ev(&mut app, outcome(row, id, false));
    }
    ev(&mut app, outcome(4, "C004", true));
    // p pauses; the screen says so.
    assert_eq!(
        update(&mut app, key(KeyCode::Char('p'))),
        Some(Cmd::PauseImport)
    );
    snap_live("run_live", &app);
    // Quitting during the import asks first.
    assert_eq!(update(&mut app, key(KeyCode::Char('q'))), None);
    assert!(app.run.confirm_quit);
    insta::with_settings!({filters => vec![(r"\d+/s · ETA \S+ · (\w+) *", "[rate]/s · ETA [eta] · $1")]}, {
        insta::assert_snapshot!("run_quit_asks_80x24", draw(&app, 80, 24));
    });
    update(&mut app, key(KeyCode::Char('n')));
    assert!(!app.run.confirm_quit && !app.quit);
    assert_eq!(
        update(&mut app, key(KeyCode::Char('p'))),
        Some(Cmd::ResumeImport)
    );
    ev(&mut app, outcome(5, "C005", false));
    let summary = Summary {
        target: "profiles".into(),
        counts: Counts {
            total: 5,
            succeeded: 4,
            failed: 1,
            ..Counts::default()
        },
        requests: 7,
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: "2026-01-01T00:00:02Z".into(),
        duration_s: 2.0,
        records_per_s: 2.5,
        mapping_sha256: None,
        source_sha256: None,
        aborted: None,
        run_dir: "talon-import-runs/20260101T000000Z-profiles".into(),
    };
    ev(&mut app, ImportEvent::Finished(summary));
    assert!(app.run.finished);
    // f: only the failure.
    app.step = Step::Run;
    update(&mut app, key(KeyCode::Char('f')));
    assert_eq!(app.run.visible_len(), 1);
    snap_live("run_finished_failed_only", &app);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Summary);
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("summary_{w}x{h}"), draw(&app, w, h));
    }
}

#[test]
fn c_adds_an_attribute_with_the_same_value_on_every_record() {
    let mut app = loaded();
    app.custom = vec![talon_import::talon::attributes::AttributeDef {
        entity: talon_import::talon::attributes::Entity::CustomerProfile,
        name: "Source".into(),
        title: "Source".into(),
        kind: talon_import::talon::attributes::AttrType::String,
        description: String::new(),
        builtin: false,
    }];
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char('c')));
    typed(&mut app, "no equals sign");
    update(&mut app, key(KeyCode::Enter));
    assert!(app.error.as_deref().unwrap().contains("="));
    for _ in 0.."no equals sign".len() {
        update(&mut app, key(KeyCode::Backspace));
    }
    typed(&mut app, "Source = spring-import");
    update(&mut app, key(KeyCode::Enter));
    assert!(app.mapping.edit.is_none());
    assert_eq!(
        app.mapping.constants,
        [("Source".to_string(), "spring-import".to_string())]
    );
    insta::assert_snapshot!("mapping_constant_80x24", draw(&app, 80, 24));
    let m = app.current_mapping().unwrap();
    assert_eq!(
        m.attributes["Source"].value,
        Some(toml::Value::String("spring-import".into()))
    );
    // Every record carries it (Source is a custom attribute of this account).
    let mut catalog = app.catalog();
    catalog.declare(&m);
    let records: Vec<_> = talon_import::payload::plan(&m, &catalog)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(records.iter().all(|r| {
        r.request
            .as_ref()
            .is_ok_and(|q| q.body["attributes"]["Source"] == "spring-import")
    }));
    // C clears the constants; loading a mapping file brings its constants back.
    update(&mut app, key(KeyCode::Char('C')));
    assert!(app.mapping.constants.is_empty());
    talon_import::tui::steps::mapping::apply_loaded(&mut app, m);
    assert_eq!(
        app.mapping.constants,
        [("Source".to_string(), "spring-import".to_string())]
    );
}

#[test]
fn wide_characters_and_bidi_controls_keep_the_grid_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intl.csv");
    std::fs::write(
        &path,
        "id,name,city\n1,山田太郎,東京\n2,Zoë 😀,Köln\n3,\u{202E}evil\u{202C} name,A\u{200B}B\n4,plain,Paris\n",
    )
    .unwrap();
    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    let screen = draw(&app, 80, 24).replace(&dir.path().display().to_string(), "[TMP]");
    assert!(
        !screen.contains('\u{202E}'),
        "no bidi override reaches the terminal"
    );
    assert!(
        !screen.contains('\u{200B}'),
        "no zero-width space reaches the terminal"
    );
    insta::assert_snapshot!("source_wide_chars_80x24", screen);
    // Every grid line has the city column starting at the same display column.
    use unicode_width::UnicodeWidthStr;
    let starts: Vec<usize> = screen
        .lines()
        .filter(|l| l.contains("東京") || l.contains("Köln") || l.contains("Paris"))
        .map(|l| {
            let city = ["東京", "Köln", "Paris"]
                .iter()
                .find_map(|c| l.find(c))
                .unwrap();
            l[..city].width()
        })
        .collect();
    assert_eq!(starts.len(), 3, "{screen}");
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "{starts:?}\n{screen}"
    );
}

#[test]
fn f6_and_f7_choose_the_delimiter_and_encoding_of_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semi.csv");
    std::fs::write(&path, "id;name\n1;Ada\n2;Grace\n").unwrap();
    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    assert_eq!(app.table.as_ref().unwrap().delimiter, Some(';'));
    // F6: the next delimiter after the detected one (`;` → tab).
    let cmd = update(&mut app, key(KeyCode::F(6)));
    let Some(Cmd::LoadFileWith {
        delimiter,
        encoding,
        ..
    }) = cmd.clone()
    else {
        panic!("expected a reload, got {cmd:?}")
    };
    assert_eq!(delimiter, Some(b'\t'));
    assert_eq!(encoding, None);
    let reload = |app: &mut App, delimiter, encoding: Option<String>| {
        let opts = talon_import::source::SourceOptions {
            delimiter,
            encoding,
            ..Default::default()
        };
        update(
            app,
            Msg::FileLoaded(talon_import::tui::load_table_with(&path, &opts)),
        );
    };
    reload(&mut app, delimiter, None);
    assert_eq!(app.table.as_ref().unwrap().columns, ["id;name"]);
    // F6 twice more comes round to `,` then `;`… here: `|`, then `,`.
    let cmd = update(&mut app, key(KeyCode::F(6)));
    assert!(matches!(
        cmd,
        Some(Cmd::LoadFileWith {
            delimiter: Some(b'|'),
            ..
        })
    ));
    // Back to `;`, and F7 forces an encoding; both go into the mapping.
    reload(&mut app, Some(b';'), None);
    let cmd = update(&mut app, key(KeyCode::F(7)));
    let Some(Cmd::LoadFileWith {
        delimiter,
        encoding,
        ..
    }) = cmd
    else {
        panic!("expected a reload")
    };
    assert_eq!(delimiter, Some(b';'), "the chosen delimiter is kept");
    assert!(encoding.is_some());
    reload(&mut app, delimiter, encoding.clone());
    update(&mut app, key(KeyCode::Enter));
    let m = app.current_mapping().unwrap();
    assert_eq!(m.source.delimiter.as_deref(), Some(";"));
    assert_eq!(m.source.encoding, encoding);
    // A workbook has neither.
    app.step = Step::Source;
    app.table.as_mut().unwrap().sheets = vec!["Sheet1".into()];
    assert_eq!(update(&mut app, key(KeyCode::F(6))), None);
    assert!(app.error.as_deref().unwrap().contains("Workbooks"));
}

#[test]
fn y_reads_a_column_as_another_type_and_the_title_flags_what_is_required() {
    let mut app = loaded();
    update(&mut app, key(KeyCode::Enter));
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("required: integrationId ✓"), "{screen}");
    let i = app
        .mapping
        .rows
        .iter()
        .position(|r| r.column == "city")
        .unwrap();
    app.mapping.selected = i;
    update(&mut app, key(KeyCode::Char('y')));
    assert_eq!(
        app.current_mapping().unwrap().attributes["City"].kind,
        Some(talon_import::talon::attributes::AttrType::String)
    );
    update(&mut app, key(KeyCode::Char('y')));
    assert!(draw(&app, 120, 40).contains("City (number)"));
    // Round the types back to the attribute's own.
    for _ in 0..4 {
        update(&mut app, key(KeyCode::Char('y')));
    }
    assert_eq!(app.current_mapping().unwrap().attributes["City"].kind, None);
    // Without the id the title says it is missing.
    app.mapping.selected = 0;
    update(&mut app, key(KeyCode::Char('x')));
    insta::assert_snapshot!("mapping_id_missing_80x24", draw(&app, 80, 24));
    assert!(draw(&app, 120, 40).contains("integrationId ✗ missing"));
}

#[test]
fn esc_from_a_problem_selects_its_column_on_the_mapping_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "customer_id,email,signup_date\nC1,a@example.com,2023-01-15\nC2,b@example.com,2023-01-16\n\
         C3,c@example.com,2023-01-17\nC4,d@example.com,2023-01-18\nC5,e@example.com,2023-02-31\n",
    )
    .unwrap();
    let mut app = App::new("https://x.talon.one".into(), "k".into(), String::new());
    app.step = Step::Source;
    update(&mut app, Msg::FileLoaded(load_table(&path)));
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Mapping);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.step, Step::Validate);
    let m = app.current_mapping().unwrap();
    let mut catalog = app.catalog();
    catalog.declare(&m);
    let report = talon_import::mapping::validate::validate(&m, &catalog, |_| {}).unwrap();
    assert_eq!(report.invalid, 1, "{report:?}");
    update(&mut app, Msg::Validated(Ok(report)));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.step, Step::Mapping);
    assert_eq!(app.mapping.rows[app.mapping.selected].column, "signup_date");
}
