//! File: type a path (or start with `talon-import FILE`), read its first rows in the background, and show them
//! in a grid with a frozen header and columns sized to content.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Borders, Cell, List, ListItem, ListState, Paragraph, Row, StatefulWidget,
    Table as TableWidget, Widget,
};
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Cmd, advance, picker_parts};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if app.grid_search.is_some() {
        search_key(app, key);
        return None;
    }
    let on_loaded = app
        .table
        .as_ref()
        .is_some_and(|t| t.path.display().to_string() == app.path_input.trim());
    match key.code {
        // With the file loaded (nothing new typed), `/` searches the grid and ←/→ scroll it sideways.
        KeyCode::Char('/') if on_loaded => {
            app.grid_search = Some(String::new());
            return None;
        }
        KeyCode::Right if on_loaded => {
            let n = app.table.as_ref().map_or(0, |t| t.columns.len());
            app.grid_col = (app.grid_col + 1).min(n.saturating_sub(1));
            return None;
        }
        KeyCode::Left if on_loaded => {
            app.grid_col = app.grid_col.saturating_sub(1);
            return None;
        }
        _ => {}
    }
    match key.code {
        KeyCode::F(2) => next_sheet(app),
        KeyCode::F(3) | KeyCode::F(4) => move_header(app, key.code == KeyCode::F(4)),
        KeyCode::F(6) => next_csv_option(app, false),
        KeyCode::F(7) => next_csv_option(app, true),
        KeyCode::Char(c) => {
            app.path_input.push(c);
            app.picker.selected = 0;
            relist(app)
        }
        KeyCode::Backspace => {
            app.path_input.pop();
            app.picker.selected = 0;
            relist(app)
        }
        KeyCode::Down if picking(app) => {
            let n = app.picker.matching(&app.path_input).len();
            app.picker.selected = (app.picker.selected + 1).min(n.saturating_sub(1));
            None
        }
        KeyCode::Up if picking(app) => {
            app.picker.selected = app.picker.selected.saturating_sub(1);
            None
        }
        // Nothing typed yet: Tab brings back the last file opened; otherwise it completes.
        KeyCode::Tab if app.path_input.is_empty() && !app.recent_files.is_empty() => {
            if let Some(last) = app.recent_files.first() {
                app.path_input = last.display().to_string();
            }
            relist(app)
        }
        KeyCode::Tab if picking(app) => complete(app),
        KeyCode::Down => {
            let max = app
                .table
                .as_ref()
                .map_or(0, |t| t.rows.len().saturating_sub(1));
            app.grid_scroll = (app.grid_scroll + 1).min(max);
            None
        }
        KeyCode::Up => {
            app.grid_scroll = app.grid_scroll.saturating_sub(1);
            None
        }
        KeyCode::Enter => {
            let typed = app.path_input.trim().to_string();
            let loaded_same = app
                .table
                .as_ref()
                .is_some_and(|t| t.path.display().to_string() == typed);
            if loaded_same {
                advance(app);
                return None;
            }
            if typed.is_empty() && app.picker.matching("").is_empty() {
                app.error = Some("Type the path of a CSV or Excel file, then press Enter.".into());
                return None;
            }
            // The name typed is not a whole file name yet: take the picker's selection.
            let (_, name) = picker_parts(&typed);
            let exact = app
                .picker
                .entries
                .iter()
                .any(|e| e.raw == name && !e.is_dir);
            if !exact && !app.picker.matching(&typed).is_empty() {
                let cmd = complete(app);
                if cmd.is_some() || app.path_input.ends_with('/') {
                    return cmd;
                }
            }
            let path = app.path_input.trim().to_string();
            app.loading = true;
            app.error = None;
            Some(Cmd::LoadFile(PathBuf::from(path)))
        }
        _ => None,
    }
}

/// Keys while the grid search is open: type, Enter = next matching row (from the one below the top), Esc
/// closes (handled in `update`).
fn search_key(app: &mut App, key: KeyEvent) {
    let Some(q) = app.grid_search.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Char(c) => q.push(c),
        KeyCode::Backspace => {
            q.pop();
        }
        KeyCode::Enter => {
            let needle = q.to_lowercase();
            let Some(t) = &app.table else { return };
            if needle.is_empty() {
                return;
            }
            let n = t.rows.len();
            let hit = (1..=n)
                .map(|k| (app.grid_scroll + k) % n)
                .find(|&i| row_matches(&t.rows[i].1, &needle));
            match hit {
                Some(i) => {
                    app.grid_scroll = i;
                    app.error = None;
                }
                None => {
                    app.error = Some(format!(
                        "No cell in the first {n} rows contains {:?}.",
                        crate::text::for_terminal(q)
                    ))
                }
            }
        }
        _ => {}
    }
}

fn row_matches(cells: &[String], needle: &str) -> bool {
    cells.iter().any(|c| c.to_lowercase().contains(needle))
}

/// The picker has the arrow keys while what is typed is not the loaded file.
fn picking(app: &App) -> bool {
    let typed = app.path_input.trim();
    !app.picker.matching(typed).is_empty()
        && app
            .table
            .as_ref()
            .is_none_or(|t| t.path.display().to_string() != typed)
}

/// Lists the folder of what is typed, when it is not the one listed.
fn relist(app: &mut App) -> Option<Cmd> {
    app.error = None;
    let (dir, _) = picker_parts(app.path_input.trim());
    (app.picker.dir.as_ref() != Some(&dir)).then_some(Cmd::ListDir(dir))
}

/// Tab: types the selected entry's name; a folder gets a `/` and is listed.
fn complete(app: &mut App) -> Option<Cmd> {
    let typed = app.path_input.trim().to_string();
    let entry = app
        .picker
        .matching(&typed)
        .get(app.picker.selected)
        .map(|e| (e.raw.clone(), e.is_dir))?;
    let prefix = typed.rfind('/').map_or("", |i| &typed[..=i]);
    app.path_input = format!("{prefix}{}{}", entry.0, if entry.1 { "/" } else { "" });
    app.picker.selected = 0;
    relist(app)
}

/// The folders and supported files matching what is typed; Tab or Enter takes the selected one.
fn picker(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let typed = app.path_input.trim();
    let matches = app.picker.matching(typed);
    let dir = app
        .picker
        .dir
        .as_ref()
        .map(|d| crate::text::for_terminal(&d.display().to_string()).into_owned())
        .unwrap_or_default();
    let items: Vec<ListItem> = matches
        .iter()
        .map(|e| {
            ListItem::new(if e.is_dir {
                format!("{}/", e.name)
            } else {
                e.name.clone()
            })
        })
        .collect();
    let title = if matches.is_empty() {
        format!("{dir}: no folders or CSV/Excel files match")
    } else {
        format!("{dir} — ↑↓ choose, Tab complete, Enter open")
    };
    let mut state = ListState::default().with_selected(Some(app.picker.selected));
    StatefulWidget::render(
        List::new(items)
            .highlight_style(theme.selected())
            .highlight_symbol("▶ ")
            .block(Block::new().borders(Borders::TOP).title(title)),
        area,
        buf,
        &mut state,
    );
}

/// F2: the workbook's next sheet (the header is detected again on it).
fn next_sheet(app: &mut App) -> Option<Cmd> {
    let t = app.table.as_ref()?;
    if t.sheets.len() < 2 {
        app.error = Some(if t.sheets.is_empty() {
            "A CSV file has no sheets; F2 picks the sheet of an Excel workbook.".into()
        } else {
            "This workbook has only one sheet.".into()
        });
        return None;
    }
    let cur = t
        .sheet
        .as_ref()
        .and_then(|s| t.sheets.iter().position(|x| x == s))
        .unwrap_or(0);
    let cmd = Cmd::LoadFileWith {
        path: t.path.clone(),
        sheet: Some(t.sheets[(cur + 1) % t.sheets.len()].clone()),
        header_row: None,
        delimiter: None,
        encoding: None,
    };
    app.loading = true;
    app.error = None;
    Some(cmd)
}

/// Delimiters F6 steps through, and encodings F7 steps through.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
const ENCODINGS: [&str; 4] = ["UTF-8", "windows-1252", "UTF-16LE", "ISO-8859-15"];

/// F6 (delimiter) / F7 (encoding): a CSV read again with the next choice, when detection guessed wrong.
fn next_csv_option(app: &mut App, encoding: bool) -> Option<Cmd> {
    let t = app.table.as_ref()?;
    if !t.sheets.is_empty() {
        app.error =
            Some("Workbooks have no delimiter or encoding to choose; F2 picks the sheet.".into());
        return None;
    }
    let mut delimiter = t.forced.delimiter;
    let mut enc = t.forced.encoding.clone();
    if encoding {
        let cur = t.encoding.as_deref().unwrap_or("UTF-8");
        let i = ENCODINGS
            .iter()
            .position(|e| e.eq_ignore_ascii_case(cur))
            .map_or(0, |i| (i + 1) % ENCODINGS.len());
        enc = Some(ENCODINGS[i].to_string());
    } else {
        let cur = t.delimiter.map_or(b',', |c| c as u8);
        let i = DELIMITERS
            .iter()
            .position(|d| *d == cur)
            .map_or(0, |i| (i + 1) % DELIMITERS.len());
        delimiter = Some(DELIMITERS[i]);
    }
    let cmd = Cmd::LoadFileWith {
        path: t.path.clone(),
        sheet: None,
        header_row: t.forced.header_row,
        delimiter,
        encoding: enc,
    };
    app.loading = true;
    app.error = None;
    Some(cmd)
}

/// F3/F4: the header is on the row above/below the one detected (titles above a table, a blank first row…).
fn move_header(app: &mut App, down: bool) -> Option<Cmd> {
    let t = app.table.as_ref()?;
    let row = if down {
        t.header_row + 1
    } else if t.header_row > 1 {
        t.header_row - 1
    } else {
        app.error = Some("The header is already on the first row.".into());
        return None;
    };
    let cmd = Cmd::LoadFileWith {
        path: t.path.clone(),
        sheet: t.sheet.clone(),
        header_row: Some(row),
        delimiter: t.forced.delimiter,
        encoding: t.forced.encoding.clone(),
    };
    app.loading = true;
    app.error = None;
    Some(cmd)
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let [head, grid] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
    let mut lines = vec![Line::from(vec![
        ratatui::text::Span::styled("File: ", theme.title()),
        ratatui::text::Span::styled(
            format!("{} ", crate::text::for_terminal(&app.path_input)),
            theme.selected(),
        ),
    ])];
    if app.loading {
        lines.push(Line::raw("Reading the file…"));
    } else if let Some(err) = &app.error {
        lines.push(Line::styled(
            crate::text::for_terminal(err).into_owned(),
            theme.error(),
        ));
    } else if let Some(t) = &app.table {
        lines.push(Line::raw(format!(
            "{}, header on row {}: {} columns; first {} rows shown.",
            t.description,
            t.header_row,
            t.columns.len(),
            t.rows.len()
        )));
        lines.push(Line::styled(
            if t.sheets.len() > 1 {
                "Looks right? Enter to map the columns. F2 next sheet, F3/F4 header row."
            } else {
                "Looks right? Enter to map the columns. F3/F4 header, F6 delimiter, F7 encoding"
            },
            theme.ok(),
        ));
    } else {
        lines.push(Line::raw(
            "Type the path of a CSV or Excel file and press Enter.",
        ));
        if let Some(last) = app.recent_files.first() {
            lines.push(Line::styled(
                format!(
                    "Last time: {} (Tab fills it in)",
                    crate::text::for_terminal(&last.display().to_string())
                ),
                theme.dim(),
            ));
        }
    }
    Paragraph::new(lines).render(head, buf);

    if picking(app) || app.table.is_none() {
        picker(app, theme, grid, buf);
        return;
    }
    let Some(t) = &app.table else { return };
    let widths: Vec<Constraint> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let content = t
                .rows
                .iter()
                .filter_map(|(_, cells)| cells.get(i))
                .map(|s| s.width())
                .max()
                .unwrap_or(0);
            Constraint::Length(content.max(c.width()).clamp(3, 30) as u16)
        })
        .collect();
    // The row number stays; the other columns start at `grid_col` (←/→).
    let skip = app.grid_col.min(t.columns.len().saturating_sub(1));
    let mut all = vec![Constraint::Length(5)];
    all.extend(widths.into_iter().skip(skip));
    let header =
        Row::new(std::iter::once("row".to_string()).chain(t.columns.iter().skip(skip).cloned()))
            .style(theme.title());
    let needle = app
        .grid_search
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    let rows = t.rows.iter().skip(app.grid_scroll).map(|(n, cells)| {
        let row_cells = cells.iter().skip(skip).map(|c| {
            let hit = needle
                .as_deref()
                .is_some_and(|q| c.to_lowercase().contains(q));
            let cell = Cell::from(c.clone());
            if hit {
                cell.style(theme.selected())
            } else {
                cell
            }
        });
        Row::new(std::iter::once(Cell::from(n.to_string())).chain(row_cells))
    });
    let title = match &app.grid_search {
        Some(q) => format!(
            "Search: {}▏ (Enter next match, Esc close)",
            crate::text::for_terminal(q)
        ),
        None if skip > 0 => format!("Rows (from column {}; ← → scroll, / search)", skip + 1),
        None => "Rows (← → scroll, / search)".to_string(),
    };
    Widget::render(
        TableWidget::new(rows, all)
            .header(header)
            .column_spacing(1)
            .block(Block::new().borders(Borders::TOP).title(title)),
        grid,
        buf,
    );
}
