//! A mapping checked against the catalog and the file's columns, once, before any row is read: every
//! attribute known (or declared), every column present, every type fixed, day/month order of date columns
//! decided over the whole column.

use super::fields::Field;
use crate::mapping::convert::{DateOrder, date_order_class};
use crate::mapping::{Catalog, FieldSpec, Mapping, MappingError, Target, TotalMode};
use crate::source::Row;
use crate::talon::attributes::{AttrType, Entity};

pub struct CartFields {
    pub sku: Field,
    pub name: Option<Field>,
    pub quantity: Option<Field>,
    pub price: Option<Field>,
    pub category: Option<Field>,
    pub attributes: Vec<Field>,
}

pub struct TotalField {
    pub field: Field,
    pub mode: TotalMode,
    pub sku: String,
}

/// How the day/month order of one time column without `format` was decided over the whole column, so the
/// admin can see it and override it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DateOrderDecision {
    /// The attribute (`SignupDate`).
    pub field: String,
    /// The source column.
    pub column: String,
    /// `day_first`, `month_first`, `conflicting` or `unknown`.
    pub order: &'static str,
    /// Values such as `03/04/2021` that read differently either way (counted over the whole column).
    pub ambiguous: u64,
    /// The first row (and its value) showing day-first order, e.g. `23/04/2021`.
    pub day_first_example: Option<(u64, String)>,
    /// The first row (and its value) showing month-first order, e.g. `04/23/2021`.
    pub month_first_example: Option<(u64, String)>,
}

impl DateOrderDecision {
    /// The order the evidence settles on.
    pub fn settled(&self) -> DateOrder {
        match (&self.day_first_example, &self.month_first_example) {
            (Some(_), None) => DateOrder::DayFirst,
            (None, Some(_)) => DateOrder::MonthFirst,
            (Some(_), Some(_)) => DateOrder::Conflicting,
            (None, None) => DateOrder::Unknown,
        }
    }

    /// Adds one value's evidence.
    pub fn observe(&mut self, row: u64, value: &str) {
        let (d, m, ambiguous) = date_order_class(value);
        if d && self.day_first_example.is_none() {
            self.day_first_example = Some((row, value.to_string()));
        }
        if m && self.month_first_example.is_none() {
            self.month_first_example = Some((row, value.to_string()));
        }
        if ambiguous {
            self.ambiguous += 1;
        }
    }

    pub(super) fn finish(&mut self) {
        self.order = match self.settled() {
            DateOrder::DayFirst => "day_first",
            DateOrder::MonthFirst => "month_first",
            DateOrder::Conflicting => "conflicting",
            DateOrder::Unknown => "unknown",
        };
    }

    /// One line for the admin, or `None` when no value was ambiguous:
    /// `column Signup: 1,203 dates could be day/month or month/day; read as day/month because row 17 has
    /// 23/04/2021 — set format to override`.
    pub fn line(&self) -> Option<String> {
        if self.ambiguous == 0 {
            return None;
        }
        let n = thousands(self.ambiguous);
        let head = format!(
            "column {}: {n} date{} could be day/month or month/day",
            self.column,
            if self.ambiguous == 1 { "" } else { "s" }
        );
        Some(match (&self.day_first_example, &self.month_first_example) {
            (Some((row, v)), None) => format!(
                "{head}; read as day/month because row {row} has {v} — set format (e.g. \"%m/%d/%Y\") to override"
            ),
            (None, Some((row, v))) => format!(
                "{head}; read as month/day because row {row} has {v} — set format (e.g. \"%d/%m/%Y\") to override"
            ),
            (Some((r1, v1)), Some((r2, v2))) => format!(
                "{head}; the column mixes both orders (row {r1} has {v1}, row {r2} has {v2}), so they are errors — \
                 set format for this field"
            ),
            (None, None) => format!(
                "{head} and no row settles it, so they are errors — set format (e.g. \"%d/%m/%Y\") for this field"
            ),
        })
    }
}

/// `1203` → `1,203`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub struct Compiled {
    pub id: Field,
    pub profile_id: Option<Field>,
    pub attributes: Vec<Field>,
    pub cart: Option<CartFields>,
    pub total: Option<TotalField>,
    pub costs: Vec<(String, Field)>,
    pub state: String,
    /// One per time column read without `format`, in mapping order.
    pub dates: Vec<DateOrderDecision>,
}

impl Compiled {
    /// Compiles with the day/month order of date columns decided over the whole file.
    pub fn new(mapping: &Mapping, catalog: &Catalog) -> Result<Compiled, MappingError> {
        Compiled::with_date_scan(mapping, catalog, true)
    }

    /// `whole_file = false` stops the day/month pre-scan as soon as every date column has shown its order;
    /// only for a caller that checks the rest of each column itself and starts over when a later row
    /// contradicts (see `payload::check_profiles`).
    pub fn with_date_scan(
        mapping: &Mapping,
        catalog: &Catalog,
        whole_file: bool,
    ) -> Result<Compiled, MappingError> {
        let path = mapping.source_path();
        let mpath = mapping.base_dir.join("mapping");
        let info = crate::source::open(&path, &mapping.source_options())?.info;
        let cols = &info.columns;
        let field = |name: &str, key: &str, spec: &FieldSpec, kind: AttrType| {
            Field::compile(name, key, spec, spec.kind.unwrap_or(kind), cols, &mpath)
        };
        let attr = |entity: Entity, name: &str, key: &str, spec: &FieldSpec| {
            let Some(kind) = catalog.kind_of(entity, name) else {
                let hint = catalog
                    .did_you_mean(entity, name)
                    .map(|n| format!("Did you mean \"{n}\"? "))
                    .unwrap_or_default();
                return Err(MappingError::Invalid {
                    path: mpath.clone(),
                    key: key.to_string(),
                    message: format!(
                        "Talon.One has no {entity:?} attribute \"{name}\". {hint}If it is a custom attribute, \
                         create it in Talon.One or declare it under [custom_attributes], e.g. {name} = \"string\""
                    ),
                });
            };
            field(name, key, spec, kind)
        };
        let (entity, target_name) = match mapping.target {
            Target::Profiles => (Entity::CustomerProfile, "profiles"),
            Target::Sessions => (Entity::CustomerSession, "sessions"),
        };
        let id = field("id", "id", &mapping.id, AttrType::String)?;
        let profile_id = match (&mapping.profile_id, mapping.target) {
            (Some(spec), Target::Sessions) => {
                Some(field("profileId", "profile_id", spec, AttrType::String)?)
            }
            (None, Target::Sessions) => {
                return Err(MappingError::Invalid {
                    path: mpath.clone(),
                    key: "profile_id".into(),
                    message: "sessions need the customer's integration id: add [profile_id] column = \"…\"".into(),
                });
            }
            _ => None,
        };
        let mut attributes = vec![];
        for (name, spec) in &mapping.attributes {
            attributes.push(attr(entity, name, &format!("attributes.{name}"), spec)?);
        }
        let mut cart = None;
        let mut total = None;
        let mut costs = vec![];
        if mapping.target == Target::Sessions {
            if let Some(c) = &mapping.cart_items {
                let opt = |name: &str, spec: &Option<FieldSpec>, kind| {
                    spec.as_ref()
                        .map(|s| {
                            field(
                                &format!("cartItems.{name}"),
                                &format!("cart_items.{name}"),
                                s,
                                kind,
                            )
                        })
                        .transpose()
                };
                let mut attrs = vec![];
                for (name, spec) in &c.attributes {
                    attrs.push(attr(
                        Entity::CartItem,
                        name,
                        &format!("cart_items.attributes.{name}"),
                        spec,
                    )?);
                }
                cart = Some(CartFields {
                    sku: field("cartItems.sku", "cart_items.sku", &c.sku, AttrType::String)?,
                    name: opt("name", &c.name, AttrType::String)?,
                    quantity: opt("quantity", &c.quantity, AttrType::Number)?,
                    price: opt("price", &c.price, AttrType::Number)?,
                    category: opt("category", &c.category, AttrType::String)?,
                    attributes: attrs,
                });
            }
            if let Some(t) = &mapping.total {
                total = Some(TotalField {
                    field: field("total", "total", &t.field, AttrType::Number)?,
                    mode: t.send_as.unwrap_or(TotalMode::CartItem),
                    sku: t.sku.clone().unwrap_or_else(|| "order-total".into()),
                });
            }
            for (name, spec) in &mapping.additional_costs {
                costs.push((
                    name.clone(),
                    field(
                        &format!("additionalCosts.{name}"),
                        &format!("additional_costs.{name}"),
                        spec,
                        AttrType::Number,
                    )?,
                ));
            }
        } else if mapping.cart_items.is_some()
            || mapping.total.is_some()
            || !mapping.additional_costs.is_empty()
        {
            return Err(MappingError::Invalid {
                path: mpath.clone(),
                key: "target".into(),
                message: format!(
                    "[cart_items], [total] and [additional_costs] only apply to sessions, but target = \"{target_name}\""
                ),
            });
        }
        let mut c = Compiled {
            id,
            profile_id,
            attributes,
            cart,
            total,
            costs,
            state: mapping.session_state().to_string(),
            dates: vec![],
        };
        c.decide_date_orders(mapping, whole_file)?;
        Ok(c)
    }

    fn time_fields(&mut self) -> Vec<&mut Field> {
        let mut all: Vec<&mut Field> = self.attributes.iter_mut().collect();
        if let Some(c) = &mut self.cart {
            all.extend(c.attributes.iter_mut());
        }
        all.into_iter()
            .filter(|f| {
                matches!(f.kind, AttrType::Time | AttrType::ListTime)
                    && f.spec.format.is_none()
                    && f.column_index().is_some()
            })
            .collect()
    }

    /// Reads the date columns once: a value like `13/04/2021` settles day-first for the whole column.
    fn decide_date_orders(
        &mut self,
        mapping: &Mapping,
        whole_file: bool,
    ) -> Result<(), MappingError> {
        let mut fields = self.time_fields();
        if fields.is_empty() {
            return Ok(());
        }
        let mut dates: Vec<DateOrderDecision> = fields
            .iter()
            .map(|f| DateOrderDecision {
                field: f.name.clone(),
                column: f.column.clone().unwrap_or_default(),
                order: "unknown",
                ambiguous: 0,
                day_first_example: None,
                month_first_example: None,
            })
            .collect();
        let mut reader = crate::source::open(&mapping.source_path(), &mapping.source_options())?;
        let mut row = Row::empty();
        while let Some(r) = reader.read_into(&mut row) {
            if r.is_err() {
                continue;
            }
            for (f, d) in fields.iter().zip(dates.iter_mut()) {
                if let Some(cell) = f.column_index().and_then(|i| row.cells.get(i)) {
                    d.observe(row.number, &cell.value);
                }
            }
            if !whole_file && dates.iter().all(|d| d.settled() != DateOrder::Unknown) {
                break;
            }
        }
        for (f, d) in fields.iter_mut().zip(dates.iter_mut()) {
            d.finish();
            f.order = d.settled();
        }
        self.dates = dates;
        Ok(())
    }

    /// The time fields whose order was decided by the pre-scan, with their column index, for a caller that
    /// re-observes the whole column (see [`Compiled::with_date_scan`]).
    pub fn date_columns(&self) -> Vec<usize> {
        let mut all: Vec<&Field> = self.attributes.iter().collect();
        if let Some(c) = &self.cart {
            all.extend(c.attributes.iter());
        }
        all.into_iter()
            .filter(|f| {
                matches!(f.kind, AttrType::Time | AttrType::ListTime)
                    && f.spec.format.is_none()
                    && f.column_index().is_some()
            })
            .filter_map(|f| f.column_index())
            .collect()
    }

    /// The record id of a row with the prefix applied, or the problem.
    // A problem is per row and rare next to the happy path; boxing it would only add noise.
    #[allow(clippy::result_large_err)]
    pub fn read_id(&self, field: &Field, row: &Row) -> Result<String, super::Problem> {
        let mut id = String::new();
        self.id_into(field, row, &mut id).map(|()| id)
    }

    /// [`Compiled::read_id`] into a reused buffer (cleared first), for checking rows without allocating.
    #[allow(clippy::result_large_err)]
    pub fn id_into(&self, field: &Field, row: &Row, id: &mut String) -> Result<(), super::Problem> {
        id.clear();
        let Some((text, _)) = field.text_cow(row) else {
            return Err(field.problem(
                row.number,
                None,
                "missing_id",
                format!(
                    "the {} is empty; every row needs one{}",
                    if field.name == "id" {
                        "id"
                    } else {
                        "profile id"
                    },
                    field
                        .column
                        .as_ref()
                        .map(|c| format!(" (column \"{c}\")"))
                        .unwrap_or_default()
                ),
            ));
        };
        let prefix = field.spec.prefix.as_deref().unwrap_or("");
        id.push_str(prefix);
        id.push_str(&text);
        // At most as many characters as bytes: only long ids need counting.
        let len = if id.len() <= 1000 {
            id.len()
        } else {
            id.chars().count()
        };
        if len > 1000 {
            return Err(field.problem(
                row.number,
                Some(text.into_owned()),
                "id_too_long",
                format!("the id is {len} characters long; Talon.One accepts at most 1000"),
            ));
        }
        Ok(())
    }
}
