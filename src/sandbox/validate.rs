//! Request checks the way Talon.One makes them: body shape and field types (from the spec), limits (ids, bulk
//! size, cart size and quantities) and attribute values against their definitions. Every problem becomes one
//! entry of a Talon.One-shaped 400 body whose `source.pointer` names the field, so a client can tell the user
//! which column to fix.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::talon::api::{
    BulkProfilesUpdate, CustomerProfileUpdate, CustomerSessionUpdate, ErrorBody, ErrorItem,
    ErrorSource, MAX_BULK_PROFILES, MAX_CART_ITEMS, MAX_ID_LEN, MAX_TOTAL_QUANTITY,
};
use crate::talon::attributes::{AttrType, AttributeDef, Entity};

/// Attribute definitions indexed for lookups by entity and name.
#[derive(Debug, Clone, Default)]
pub struct AttrIndex {
    by_key: HashMap<(Entity, String), AttrType>,
    defs: Vec<AttributeDef>,
}

impl AttrIndex {
    pub fn new(defs: Vec<AttributeDef>) -> Self {
        let mut idx = AttrIndex::default();
        for d in defs {
            // A custom definition with the name of an earlier one replaces it (the file wins over built-ins).
            idx.by_key.insert((d.entity, d.name.clone()), d.kind);
            idx.defs
                .retain(|o| !(o.entity == d.entity && o.name == d.name));
            idx.defs.push(d);
        }
        idx
    }
    pub fn get(&self, entity: Entity, name: &str) -> Option<AttrType> {
        self.by_key.get(&(entity, name.to_string())).copied()
    }
    pub fn defs(&self) -> &[AttributeDef] {
        &self.defs
    }
}

/// Problems found so far; empty means valid.
#[derive(Debug, Default)]
pub struct Problems(Vec<ErrorItem>);

impl Problems {
    fn at(&mut self, pointer: String, title: &str, details: String) {
        self.0.push(ErrorItem {
            title: title.to_string(),
            details: Some(details),
            source: ErrorSource {
                pointer: Some(pointer),
                ..ErrorSource::default()
            },
        });
    }
    fn param(&mut self, parameter: &str, title: &str, details: String) {
        self.0.push(ErrorItem {
            title: title.to_string(),
            details: Some(details),
            source: ErrorSource {
                parameter: Some(parameter.to_string()),
                ..ErrorSource::default()
            },
        });
    }
    fn into_result(self) -> Result<(), ErrorBody> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = match self.0.as_slice() {
            [one] => one.details.clone().unwrap_or_else(|| one.title.clone()),
            many => format!(
                "{} problems in the request, first: {}",
                many.len(),
                many[0].details.clone().unwrap_or_default()
            ),
        };
        Err(ErrorBody {
            message,
            errors: self.0,
            status_code: 400,
        })
    }
}

/// JSON pointer escaping (RFC 6901) for attribute names used as path segments.
fn seg(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Parses a body; malformed JSON is a 400 like Talon.One's.
pub fn parse_json(body: &[u8]) -> Result<Value, ErrorBody> {
    serde_json::from_slice(body).map_err(|e| {
        ErrorBody::at_pointer(
            400,
            "",
            "malformed JSON",
            format!("the request body is not valid JSON: {e}"),
        )
    })
}

/// Checks a path id (integrationId or customerSessionId).
pub fn check_path_id(name: &str, id: &str) -> Result<(), ErrorBody> {
    let mut p = Problems::default();
    if id.is_empty() {
        p.param(name, "invalid id", format!("{name} must not be empty"));
    } else if id.chars().count() > MAX_ID_LEN {
        p.param(
            name,
            "invalid id",
            format!("{name} is longer than {MAX_ID_LEN} characters"),
        );
    }
    p.into_result()
}

fn time_ok(s: &str) -> bool {
    s.parse::<jiff::Timestamp>().is_ok()
}

fn value_fits(kind: AttrType, v: &Value) -> bool {
    let list = |f: &dyn Fn(&Value) -> bool| v.as_array().is_some_and(|a| a.iter().all(f));
    match kind {
        AttrType::String | AttrType::Location => v.is_string(),
        AttrType::Number => v.is_number(),
        AttrType::Boolean => v.is_boolean(),
        AttrType::Time => v.as_str().is_some_and(time_ok),
        AttrType::ListString | AttrType::ListLocation => list(&|e| e.is_string()),
        AttrType::ListNumber => list(&|e| e.is_number()),
        AttrType::ListTime => list(&|e| e.as_str().is_some_and(time_ok)),
    }
}

fn expected(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String | AttrType::Location => "a string",
        AttrType::Number => "a number",
        AttrType::Boolean => "true or false",
        AttrType::Time => "an RFC 3339 time such as 2024-01-31T10:00:00Z",
        AttrType::ListString | AttrType::ListLocation => "a list of strings",
        AttrType::ListNumber => "a list of numbers",
        AttrType::ListTime => "a list of RFC 3339 times",
    }
}

fn check_attributes(
    defs: &AttrIndex,
    entity: Entity,
    parent: &str,
    v: Option<&Value>,
    p: &mut Problems,
) {
    let Some(v) = v else { return };
    let Some(map) = v.as_object() else {
        p.at(
            format!("{parent}/attributes"),
            "wrong type",
            format!("attributes must be an object, got {}", type_name(v)),
        );
        return;
    };
    for (name, value) in map {
        let pointer = format!("{parent}/attributes/{}", seg(name));
        match defs.get(entity, name) {
            None => p.at(
                pointer,
                "unknown attribute",
                format!(
                    "attribute {name:?} is not defined for entity {entity:?}; create it in the Campaign Manager first"
                ),
            ),
            Some(kind) if !value_fits(kind, value) => p.at(
                pointer,
                "attribute value has the wrong type",
                format!(
                    "attribute {name:?} is of type {kind} and needs {}, got {}",
                    expected(kind),
                    short(value)
                ),
            ),
            Some(_) => {}
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn check_string_list(pointer: String, v: Option<&Value>, p: &mut Problems) {
    if let Some(v) = v
        && !v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    {
        p.at(pointer, "wrong type", "must be an array of strings".into());
    }
}

fn want_object<'a>(
    pointer: &str,
    v: &'a Value,
    p: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    let o = v.as_object();
    if o.is_none() {
        p.at(
            pointer.to_string(),
            "wrong type",
            format!("must be an object, got {}", type_name(v)),
        );
    }
    o
}

fn want_kind(
    pointer: String,
    v: Option<&Value>,
    ok: fn(&Value) -> bool,
    what: &str,
    p: &mut Problems,
) {
    if let Some(v) = v
        && !ok(v)
    {
        p.at(
            pointer,
            "wrong type",
            format!("must be {what}, got {}", type_name(v)),
        );
    }
}

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ErrorBody> {
    serde_json::from_value(v).map_err(|e| {
        ErrorBody::at_pointer(
            400,
            "",
            "invalid request body",
            format!("the request body does not match the schema: {e}"),
        )
    })
}

/// `PUT /v2/customer_profiles/{integrationId}` body.
pub fn profile_update(defs: &AttrIndex, body: Value) -> Result<CustomerProfileUpdate, ErrorBody> {
    let mut p = Problems::default();
    if let Some(obj) = want_object("", &body, &mut p) {
        check_attributes(
            defs,
            Entity::CustomerProfile,
            "",
            obj.get("attributes"),
            &mut p,
        );
        check_string_list(
            "/responseContent".into(),
            obj.get("responseContent"),
            &mut p,
        );
    }
    p.into_result()?;
    typed(body)
}

/// `PUT /v2/customer_profiles` body.
pub fn bulk_update(defs: &AttrIndex, body: Value) -> Result<BulkProfilesUpdate, ErrorBody> {
    let mut p = Problems::default();
    if let Some(obj) = want_object("", &body, &mut p) {
        match obj.get("customerProfiles") {
            None => p.at(
                "/customerProfiles".into(),
                "missing field",
                "customerProfiles is required".into(),
            ),
            Some(Value::Array(items)) => {
                if items.len() > MAX_BULK_PROFILES {
                    p.at(
                        "/customerProfiles".into(),
                        "too many profiles",
                        format!(
                            "{} profiles in one request; send at most {MAX_BULK_PROFILES}",
                            items.len()
                        ),
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    let at = format!("/customerProfiles/{i}");
                    let Some(o) = want_object(&at, item, &mut p) else {
                        continue;
                    };
                    match o.get("integrationId") {
                        None => p.at(
                            format!("{at}/integrationId"),
                            "missing field",
                            "integrationId is required".into(),
                        ),
                        Some(Value::String(id)) if id.is_empty() => p.at(
                            format!("{at}/integrationId"),
                            "invalid id",
                            "integrationId must not be empty".into(),
                        ),
                        Some(Value::String(id)) if id.chars().count() > MAX_ID_LEN => p.at(
                            format!("{at}/integrationId"),
                            "invalid id",
                            format!("integrationId is longer than {MAX_ID_LEN} characters"),
                        ),
                        Some(Value::String(_)) => {}
                        Some(v) => p.at(
                            format!("{at}/integrationId"),
                            "wrong type",
                            format!("integrationId must be a string, got {}", type_name(v)),
                        ),
                    }
                    check_attributes(
                        defs,
                        Entity::CustomerProfile,
                        &at,
                        o.get("attributes"),
                        &mut p,
                    );
                }
            }
            Some(v) => p.at(
                "/customerProfiles".into(),
                "wrong type",
                format!("customerProfiles must be an array, got {}", type_name(v)),
            ),
        }
    }
    p.into_result()?;
    typed(body)
}

/// A validated session update plus which replaceable parts the body contained.
#[derive(Debug)]
pub struct SessionBody {
    pub update: CustomerSessionUpdate,
    pub has_cart_items: bool,
    pub has_additional_costs: bool,
}

fn check_costs(pointer: String, v: Option<&Value>, p: &mut Problems) {
    let Some(v) = v else { return };
    let Some(o) = want_object(&pointer, v, p) else {
        return;
    };
    for (name, cost) in o {
        let at = format!("{pointer}/{}", seg(name));
        let Some(c) = want_object(&at, cost, p) else {
            continue;
        };
        match c.get("price") {
            None => p.at(
                format!("{at}/price"),
                "missing field",
                "price is required".into(),
            ),
            Some(v) => want_kind(
                format!("{at}/price"),
                Some(v),
                Value::is_number,
                "a number",
                p,
            ),
        }
    }
}

/// `PUT /v2/customer_sessions/{id}` body.
pub fn session_update(defs: &AttrIndex, body: Value) -> Result<SessionBody, ErrorBody> {
    let mut p = Problems::default();
    let mut has_cart_items = false;
    let mut has_additional_costs = false;
    if let Some(obj) = want_object("", &body, &mut p) {
        check_string_list(
            "/responseContent".into(),
            obj.get("responseContent"),
            &mut p,
        );
        match obj.get("customerSession") {
            None => p.at(
                "/customerSession".into(),
                "missing field",
                "customerSession is required".into(),
            ),
            Some(cs) => {
                if let Some(s) = want_object("/customerSession", cs, &mut p) {
                    let at = "/customerSession";
                    match s.get("profileId") {
                        Some(Value::String(id)) if id.chars().count() > MAX_ID_LEN => p.at(
                            format!("{at}/profileId"),
                            "invalid id",
                            format!("profileId is longer than {MAX_ID_LEN} characters"),
                        ),
                        other => want_kind(
                            format!("{at}/profileId"),
                            other,
                            Value::is_string,
                            "a string",
                            &mut p,
                        ),
                    }
                    match s.get("state") {
                        Some(Value::String(st))
                            if !["open", "closed", "partially_returned", "cancelled"].contains(&st.as_str()) =>
                        {
                            p.at(
                                format!("{at}/state"),
                                "invalid state",
                                format!("state {st:?} is not one of open, closed, partially_returned, cancelled"),
                            )
                        }
                        other => want_kind(format!("{at}/state"), other, Value::is_string, "a string", &mut p),
                    }
                    want_kind(
                        format!("{at}/referralCode"),
                        s.get("referralCode"),
                        Value::is_string,
                        "a string",
                        &mut p,
                    );
                    want_kind(
                        format!("{at}/storeIntegrationId"),
                        s.get("storeIntegrationId"),
                        Value::is_string,
                        "a string",
                        &mut p,
                    );
                    check_string_list(format!("{at}/couponCodes"), s.get("couponCodes"), &mut p);
                    check_attributes(
                        defs,
                        Entity::CustomerSession,
                        at,
                        s.get("attributes"),
                        &mut p,
                    );
                    has_additional_costs = s.contains_key("additionalCosts");
                    check_costs(
                        format!("{at}/additionalCosts"),
                        s.get("additionalCosts"),
                        &mut p,
                    );
                    has_cart_items = s.contains_key("cartItems");
                    check_cart_items(defs, s.get("cartItems"), &mut p);
                }
            }
        }
    }
    p.into_result()?;
    Ok(SessionBody {
        update: typed(body)?,
        has_cart_items,
        has_additional_costs,
    })
}

fn check_cart_items(defs: &AttrIndex, v: Option<&Value>, p: &mut Problems) {
    let at = "/customerSession/cartItems";
    let Some(v) = v else { return };
    let Some(items) = v.as_array() else {
        p.at(
            at.into(),
            "wrong type",
            format!("cartItems must be an array, got {}", type_name(v)),
        );
        return;
    };
    if items.len() > MAX_CART_ITEMS {
        p.at(
            at.into(),
            "too many cart items",
            format!(
                "{} cart items in one session; send at most {MAX_CART_ITEMS}",
                items.len()
            ),
        );
    }
    let mut total_quantity: u64 = 0;
    for (i, item) in items.iter().enumerate() {
        let it = format!("{at}/{i}");
        let Some(o) = want_object(&it, item, p) else {
            continue;
        };
        match o.get("sku") {
            None => p.at(
                format!("{it}/sku"),
                "missing field",
                "sku is required".into(),
            ),
            Some(Value::String(s)) if s.is_empty() => p.at(
                format!("{it}/sku"),
                "invalid sku",
                "sku must not be empty".into(),
            ),
            other => want_kind(format!("{it}/sku"), other, Value::is_string, "a string", p),
        }
        match o.get("quantity") {
            None => p.at(
                format!("{it}/quantity"),
                "missing field",
                "quantity is required".into(),
            ),
            Some(q) => match q
                .as_i64()
                .or_else(|| q.as_u64().map(|u| u.min(i64::MAX as u64) as i64))
            {
                Some(n) if n >= 1 => total_quantity = total_quantity.saturating_add(n as u64),
                Some(n) => p.at(
                    format!("{it}/quantity"),
                    "invalid quantity",
                    format!("quantity must be at least 1, got {n}"),
                ),
                None => p.at(
                    format!("{it}/quantity"),
                    "wrong type",
                    format!("quantity must be a whole number, got {}", short(q)),
                ),
            },
        }
        for f in ["price", "position", "weight", "height", "width", "length"] {
            want_kind(
                format!("{it}/{f}"),
                o.get(f),
                Value::is_number,
                "a number",
                p,
            );
        }
        for f in ["name", "category"] {
            want_kind(
                format!("{it}/{f}"),
                o.get(f),
                Value::is_string,
                "a string",
                p,
            );
        }
        check_attributes(defs, Entity::CartItem, &it, o.get("attributes"), p);
        check_costs(format!("{it}/additionalCosts"), o.get("additionalCosts"), p);
    }
    if total_quantity > MAX_TOTAL_QUANTITY {
        p.at(
            at.into(),
            "too many units",
            format!("the cart items' quantities add up to {total_quantity}; at most {MAX_TOTAL_QUANTITY} per request"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_values_are_checked_by_type() {
        assert!(value_fits(AttrType::Time, &json!("2024-01-31T10:00:00Z")));
        assert!(!value_fits(AttrType::Time, &json!("2024-01-31")));
        assert!(value_fits(AttrType::ListNumber, &json!([1, 2.5])));
        assert!(!value_fits(AttrType::ListNumber, &json!([1, "2"])));
        assert!(!value_fits(AttrType::Number, &json!("3")));
        assert!(!value_fits(AttrType::Boolean, &json!("true")));
        assert!(!value_fits(AttrType::String, &Value::Null));
    }

    #[test]
    fn pointers_escape_attribute_names() {
        let defs = AttrIndex::new(crate::talon::attributes::builtin());
        let err = profile_update(&defs, json!({"attributes": {"a/b~c": 1}})).unwrap_err();
        assert_eq!(
            err.errors[0].source.pointer.as_deref(),
            Some("/attributes/a~1b~0c")
        );
    }

    #[test]
    fn latency_flag_parses_fixed_and_ranges() {
        use std::time::Duration;
        let ms = Duration::from_millis;
        assert_eq!(crate::sandbox::parse_latency("50"), Ok((ms(50), ms(50))));
        assert_eq!(
            crate::sandbox::parse_latency("20..200"),
            Ok((ms(20), ms(200)))
        );
        assert!(crate::sandbox::parse_latency("200..20").is_err());
        assert!(crate::sandbox::parse_latency("fast").is_err());
    }
}
