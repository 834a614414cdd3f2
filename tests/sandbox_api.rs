//! The sandbox over real HTTP on 127.0.0.1:0: auth, profiles (single, bulk), sessions, validation, dry runs,
//! derived values, 409 on overlapping requests, and every answer checked against the spec's schemas.

use reqwest::StatusCode;
use serde_json::{Value, json};
use talon_import::sandbox::{self, SandboxConfig, SandboxHandle, endpoint};
use talon_import::talon::attributes::{AttrType, AttributeDef, Entity};

fn schema(name: &str) -> Value {
    let path = format!("{}/tests/schemas/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Asserts `body` matches the derived response schema `name` (e.g. `updateCustomerProfileV2.200`).
fn assert_schema(name: &str, body: &Value) {
    let validator = jsonschema::validator_for(&schema(name)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{body:#}");
}

fn custom(entity: Entity, name: &str, kind: AttrType) -> AttributeDef {
    AttributeDef {
        entity,
        name: name.into(),
        title: name.into(),
        kind,
        description: String::new(),
        builtin: false,
    }
}

async fn sandbox() -> SandboxHandle {
    sandbox::start(SandboxConfig {
        custom_attributes: vec![
            custom(Entity::CustomerProfile, "LoyaltyTier", AttrType::String),
            custom(Entity::CustomerProfile, "Tags", AttrType::ListString),
            custom(Entity::CustomerProfile, "SignupTime", AttrType::Time),
            custom(Entity::CustomerSession, "Channel", AttrType::String),
        ],
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(sb: &SandboxHandle) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: sb.url(),
        }
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .put(format!("{}{path}", self.base))
            .header("Authorization", "ApiKey-v1 sandbox-api-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn missing_or_wrong_key_is_401_with_an_error_body() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    for auth in [
        None,
        Some("ApiKey-v1 wrong"),
        Some("Bearer sandbox-api-key"),
    ] {
        let mut req = http
            .put(format!("{}/v2/customer_profiles/c1", sb.url()))
            .json(&json!({}));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.unwrap();
        assert_schema("updateCustomerProfileV2.401", &body);
    }
    assert_eq!(sb.profile_count(), 0);
    assert_eq!(sb.request_count(endpoint::PROFILE, 401), 3);
    sb.shutdown().await;
}

#[tokio::test]
async fn profile_put_stores_and_merges_attributes() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let (s, body) = c
        .put(
            "/v2/customer_profiles/c1",
            json!({"attributes": {"Name": "Ada", "LoyaltyTier": "gold"}, "responseContent": ["customerProfile"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_schema("updateCustomerProfileV2.200", &body);
    assert_eq!(body["customerProfile"]["integrationId"], "c1");
    let (s, body) = c
        .put(
            "/v2/customer_profiles/c1",
            json!({"attributes": {"Tags": ["a", "b"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_schema("updateCustomerProfileV2.200", &body);
    assert!(body.get("customerProfile").is_none());
    let p = sb.profile("c1").unwrap();
    assert_eq!(p.attributes["Name"], "Ada");
    assert_eq!(p.attributes["LoyaltyTier"], "gold");
    assert_eq!(p.attributes["Tags"], json!(["a", "b"]));
    assert_eq!(sb.request_count(endpoint::PROFILE, 200), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_and_mistyped_attributes_are_400_naming_the_attribute() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let (s, body) = c
        .put(
            "/v2/customer_profiles/c1",
            json!({"attributes": {"Shoesize": 42, "LoyaltyTier": 3, "SignupTime": "31/01/2024", "Tags": ["x", 1]}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_schema("updateCustomerProfileV2.400", &body);
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"]["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/attributes/Shoesize",
            "/attributes/LoyaltyTier",
            "/attributes/SignupTime",
            "/attributes/Tags"
        ]
    );
    assert!(
        body["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("Shoesize")
    );
    assert!(
        body["errors"][2]["details"]
            .as_str()
            .unwrap()
            .contains("RFC 3339")
    );
    assert_eq!(sb.profile_count(), 0);

    let (s, body) = c
        .put(
            "/v2/customer_profiles/c1",
            json!({"attributes": {"SignupTime": "2024-01-31T10:00:00+01:00"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_wrong_shapes_and_long_ids_are_400() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let r = c
        .http
        .put(format!("{}/v2/customer_profiles/c1", sb.url()))
        .header("Authorization", "ApiKey-v1 sandbox-api-key")
        .header("Content-Type", "application/json")
        .body("{\"attributes\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_schema("updateCustomerProfileV2.400", &r.json().await.unwrap());
    let (s, _) = c
        .put("/v2/customer_profiles/c1", json!({"attributes": []}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let long = "x".repeat(1001);
    let (s, body) = c
        .put(&format!("/v2/customer_profiles/{long}"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["source"]["parameter"], "integrationId");
    let (s, _) = c.put("/v2/customer_profiles/c1?dry=maybe", json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(sb.profile_count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn dry_run_validates_but_stores_nothing() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let (s, body) = c
        .put(
            "/v2/customer_profiles/c1?runRuleEngine=true&dry=true",
            json!({"attributes": {"Name": "Ada"}, "responseContent": ["customerProfile"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["customerProfile"]["attributes"]["Name"], "Ada");
    let (s, _) = c
        .put(
            "/v2/customer_sessions/s1?dry=true",
            json!({"customerSession": {"profileId": "c1", "state": "closed", "cartItems": [{"sku": "A", "quantity": 1, "price": 5}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c
        .put(
            "/v2/customer_profiles/c1?dry=true",
            json!({"attributes": {"Nope": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(sb.profile_count(), 0);
    assert_eq!(sb.session_count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn bulk_profiles_silent_and_not_and_the_1000_limit() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let profiles: Vec<Value> = (0..1000)
        .map(|i| json!({"integrationId": format!("b{i}"), "attributes": {"Name": format!("N{i}")}}))
        .collect();
    let (s, body) = c
        .put(
            "/v2/customer_profiles",
            json!({"customerProfiles": profiles}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    assert_eq!(sb.profile_count(), 1000);
    assert_eq!(sb.profile("b999").unwrap().attributes["Name"], "N999");

    let (s, body) = c
        .put(
            "/v2/customer_profiles?silent=no",
            json!({"customerProfiles": [{"integrationId": "b1", "attributes": {"Email": "b1@example.com"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_schema("updateCustomerProfilesV2.200", &body);
    assert_eq!(
        body["integrationStates"][0]["customerProfile"]["attributes"]["Name"],
        "N1"
    );

    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({"integrationId": format!("t{i}")}))
        .collect();
    let (s, body) = c
        .put(
            "/v2/customer_profiles",
            json!({"customerProfiles": too_many}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_schema("updateCustomerProfilesV2.400", &body);
    let (s, body) = c
        .put(
            "/v2/customer_profiles",
            json!({"customerProfiles": [{"attributes": {}}, {"integrationId": "ok", "attributes": {"Bad": 1}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/customerProfiles/0/integrationId"
    );
    assert_eq!(
        body["errors"][1]["source"]["pointer"],
        "/customerProfiles/1/attributes/Bad"
    );
    assert_eq!(sb.profile_count(), 1000);
    sb.shutdown().await;
}

#[tokio::test]
async fn closed_sessions_feed_the_profile_and_cannot_change_except_cancel() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let (s, body) = c
        .put(
            "/v2/customer_sessions/o1",
            json!({
                "customerSession": {
                    "profileId": "new-customer", "state": "closed",
                    "cartItems": [{"sku": "A", "quantity": 2, "price": 10.0, "name": "Shoe"}, {"sku": "B", "quantity": 1, "price": 5.5}],
                    "additionalCosts": {"shipping": {"price": 4.5}},
                    "attributes": {"Channel": "web"}
                },
                "responseContent": ["customerProfile"]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_schema("updateCustomerSessionV2.200", &body);
    assert_eq!(body["customerSession"]["total"], 30.0);
    assert_eq!(body["customerProfile"]["closedSessions"], 1);
    assert_eq!(body["customerProfile"]["totalSales"], 30.0);
    // A session for an unknown profile created it.
    let p = sb.profile("new-customer").unwrap();
    assert_eq!((p.closed_sessions, p.total_sales), (1, 30.0));

    let (s, body) = c
        .put(
            "/v2/customer_sessions/o1",
            json!({"customerSession": {"cartItems": [{"sku": "C", "quantity": 1}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_schema("updateCustomerSessionV2.400", &body);
    assert!(body["message"].as_str().unwrap().contains("closed"));

    let (s, _) = c
        .put(
            "/v2/customer_sessions/o1",
            json!({"customerSession": {"state": "cancelled"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let p = sb.profile("new-customer").unwrap();
    assert_eq!((p.closed_sessions, p.total_sales), (0, 0.0));
    let (s, _) = c
        .put(
            "/v2/customer_sessions/o1",
            json!({"customerSession": {"state": "open"}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // open → closed is allowed; a new session cannot start cancelled.
    let (s, _) = c
        .put("/v2/customer_sessions/o2", json!({"customerSession": {"profileId": "new-customer", "cartItems": [{"sku": "A", "quantity": 1, "price": 3}]}}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c
        .put(
            "/v2/customer_sessions/o2",
            json!({"customerSession": {"state": "closed"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sb.profile("new-customer").unwrap().total_sales, 3.0);
    let (s, _) = c
        .put(
            "/v2/customer_sessions/o3",
            json!({"customerSession": {"state": "cancelled"}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let r = c
        .http
        .get(format!("{}/v2/customer_sessions/o2", sb.url()))
        .header("Authorization", "ApiKey-v1 sandbox-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_schema("getCustomerSession.200", &body);
    assert_eq!(body["customerSession"]["state"], "closed");
    sb.shutdown().await;
}

#[tokio::test]
async fn cart_limits_and_item_checks_are_400() {
    let sb = sandbox().await;
    let c = Client::new(&sb);
    let cases = [
        (
            json!([{"sku": "", "quantity": 1}]),
            "/customerSession/cartItems/0/sku",
        ),
        (
            json!([{"sku": "A", "quantity": 0}]),
            "/customerSession/cartItems/0/quantity",
        ),
        (
            json!([{"sku": "A", "quantity": "2"}]),
            "/customerSession/cartItems/0/quantity",
        ),
        (json!([{"quantity": 1}]), "/customerSession/cartItems/0/sku"),
        (
            json!([{"sku": "A", "quantity": 10001}]),
            "/customerSession/cartItems",
        ),
        (
            json!([{"sku": "A", "quantity": 1, "price": "9.99"}]),
            "/customerSession/cartItems/0/price",
        ),
        (
            json!(
                (0..1001)
                    .map(|i| json!({"sku": format!("S{i}"), "quantity": 1}))
                    .collect::<Vec<_>>()
            ),
            "/customerSession/cartItems",
        ),
    ];
    for (items, pointer) in cases {
        let (s, body) = c
            .put(
                "/v2/customer_sessions/s1",
                json!({"customerSession": {"cartItems": items}}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{pointer}");
        assert_schema("updateCustomerSessionV2.400", &body);
        assert_eq!(body["errors"][0]["source"]["pointer"], pointer, "{body}");
    }
    let (s, body) = c
        .put("/v2/customer_sessions/s1", json!({"profileId": "x"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["source"]["pointer"], "/customerSession");
    assert_eq!(sb.session_count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn overlapping_requests_for_one_customer_get_409() {
    let sb = sandbox::start(SandboxConfig {
        faults: sandbox::Faults {
            latency: Some((
                std::time::Duration::from_secs(3),
                std::time::Duration::from_secs(3),
            )),
            ..Default::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let c = Client::new(&sb);
    let first = {
        let http = c.http.clone();
        let url = format!("{}/v2/customer_profiles/c1", sb.url());
        tokio::spawn(async move {
            http.put(url)
                .header("Authorization", "ApiKey-v1 sandbox-api-key")
                .json(&json!({"attributes": {"Name": "A"}}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    sb.wait_in_flight(1).await;
    // Same customer through a session's profileId while the profile update is in progress.
    let (s, body) = c
        .put(
            "/v2/customer_sessions/s1",
            json!({"customerSession": {"profileId": "c1"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_schema("updateCustomerSessionV2.409", &body);
    let (s, body) = c.put("/v2/customer_profiles/c1", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_schema("updateCustomerProfileV2.409", &body);
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    assert_eq!(sb.request_count(endpoint::PROFILE, 409), 1);
    assert_eq!(sb.request_count(endpoint::SESSION, 409), 1);
    assert_eq!(sb.session_count(), 0);
    sb.shutdown().await;
}
