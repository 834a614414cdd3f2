//! Connect: deployment URL, Integration API key (masked) and optional Management key; Ctrl-T sends one
//! harmless request on a background task and explains the answer in plain words.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::app::{App, Cmd, ConnStatus, ConnectField, advance};
use crate::tui::theme::Theme;
use crate::tui::widgets::masked;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if key.code != KeyCode::Enter {
        // The admin is fixing what the last message complained about.
        app.error = None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        if key.code == KeyCode::Char('t') {
            return test(app);
        }
        return None;
    }
    let form = &mut app.connect;
    if matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace) {
        // A changed URL or key needs a new test.
        form.status = ConnStatus::Untested;
    }
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
                return advance(app);
            }
        }
        _ => {}
    }
    None
}

/// Starts "Test connection" (answered by `Msg::ConnectionTested`).
fn test(app: &mut App) -> Option<Cmd> {
    let f = &mut app.connect;
    if f.url.trim().is_empty() || f.api_key.is_empty() {
        app.error = Some("Fill in the deployment URL and the Integration key first.".into());
        return None;
    }
    f.status = ConnStatus::Testing;
    Some(Cmd::TestConnection {
        url: f.url.trim().to_string(),
        api_key: f.api_key.clone(),
    })
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
        row(
            "Deployment URL",
            crate::text::for_terminal(&f.url).into_owned(),
            ConnectField::Url,
        ),
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
        match &f.status {
            ConnStatus::Untested => Line::styled(
                "Ctrl-T tests the connection (one harmless request; nothing is changed).",
                theme.dim(),
            ),
            ConnStatus::Testing => Line::raw("Testing the connection…"),
            ConnStatus::Ok => {
                Line::styled("✓ Connected: the deployment accepted the key.", theme.ok())
            }
            ConnStatus::Failed(why) => Line::styled(format!("✗ {why}"), theme.error()),
        },
        Line::raw(""),
        Line::styled("Next: pick the file to import.", theme.dim()),
    ];
    if let Some(note) = &app.note {
        lines.push(Line::styled(note.clone(), theme.ok()));
    }
    if let Some(err) = &app.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(err.clone(), theme.error()));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
