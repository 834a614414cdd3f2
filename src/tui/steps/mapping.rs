//! Mapping: each column on the left with a sample value; the attribute it goes to on the right, pre-filled from
//! the suggestions with their confidence. ←/→ picks another attribute, `x` leaves the column out.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Borders, List, ListItem, ListState, Paragraph, Row, Table, Widget, Wrap,
};

use crate::mapping::Target;
use crate::mapping::suggest::Slot;
use crate::talon::attributes::Entity;
use crate::tui::app::{
    App, Chooser, Cmd, Detail, DetailEdit, ValidateState, advance, suggest_mapping,
};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if app.mapping.chooser.is_some() {
        chooser_key(app, key);
        return None;
    }
    if app.mapping.edit.is_some() {
        edit_key(app, key);
        return None;
    }
    let m = &mut app.mapping;
    match key.code {
        KeyCode::Char('l') => {
            // The mapping saved next to the file (where `s` puts it).
            if let Some(t) = &app.table {
                return Some(Cmd::LoadMapping(t.path.with_extension("toml")));
            }
        }
        KeyCode::Char('c') if !m.rows.is_empty() => {
            m.edit = Some(DetailEdit {
                column: String::new(),
                detail: Detail::Constant,
                text: String::new(),
            });
        }
        KeyCode::Char('C') => {
            m.constants.clear();
        }
        KeyCode::Char('y') if !m.rows.is_empty() => {
            // The type the values are read as: the attribute's own, then each type in turn.
            use crate::talon::attributes::AttrType;
            const KINDS: [Option<AttrType>; 6] = [
                None,
                Some(AttrType::String),
                Some(AttrType::Number),
                Some(AttrType::Boolean),
                Some(AttrType::Time),
                Some(AttrType::ListString),
            ];
            let column = m.rows[m.selected].column.clone();
            let d = m.details.entry(column).or_default();
            let i = KINDS.iter().position(|k| *k == d.kind).unwrap_or(0);
            d.kind = KINDS[(i + 1) % KINDS.len()];
        }
        KeyCode::Char(c @ ('f' | 'z')) if !m.rows.is_empty() => {
            let column = m.rows[m.selected].column.clone();
            let detail = if c == 'f' {
                Detail::Format
            } else {
                Detail::TimeZone
            };
            let d = m.details.get(&column).cloned().unwrap_or_default();
            let text = match detail {
                Detail::Format => d.format,
                Detail::TimeZone => d.timezone,
                Detail::Constant => None,
            }
            .unwrap_or_default();
            m.edit = Some(DetailEdit {
                column,
                detail,
                text,
            });
        }
        KeyCode::Char('/') | KeyCode::Char('a') if !m.rows.is_empty() => {
            m.chooser = Some(Chooser::default());
        }
        KeyCode::Down | KeyCode::Char('j') => {
            m.selected = (m.selected + 1).min(m.rows.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => m.selected = m.selected.saturating_sub(1),
        KeyCode::Right | KeyCode::Left => {
            let forward = key.code == KeyCode::Right;
            let n = m.choices.len();
            if let Some(row) = m.rows.get_mut(m.selected)
                && n > 0
            {
                let current = row
                    .attribute
                    .as_ref()
                    .and_then(|a| m.choices.iter().position(|c| c == a));
                let next = match (current, forward) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                };
                row.attribute = Some(m.choices[next].clone());
                row.confidence = 100;
            }
        }
        KeyCode::Char('x') => {
            if let Some(row) = m.rows.get_mut(m.selected) {
                row.attribute = None;
                row.confidence = 100;
            }
        }
        KeyCode::Enter => match app.current_mapping() {
            Ok(mapping) => {
                advance(app);
                app.validate = ValidateState {
                    running: true,
                    ..ValidateState::default()
                };
                return Some(Cmd::Validate {
                    mapping: Box::new(mapping),
                    custom: app.custom.clone(),
                });
            }
            Err(e) => app.error = Some(e),
        },
        KeyCode::Char('t') => {
            // Profiles → orders, one row per line item → orders, one row per order → profiles.
            (app.target, app.one_row_per_order) = match (app.target, app.one_row_per_order) {
                (Target::Profiles, _) => (Target::Sessions, false),
                (Target::Sessions, false) => (Target::Sessions, true),
                (Target::Sessions, true) => (Target::Profiles, false),
            };
            if let Some(table) = &app.table {
                app.mapping = suggest_mapping(table, &app.catalog(), app.target);
            }
            app.error = None;
        }
        KeyCode::Char('s') => match (app.current_mapping(), &app.table) {
            (Ok(mapping), Some(table)) => {
                return Some(Cmd::SaveMapping {
                    path: table.path.with_extension("toml"),
                    mapping: Box::new(mapping),
                });
            }
            (Err(e), _) => app.error = Some(e),
            _ => {}
        },
        _ => {}
    }
    None
}

/// Shows a mapping file read with `l`: its target, which column goes where, formats and time zones. Columns
/// it does not mention are left out. A mapping of another file is refused (open that file first).
pub fn apply_loaded(app: &mut App, m: crate::mapping::Mapping) {
    use crate::mapping::suggest::CartField;
    let Some(table) = &app.table else { return };
    let same = m.source_path().file_name() == table.path.file_name();
    if !same {
        app.error = Some(format!(
            "That mapping reads {}, not this file: open that file first.",
            crate::text::for_terminal(&m.source_path().display().to_string())
        ));
        return;
    }
    app.target = m.target;
    app.one_row_per_order = m.target == Target::Sessions && m.cart_items.is_none();
    app.mapping = suggest_mapping(table, &app.catalog(), app.target);
    let mut fields: Vec<(Slot, &crate::mapping::FieldSpec)> = vec![(Slot::Id, &m.id)];
    if let Some(p) = &m.profile_id {
        fields.push((Slot::ProfileId, p));
    }
    if let Some(t) = &m.total {
        fields.push((Slot::Total, &t.field));
    }
    fields.extend(
        m.attributes
            .iter()
            .map(|(n, s)| (Slot::Attribute(n.clone()), s)),
    );
    fields.extend(
        m.additional_costs
            .iter()
            .map(|(n, s)| (Slot::AdditionalCost(n.clone()), s)),
    );
    if let Some(c) = &m.cart_items {
        fields.push((Slot::CartItem(CartField::Sku), &c.sku));
        for (f, s) in [
            (CartField::Name, &c.name),
            (CartField::Quantity, &c.quantity),
            (CartField::Price, &c.price),
            (CartField::Category, &c.category),
        ] {
            if let Some(s) = s {
                fields.push((Slot::CartItem(f), s));
            }
        }
        fields.extend(
            c.attributes
                .iter()
                .map(|(n, s)| (Slot::CartItemAttribute(n.clone()), s)),
        );
    }
    let target = app.target;
    let ms = &mut app.mapping;
    for row in &mut ms.rows {
        row.attribute = None;
        row.confidence = 100;
        let Some((slot, spec)) = fields
            .iter()
            .find(|(_, spec)| spec.columns().contains(&row.column))
        else {
            continue;
        };
        let label = crate::tui::app::slot_label(slot, target);
        if !ms.choices.contains(&label) {
            ms.choices.push(label.clone());
            ms.slots.push(slot.clone());
        }
        row.attribute = Some(label);
        if spec.format.is_some() || spec.timezone.is_some() || spec.kind.is_some() {
            ms.details.insert(
                row.column.clone(),
                crate::tui::app::ColumnDetails {
                    format: spec.format.clone(),
                    timezone: spec.timezone.clone(),
                    kind: spec.kind,
                },
            );
        }
    }
    // Constants come back as constants.
    ms.constants = m
        .attributes
        .iter()
        .filter_map(|(n, spec)| {
            let v = spec.value.as_ref()?;
            let text = match v {
                toml::Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            Some((n.clone(), text))
        })
        .collect();
    app.notice = Some(format!(
        "Loaded the mapping: {} ({} fields).",
        m.target.as_str(),
        fields.len()
    ));
    app.error = None;
}

/// The table's title: what is required and whether it is mapped.
fn required_title(app: &App) -> String {
    let has = |label: &str| {
        app.mapping
            .rows
            .iter()
            .any(|r| r.attribute.as_deref() == Some(label))
    };
    let mark = |ok: bool| if ok { "✓" } else { "✗ missing" };
    let id = crate::tui::app::ID_LABEL;
    match app.target {
        Target::Profiles => format!("Columns → attributes · required: {id} {}", mark(has(id))),
        Target::Sessions => format!(
            "Columns → order fields · required: {id} {} · customer {}",
            mark(has(id)),
            mark(has(&crate::tui::app::slot_label(
                &Slot::ProfileId,
                Target::Sessions
            )))
        ),
    }
}

/// Keys while the format / time-zone prompt is open: type, Enter keeps it (empty clears it).
fn edit_key(app: &mut App, key: KeyEvent) {
    let m = &mut app.mapping;
    let Some(e) = m.edit.as_mut() else { return };
    match key.code {
        KeyCode::Char(c) => e.text.push(c),
        KeyCode::Backspace => {
            e.text.pop();
        }
        KeyCode::Enter if e.detail == Detail::Constant => {
            let Some((name, value)) = e.text.split_once('=') else {
                app.error =
                    Some("Type the attribute, = and the value, e.g. Source = spring-import".into());
                return;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            if name.is_empty() {
                app.error = Some("Type the attribute's name before the =.".into());
                return;
            }
            m.constants.retain(|(n, _)| *n != name);
            if !value.is_empty() {
                m.constants.push((name, value));
            }
            m.edit = None;
            app.error = None;
        }
        KeyCode::Enter => {
            let value = Some(e.text.trim().to_string()).filter(|t| !t.is_empty());
            let d = m.details.entry(e.column.clone()).or_default();
            match e.detail {
                Detail::Format => d.format = value,
                Detail::TimeZone => d.timezone = value,
                Detail::Constant => {}
            }
            m.edit = None;
        }
        _ => {}
    }
}

/// Keys while the attribute list is open: type to filter, ↑↓ choose, Enter takes it (Esc closes, in
/// `update`).
fn chooser_key(app: &mut App, key: KeyEvent) {
    let matches = app.mapping.chooser_matches();
    let m = &mut app.mapping;
    let Some(c) = m.chooser.as_mut() else { return };
    match key.code {
        KeyCode::Char(ch) => {
            c.query.push(ch);
            c.selected = 0;
        }
        KeyCode::Backspace => {
            c.query.pop();
            c.selected = 0;
        }
        KeyCode::Down => c.selected = (c.selected + 1).min(matches.len().saturating_sub(1)),
        KeyCode::Up => c.selected = c.selected.saturating_sub(1),
        KeyCode::Enter => {
            if let Some(&i) = matches.get(c.selected)
                && let Some(row) = m.rows.get_mut(m.selected)
            {
                row.attribute = Some(m.choices[i].clone());
                row.confidence = 100;
                m.chooser = None;
            }
        }
        _ => {}
    }
}

/// The attribute list over the table: every choice that matches what is typed, with its type.
fn chooser(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let m = &app.mapping;
    let Some(c) = &m.chooser else { return };
    let w = area.width.min(56);
    let h = area.height;
    if w < 10 || h < 4 {
        return;
    }
    let rect = Rect::new(area.x + area.width - w, area.y, w, h);
    ratatui::widgets::Clear.render(rect, buf);
    let catalog = app.catalog();
    let entity = match app.target {
        Target::Profiles => Entity::CustomerProfile,
        Target::Sessions => Entity::CustomerSession,
    };
    let items: Vec<ListItem> = m
        .chooser_matches()
        .into_iter()
        .map(|i| {
            let kind = match &m.slots[i] {
                Slot::Attribute(n) => catalog
                    .kind_of(entity, n)
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_default(),
                Slot::Id | Slot::ProfileId => "id".into(),
                Slot::CartItem(_) | Slot::Total | Slot::AdditionalCost(_) => "order".into(),
                Slot::CartItemAttribute(_) => "item".into(),
            };
            let label = &m.choices[i];
            let pad = (w as usize).saturating_sub(label.chars().count() + kind.len() + 5);
            ListItem::new(format!("{label}{}{kind}", " ".repeat(pad)))
        })
        .collect();
    let column = m
        .rows
        .get(m.selected)
        .map(|r| crate::text::for_terminal(&r.column).into_owned())
        .unwrap_or_default();
    let mut state = ListState::default().with_selected(Some(c.selected));
    ratatui::widgets::StatefulWidget::render(
        List::new(items)
            .highlight_style(theme.selected())
            .highlight_symbol("▶ ")
            .block(Block::bordered().title(format!(
                " {column} → {}▏ (type to filter, Enter take) ",
                crate::text::for_terminal(&c.query)
            ))),
        rect,
        buf,
        &mut state,
    );
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let [head, grid] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    let head_line = match (&app.error, &app.mapping.edit) {
        (_, Some(e)) => Line::from(vec![
            ratatui::text::Span::styled(
                match e.detail {
                    Detail::Format => format!(
                        "Date format of {} (e.g. %d.%m.%Y; empty = detect): ",
                        crate::text::for_terminal(&e.column)
                    ),
                    Detail::TimeZone => format!(
                        "Time zone of {} (e.g. Europe/Berlin; empty = UTC): ",
                        crate::text::for_terminal(&e.column)
                    ),
                    Detail::Constant => "Same value on every record (Name = value): ".to_string(),
                },
                theme.title(),
            ),
            ratatui::text::Span::styled(
                format!("{}▏", crate::text::for_terminal(&e.text)),
                theme.selected(),
            ),
        ]),
        (Some(e), _) => Line::styled(crate::text::for_terminal(e).into_owned(), theme.error()),
        _ if app.mapping.rows.is_empty() => {
            Line::raw("No file loaded yet: press Esc and pick a file first.")
        }
        _ => Line::from(vec![
            ratatui::text::Span::styled(
                match (app.target, app.one_row_per_order) {
                    (Target::Profiles, _) => "Customer profiles",
                    (Target::Sessions, false) => "Past orders, one row per line item",
                    (Target::Sessions, true) => "Past orders, one row per order",
                },
                theme.title(),
            ),
            ratatui::text::Span::raw(match (app.target, app.one_row_per_order) {
                (Target::Profiles, _) => {
                    " (t: switch to past orders). Each column goes to a profile attribute; suggestions are pre-filled, check them."
                }
                (Target::Sessions, false) => {
                    " (t: one row per order). Rows with the same order id become one order with its items."
                }
                (Target::Sessions, true) => {
                    " (t: switch to profiles). Each row is a whole order with its total; no line items."
                }
            }),
        ]),
    };
    Paragraph::new(head_line)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    let per_order = app.target == Target::Sessions && app.one_row_per_order;
    let rows = app.mapping.rows.iter().enumerate().map(|(i, r)| {
        let confidence = match (&r.attribute, r.confidence) {
            (None, _) => String::new(),
            (Some(_), 100) => "✓".into(),
            (Some(_), c) => format!("{c}%"),
        };
        let row = Row::new(vec![
            format!(
                "{}{}",
                if i == app.mapping.selected {
                    "▶ "
                } else {
                    "  "
                },
                crate::text::for_terminal(&r.column)
            ),
            crate::text::for_terminal(&r.sample).into_owned(),
            match &r.attribute {
                // Line-item fields are left out when each row is a whole order.
                Some(a) if per_order && a.starts_with("item ") => {
                    format!("— {a} (unused)")
                }
                Some(a) => match app.mapping.details.get(&r.column) {
                    // What the admin set with f / z shows beside the attribute.
                    Some(d) if d.format.is_some() || d.timezone.is_some() || d.kind.is_some() => {
                        format!(
                            "{a} ({})",
                            [
                                d.kind.map(|k| k.as_str()),
                                d.format.as_deref(),
                                d.timezone.as_deref()
                            ]
                            .into_iter()
                            .flatten()
                            .map(|t| crate::text::for_terminal(t).into_owned())
                            .collect::<Vec<_>>()
                            .join(", ")
                        )
                    }
                    _ => a.clone(),
                },
                None => "— not imported".into(),
            },
            confidence,
        ]);
        if i == app.mapping.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    // Constants (`c`) follow the columns: no column, the same value on every record.
    let constants = app.mapping.constants.iter().map(|(name, value)| {
        Row::new(vec![
            "  (every record)".to_string(),
            crate::text::for_terminal(value).into_owned(),
            crate::text::for_terminal(name).into_owned(),
            "✓".to_string(),
        ])
        .style(theme.dim())
    });
    Table::new(
        rows.chain(constants),
        [
            Constraint::Percentage(25),
            Constraint::Percentage(30),
            Constraint::Percentage(35),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["Column", "Sample", "Attribute", "Sure"]).style(theme.title()))
    .block(
        Block::new()
            .borders(Borders::TOP)
            .title(required_title(app)),
    )
    .render(grid, buf);
    chooser(app, theme, grid, buf);
}
