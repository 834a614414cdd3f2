//! A mapping checked against the catalog and the file's columns, once, before any row is read: every
//! attribute known (or declared), every column present, every type fixed, day/month order of date columns
//! decided over the whole column.

use super::fields::Field;
use crate::mapping::convert::{DateOrder, date_order_evidence};
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

pub struct Compiled {
    pub id: Field,
    pub profile_id: Option<Field>,
    pub attributes: Vec<Field>,
    pub cart: Option<CartFields>,
    pub total: Option<TotalField>,
    pub costs: Vec<(String, Field)>,
    pub state: String,
}

impl Compiled {
    pub fn new(mapping: &Mapping, catalog: &Catalog) -> Result<Compiled, MappingError> {
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
        };
        c.decide_date_orders(mapping)?;
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
    fn decide_date_orders(&mut self, mapping: &Mapping) -> Result<(), MappingError> {
        let mut fields = self.time_fields();
        if fields.is_empty() {
            return Ok(());
        }
        let mut evidence = vec![(false, false); fields.len()];
        let mut reader = crate::source::open(&mapping.source_path(), &mapping.source_options())?;
        let mut row = Row::empty();
        while let Some(r) = reader.read_into(&mut row) {
            if r.is_err() {
                continue;
            }
            for (f, ev) in fields.iter().zip(evidence.iter_mut()) {
                let Some(cell) = f.column_index().and_then(|i| row.cells.get(i)) else {
                    continue;
                };
                let (d, m) = date_order_evidence(&cell.value);
                ev.0 |= d;
                ev.1 |= m;
            }
        }
        for (f, ev) in fields.iter_mut().zip(evidence) {
            f.order = match ev {
                (true, false) => DateOrder::DayFirst,
                (false, true) => DateOrder::MonthFirst,
                (true, true) => DateOrder::Conflicting,
                (false, false) => DateOrder::Unknown,
            };
        }
        Ok(())
    }

    /// The record id of a row with the prefix applied, or the problem.
    // A problem is per row and rare next to the happy path; boxing it would only add noise.
    #[allow(clippy::result_large_err)]
    pub fn read_id(&self, field: &Field, row: &Row) -> Result<String, super::Problem> {
        let Some((text, _)) = field.text(row) else {
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
        let id = format!("{}{}", field.spec.prefix.as_deref().unwrap_or(""), text);
        let len = id.chars().count();
        if len > 1000 {
            return Err(field.problem(
                row.number,
                Some(text),
                "id_too_long",
                format!("the id is {len} characters long; Talon.One accepts at most 1000"),
            ));
        }
        Ok(id)
    }
}
