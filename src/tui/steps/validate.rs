//! Validate: every row checked on a background task (`mapping::validate`, the same check as
//! `talon-import validate`), with a progress line; problems grouped by field and kind; the selected group's
//! example rows shown with the offending cell highlighted. Esc goes back to Mapping to fix.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Gauge, List, ListItem, ListState, Paragraph, StatefulWidget, Widget, Wrap,
};

use crate::tui::app::{App, Cmd, advance};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let n = app.validate.report.as_ref().map_or(0, |r| r.problems.len());
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            app.validate.selected = (app.validate.selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => {
            app.validate.selected = app.validate.selected.saturating_sub(1)
        }
        KeyCode::Enter => {
            if app.validate.running {
                app.error = Some("Still checking; one moment.".into());
                return None;
            }
            if app.validate.report.is_none() {
                return crate::tui::app::on_enter(app);
            }
            return advance(app);
        }
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let v = &app.validate;
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    if let Some(e) = &app.error {
        Paragraph::new(Line::styled(e.clone(), theme.error()))
            .wrap(Wrap { trim: false })
            .render(head, buf);
        return;
    }
    let Some(report) = &v.report else {
        let [l1, l2] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(head);
        Paragraph::new(format!("Checking every row… {} rows so far", v.rows_done)).render(l1, buf);
        // The total is unknown until the end; the gauge shows activity in blocks of 10,000 rows.
        let ratio = (v.rows_done % 100_000) as f64 / 100_000.0;
        Gauge::default()
            .ratio(ratio)
            .label("")
            .gauge_style(theme.title())
            .render(l2, buf);
        return;
    };
    let verdict = if report.invalid == 0 {
        Line::styled(
            format!(
                "✓ All {} rows can be imported{}. Enter: see the exact requests.",
                report.rows,
                if report.warnings > 0 {
                    format!(" ({} warnings below)", report.warnings)
                } else {
                    String::new()
                }
            ),
            theme.ok(),
        )
    } else {
        Line::styled(
            format!(
                "{} of {} rows have problems and would be rejected; {} are fine. Esc: fix the mapping, or Enter to go on (bad rows go to failed.csv).",
                report.invalid, report.rows, report.valid
            ),
            theme.warn(),
        )
    };
    Paragraph::new(verdict)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    if report.problems.is_empty() {
        return;
    }
    let [list, detail] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Min(0)]).areas(body);
    let items: Vec<ListItem> = report
        .problems
        .iter()
        .map(|g| {
            ListItem::new(format!(
                "{:>6} × {}: {}",
                g.count,
                crate::text::for_terminal(&g.field),
                g.kind.replace('_', " ")
            ))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(v.selected));
    StatefulWidget::render(
        List::new(items)
            .highlight_style(theme.selected())
            .highlight_symbol("▶ ")
            .block(
                Block::new()
                    .borders(Borders::TOP)
                    .title("Problems (same field, same kind)"),
            ),
        list,
        buf,
        &mut state,
    );
    let Some(group) = report.problems.get(v.selected) else {
        return;
    };
    // The columns the field reads, to highlight the offending cell in the sample rows.
    let columns: Vec<String> = v
        .checked
        .as_ref()
        .and_then(|m| m.attributes.get(&group.field).map(|s| s.columns()))
        .unwrap_or_default();
    let mut lines = vec![];
    for ex in &group.examples {
        lines.push(Line::from(vec![
            Span::styled(format!("row {}: ", ex.row), theme.title()),
            Span::raw(crate::text::for_terminal(&ex.message).into_owned()),
        ]));
        if let Some(t) = &app.table
            && let Some((_, cells)) = t.rows.iter().find(|(n, _)| *n == ex.row)
        {
            let mut spans = vec![Span::raw("   ")];
            for (i, (c, val)) in t.columns.iter().zip(cells).enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" │ ", theme.dim()));
                }
                let style = if columns.contains(c) {
                    theme
                        .error()
                        .add_modifier(ratatui::style::Modifier::REVERSED)
                } else {
                    ratatui::style::Style::new()
                };
                spans.push(Span::styled(val.clone(), style));
            }
            lines.push(Line::from(spans));
        } else if let Some(val) = &ex.value {
            lines.push(Line::raw(format!(
                "   value: {}",
                crate::text::for_terminal(val)
            )));
        }
    }
    if group.count > group.examples.len() as u64 {
        lines.push(Line::styled(
            format!(
                "… and {} more rows like these (all listed by `talon-import validate MAPPING`).",
                group.count - group.examples.len() as u64
            ),
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(Block::new().borders(Borders::TOP).title("Examples"))
        .render(detail, buf);
}
