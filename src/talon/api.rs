//! Wire types of the Integration API requests and responses, shared by the client and the sandbox.
//!
//! Field names follow Talon.One's spelling (camelCase); only the parts talon-import sends or reads are typed,
//! the rest of a response is ignored on input and left out on output. Attribute maps stay JSON objects because
//! their value types come from the attribute definitions, not from the schema.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Largest number of profiles in one bulk `PUT /v2/customer_profiles`.
pub const MAX_BULK_PROFILES: usize = 1000;
/// Longest integration id (profiles and sessions) Talon.One accepts.
pub const MAX_ID_LEN: usize = 1000;
/// Most cart items in one session update.
pub const MAX_CART_ITEMS: usize = 1000;
/// Largest sum of cart item quantities in one session update.
pub const MAX_TOTAL_QUANTITY: u64 = 10_000;

/// Body of `PUT /v2/customer_profiles/{integrationId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfileUpdate {
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_content: Vec<String>,
}

/// One entry of a bulk profile update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkProfile {
    pub integration_id: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Body of `PUT /v2/customer_profiles` (≤ [`MAX_BULK_PROFILES`] entries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkProfilesUpdate {
    pub customer_profiles: Vec<BulkProfile>,
}

/// Session states as Talon.One names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    #[default]
    Open,
    Closed,
    PartiallyReturned,
    Cancelled,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Closed => "closed",
            SessionState::PartiallyReturned => "partially_returned",
            SessionState::Cancelled => "cancelled",
        }
    }
}

/// A cart item as sent in a session update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub sku: String,
    pub quantity: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<f64>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub additional_costs: IndexMap<String, AdditionalCost>,
}

/// An additional cost (shipping, …) of a session or a cart item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AdditionalCost {
    pub price: f64,
}

/// The `customerSession` of a session update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomerSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SessionState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cart_items: Vec<CartItem>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub additional_costs: IndexMap<String, AdditionalCost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupon_codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_integration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Body of `PUT /v2/customer_sessions/{customerSessionId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSessionUpdate {
    pub customer_session: NewCustomerSession,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_content: Vec<String>,
}

/// A stored customer profile as responses show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfile {
    pub id: i64,
    pub created: String,
    pub integration_id: String,
    pub attributes: Map<String, Value>,
    pub account_id: i64,
    pub closed_sessions: i64,
    pub total_sales: f64,
    pub last_activity: String,
}

/// A stored customer session as responses show it (`CustomerSessionV2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSession {
    pub id: i64,
    pub created: String,
    pub integration_id: String,
    pub application_id: i64,
    pub profile_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_integration_id: Option<String>,
    #[serde(default)]
    pub coupon: String,
    #[serde(default)]
    pub referral: String,
    pub state: SessionState,
    pub cart_items: Vec<CartItem>,
    #[serde(default)]
    pub additional_costs: IndexMap<String, AdditionalCost>,
    pub attributes: Map<String, Value>,
    pub first_session: bool,
    pub total: f64,
    pub cart_item_total: f64,
    pub additional_cost_total: f64,
    pub cart_item_additional_cost_total: f64,
    pub update_count: i64,
    pub updated: String,
}

/// Answer of the single profile and session updates (`IntegrationStateV2`, the parts the sandbox fills).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationState {
    #[serde(default)]
    pub effects: Vec<Value>,
    #[serde(default)]
    pub created_coupons: Vec<Value>,
    #[serde(default)]
    pub created_referrals: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_profile: Option<CustomerProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_session: Option<CustomerSession>,
}

/// One entry of the bulk answer with `silent=no`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileState {
    pub customer_profile: CustomerProfile,
}

/// Answer of the bulk profile update with `silent=no`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationStates {
    pub integration_states: Vec<ProfileState>,
}

/// Answer of `GET /v2/customer_sessions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInventory {
    pub customer_session: CustomerSession,
    #[serde(default)]
    pub effects: Vec<Value>,
}

/// Error body as Talon.One sends it for 400/401/404/409/429/5xx.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(rename = "StatusCode", default)]
    pub status_code: u16,
}

/// One problem inside an [`ErrorBody`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default)]
    pub source: ErrorSource,
}

/// Where a problem is: exactly one of `pointer` (JSON pointer into the body) or `parameter` (query parameter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl ErrorBody {
    /// An error body with one problem pointing into the request body.
    pub fn at_pointer(status: u16, pointer: &str, title: &str, details: String) -> Self {
        ErrorBody {
            message: details.clone(),
            errors: vec![ErrorItem {
                title: title.to_string(),
                details: Some(details),
                source: ErrorSource {
                    pointer: Some(pointer.to_string()),
                    ..ErrorSource::default()
                },
            }],
            status_code: status,
        }
    }

    /// A one-line summary naming every problem (for results files and logs).
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                let at = e
                    .source
                    .pointer
                    .as_deref()
                    .or(e.source.parameter.as_deref())
                    .unwrap_or("");
                let what = e.details.as_deref().unwrap_or(&e.title);
                if at.is_empty() {
                    what.to_string()
                } else {
                    format!("{at}: {what}")
                }
            })
            .collect();
        if parts.is_empty() {
            parts.push(self.message.clone());
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_update_round_trips_in_talon_spelling() {
        let json = serde_json::json!({
            "customerSession": {
                "profileId": "c1", "state": "closed",
                "cartItems": [{"sku": "A", "quantity": 2, "price": 9.5}],
                "additionalCosts": {"shipping": {"price": 4.0}}
            }
        });
        let u: CustomerSessionUpdate = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(u.customer_session.state, Some(SessionState::Closed));
        assert_eq!(serde_json::to_value(&u).unwrap(), json);
    }

    #[test]
    fn error_summary_names_the_pointer() {
        let e = ErrorBody::at_pointer(400, "/attributes/Foo", "unknown attribute", "no Foo".into());
        assert_eq!(e.summary(), "/attributes/Foo: no Foo");
    }
}
