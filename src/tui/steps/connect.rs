//! Connect: deployment URL, Integration API key (masked) and optional Management key.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::app::{App, Cmd, ConnectField, advance};
use crate::tui::theme::Theme;
use crate::tui::widgets::masked;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if key.code != KeyCode::Enter {
        // The admin is fixing what the last message complained about.
        app.error = None;
    }
    let form = &mut app.connect;
    let field = match form.focus {
        ConnectField::Url => &mut form.url,
        ConnectField::ApiKey => &mut form.api_key,
        ConnectField::ManagementKey => &mut form.management_key,
    };
    match key.code {
        KeyCode::Tab | KeyCode::Down => {
            form.focus = match form.focus {
                ConnectField::Url => ConnectField::ApiKey,
                ConnectField::ApiKey => ConnectField::ManagementKey,
                ConnectField::ManagementKey => ConnectField::Url,
            }
        }
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = match form.focus {
                ConnectField::Url => ConnectField::ManagementKey,
                ConnectField::ApiKey => ConnectField::Url,
                ConnectField::ManagementKey => ConnectField::ApiKey,
            }
        }
        KeyCode::Backspace => {
            field.pop();
        }
        KeyCode::Char(c) => field.push(c),
        KeyCode::Enter => {
            if form.url.trim().is_empty() {
                app.error = Some(
                    "Type your deployment URL first, e.g. https://mycompany.europe-west1.talon.one"
                        .into(),
                );
            } else if form.api_key.is_empty() {
                app.error = Some(
                    "Paste an Integration API key (Talon.One → Account → Tools → Integration API Keys), or set TALON_API_KEY."
                        .into(),
                );
            } else {
                app.testing = true;
                app.connection = None;
                return Some(Cmd::TestConnection {
                    url: form.url.trim().to_string(),
                    api_key: form.api_key.trim().to_string(),
                });
            }
        }
        KeyCode::F(5) => advance(app),
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let f = &app.connect;
    let row = |label: &'static str, value: String, field: ConnectField| {
        let focused = f.focus == field;
        let style = if focused {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        Line::from(vec![
            Span::raw(if focused { "▶ " } else { "  " }),
            Span::styled(format!("{label:<18}"), theme.title()),
            Span::styled(format!("{value} "), style),
        ])
    };
    let mut lines = vec![
        Line::raw("Where should the data go? Your keys are kept in memory only, never saved."),
        Line::raw(""),
        row("Deployment URL", f.url.clone(), ConnectField::Url),
        row("Integration key", masked(&f.api_key), ConnectField::ApiKey),
        row(
            "Management key",
            if f.management_key.is_empty() {
                "(optional: loads your custom attributes)".into()
            } else {
                masked(&f.management_key)
            },
            ConnectField::ManagementKey,
        ),
        Line::raw(""),
    ];
    match (&app.connection, app.testing) {
        (_, true) => lines.push(Line::raw("Testing the connection…")),
        (Some(Ok(m)), _) => lines.push(Line::styled(format!("✓ {m}"), theme.ok())),
        (Some(Err(m)), _) => {
            lines.push(Line::styled(format!("✗ {m}"), theme.error()));
            lines.push(Line::styled(
                "Fix it and press Enter to test again, or F5 to go on without importing (map and save only).",
                theme.dim(),
            ));
        }
        (None, _) => lines.push(Line::styled(
            "Enter tests the connection (nothing is changed), then you pick the file.",
            theme.dim(),
        )),
    }
    if app.demo {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Demo: this is a local sandbox with demo data; nothing leaves this machine.",
            theme.title(),
        ));
    }
    if let Some(err) = &app.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            crate::text::for_terminal(err).into_owned(),
            theme.error(),
        ));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
