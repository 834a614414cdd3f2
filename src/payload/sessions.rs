//! Sessions: rows sharing a session id → one `PUT /v2/customer_sessions/{id}` with
//! `{"customerSession": {profileId, state, cartItems, additionalCosts, attributes}}`.
//!
//! Rows of one order need not be adjacent, so the whole file is read and grouped before the first record is
//! produced: memory grows with the file (every row's cells are kept, for the results files), each row packed
//! into one allocation ([`super::packed`]) and unpacked when its order becomes a record — roughly the file's
//! size plus ~150 bytes per order for the id index and groups. Order-level values come from the first row of
//! the order that has them (exports fill them only on the first line).

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::compile::{Compiled, TotalField};
use super::fields::Field;
use super::packed::PackedRows;
use super::{Problem, Record, Request, encode_id, raw_cells};
use crate::mapping::TotalMode;
use crate::source::{Row, SourceError, SourceReader};

/// Talon.One's limits per session.
pub const MAX_CART_ITEMS: usize = 1000;
pub const MAX_TOTAL_QUANTITY: f64 = 10_000.0;

/// One record to come, in file order of its first row.
enum Group {
    /// A row without a usable session id: its own invalid record. Boxed: every order's entry is as small as
    /// the largest variant.
    Broken(Box<(Row, Problem)>),
    /// The next order of the session index (which holds its id and rows, once per order; orders enter it
    /// in the same order as their groups here).
    Session,
}

pub(super) fn records(
    c: Compiled,
    reader: SourceReader,
) -> impl Iterator<Item = Result<Record, SourceError>> + Send {
    let mut groups: Vec<Group> = vec![];
    let mut sessions: IndexMap<String, PackedRows> = IndexMap::new();
    let mut error = None;
    // One reused row: each row is packed (copied) into its order's group, so none needs its own cells.
    let (mut reader, mut row, mut id) = (reader, Row::empty(), String::new());
    while let Some(read) = reader.read_into(&mut row) {
        if let Err(e) = read {
            error = Some(e);
            break;
        }
        match c.id_into(&c.id, &row, &mut id) {
            Ok(()) => match sessions.get_mut(id.as_str()) {
                Some(rows) => rows.push(&row),
                None => {
                    let mut rows = PackedRows::default();
                    rows.push(&row);
                    groups.push(Group::Session);
                    sessions.insert(id.clone(), rows);
                }
            },
            Err(p) => groups.push(Group::Broken(Box::new((row.clone(), p)))),
        }
    }
    // Moved out one by one: the grouped rows are freed as their records go out.
    let mut sessions = sessions.into_iter();
    groups
        .into_iter()
        .filter_map(move |g| match g {
            Group::Broken(broken) => Some(Ok(broken_record(*broken))),
            Group::Session => sessions
                .next()
                .map(|(id, rows)| Ok(record(&c, id, rows.unpack()))),
        })
        .chain(error.map(Err))
}

/// The first row's value of an order-level field.
fn first_value(f: &Field, rows: &[Row], problems: &mut Vec<Problem>) -> Option<Value> {
    for row in rows {
        match f.read(row) {
            Ok(Some(v)) => return Some(v),
            Ok(None) => {}
            Err(p) => {
                problems.push(p);
                return None;
            }
        }
    }
    None
}

/// A row without a usable session id: its own invalid record.
fn broken_record((row, p): (Row, Problem)) -> Record {
    Record {
        rows: vec![row.number],
        id: String::new(),
        profile_id: None,
        source: vec![raw_cells(&row)],
        request: Err(vec![p]),
    }
}

fn record(c: &Compiled, id: String, rows: Vec<Row>) -> Record {
    let mut problems = vec![];
    let first = rows[0].number;

    // Profile id: required, and the same on every row that has one.
    let mut profile: Option<(String, u64)> = None;
    if let Some(pf) = &c.profile_id {
        for row in &rows {
            if pf.text(row).is_none() {
                continue;
            }
            match c.read_id(pf, row) {
                Ok(p) => match &profile {
                    None => profile = Some((p, row.number)),
                    Some((seen, at)) if *seen != p => problems.push(pf.problem(
                        row.number,
                        Some(p.clone()),
                        "profile_id_mismatch",
                        format!(
                            "order \"{id}\" belongs to profile \"{seen}\" (row {at}) but this row says \"{p}\"; \
                             one order has one customer"
                        ),
                    )),
                    Some(_) => {}
                },
                Err(p) => problems.push(p),
            }
        }
        if profile.is_none() {
            problems.push(pf.problem(
                first,
                None,
                "missing_profile_id",
                format!(
                    "order \"{id}\" has no customer id{}; a session needs the profile it belongs to",
                    pf.column.as_ref().map(|c| format!(" in column \"{c}\"")).unwrap_or_default()
                ),
            ));
        }
    }

    if c.cart.is_none() && rows.len() > 1 {
        problems.push(c.id.problem(
            rows[1].number,
            Some(id.clone()),
            "duplicate_id",
            format!(
                "session id \"{id}\" is used by rows {}; without [cart_items] every row must be its own order",
                rows.iter().map(|r| r.number.to_string()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }

    let mut attrs = Map::new();
    for f in &c.attributes {
        if let Some(v) = first_value(f, &rows, &mut problems) {
            attrs.insert(f.name.clone(), v);
        }
    }

    let mut items: Vec<Value> = vec![];
    let mut total_quantity = 0.0;
    if let Some(cart) = &c.cart {
        for row in &rows {
            if let Some(item) = cart_item(cart, row, &mut problems, &mut total_quantity) {
                items.push(item);
            }
        }
        if items.len() > MAX_CART_ITEMS {
            problems.push(cart.sku.problem(
                first,
                None,
                "too_many_cart_items",
                format!(
                    "order \"{id}\" has {} cart items; Talon.One accepts at most {MAX_CART_ITEMS}",
                    items.len()
                ),
            ));
        }
        if total_quantity > MAX_TOTAL_QUANTITY {
            problems.push(cart.sku.problem(
                first,
                None,
                "too_much_quantity",
                format!(
                    "order \"{id}\" has a total quantity of {total_quantity}; Talon.One accepts at most 10000 per session"
                ),
            ));
        }
    }

    let mut total_value = None;
    if let Some(TotalField { field, mode, sku }) = &c.total
        && let Some(t) = first_value(field, &rows, &mut problems)
    {
        match mode {
            TotalMode::CartItem if c.cart.is_none() => items.push(json!({
                "sku": sku, "quantity": 1, "price": t,
            })),
            TotalMode::Total => total_value = Some(t),
            TotalMode::CartItem => {}
        }
    }

    let mut costs = Map::new();
    for (name, f) in &c.costs {
        if let Some(v) = first_value(f, &rows, &mut problems) {
            costs.insert(name.clone(), json!({ "price": v }));
        }
    }

    let profile_id = profile.map(|p| p.0);
    let request = if problems.is_empty() {
        let mut session = Map::new();
        session.insert(
            "profileId".into(),
            json!(profile_id.clone().unwrap_or_default()),
        );
        session.insert("state".into(), json!(c.state));
        session.insert("cartItems".into(), Value::Array(items));
        if !costs.is_empty() {
            session.insert("additionalCosts".into(), Value::Object(costs));
        }
        if let Some(t) = total_value {
            session.insert("total".into(), t);
        }
        session.insert("attributes".into(), Value::Object(attrs));
        Ok(Request {
            method: "PUT",
            path: format!("/v2/customer_sessions/{}", encode_id(&id)),
            body: json!({ "customerSession": Value::Object(session) }),
        })
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    };
    Record {
        rows: rows.iter().map(|r| r.number).collect(),
        id,
        profile_id,
        source: rows.iter().map(raw_cells).collect(),
        request,
    }
}

/// One row's cart item; `None` (and maybe a problem) when the row carries none.
fn cart_item(
    cart: &super::compile::CartFields,
    row: &Row,
    problems: &mut Vec<Problem>,
    total_quantity: &mut f64,
) -> Option<Value> {
    let before = problems.len();
    let mut read = |f: &Option<Field>| -> Option<Value> {
        f.as_ref()
            .and_then(|f| f.read(row).map_err(|p| problems.push(p)).ok().flatten())
    };
    let name = read(&cart.name);
    let quantity = read(&cart.quantity);
    let price = read(&cart.price);
    let category = read(&cart.category);
    let sku = cart.sku.text(row).map(|t| t.0);
    let Some(sku) = sku else {
        if name.is_some() || quantity.is_some() || price.is_some() {
            problems.push(cart.sku.problem(
                row.number,
                None,
                "missing_sku",
                "this line item has no SKU; every cart item needs a non-empty sku".into(),
            ));
        }
        return None;
    };
    let mut item = Map::new();
    item.insert("sku".into(), json!(sku));
    if let Some(n) = name {
        item.insert("name".into(), n);
    }
    let q = match &quantity {
        None => Some(1.0),
        Some(v) => v.as_f64().filter(|q| *q >= 1.0 && q.fract() == 0.0),
    };
    match q {
        Some(q) => {
            *total_quantity += q;
            item.insert("quantity".into(), json!(q as i64));
        }
        None => {
            if let Some(f) = &cart.quantity {
                problems.push(f.problem(
                    row.number,
                    quantity.map(|v| v.to_string()),
                    "bad_quantity",
                    "quantity must be a whole number of at least 1".into(),
                ));
            }
        }
    }
    item.insert("price".into(), price.unwrap_or(json!(0)));
    if let Some(cat) = category {
        item.insert("category".into(), cat);
    }
    let mut attrs = Map::new();
    for f in &cart.attributes {
        match f.read(row) {
            Ok(Some(v)) => {
                attrs.insert(f.name.clone(), v);
            }
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    if !attrs.is_empty() {
        item.insert("attributes".into(), Value::Object(attrs));
    }
    (problems.len() == before).then_some(Value::Object(item))
}
