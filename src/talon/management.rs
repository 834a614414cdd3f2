//! The Management API: custom attributes (`GET /v1/attributes`, all pages).
//!
//! Talon.One answers 400 to an attribute it does not know, so the catalog should hold the account's custom
//! attributes too. They are listed with a Management API key (`Authorization: ManagementKey-v1 <key>`), which
//! is a different key from the Integration API's. The key is held as a [`SecretString`] and never appears in
//! an error, a log line or a `Debug` print.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::attributes::AttributeDef;

/// Items per page; the API's maximum.
pub const PAGE_SIZE: u64 = 1000;
/// A runaway guard: no account has a million custom attributes.
const MAX_PAGES: u64 = 1000;
/// 429 answers retried per page (the Management API allows 3 requests per second).
const MAX_RETRIES: u32 = 3;

/// Why the attributes could not be listed. None of these contain the key.
#[derive(Debug, thiserror::Error)]
pub enum ManagementError {
    #[error(
        "TALON_MANAGEMENT_KEY is set but TALON_BASE_URL is not; set it to your deployment's URL, e.g. \
         https://mycompany.europe-west1.talon.one"
    )]
    MissingBaseUrl,
    #[error(
        "the base URL {url:?} is not usable: {message}; it should look like https://mycompany.talon.one"
    )]
    BadBaseUrl { url: String, message: String },
    #[error(
        "the Management API rejected the key ({status}) at {url}: check TALON_MANAGEMENT_KEY, that it has not \
         expired and that it may call \"List custom attributes\" (GET /v1/attributes)"
    )]
    Rejected { status: u16, url: String },
    #[error("cannot reach {url}: {message}; check TALON_BASE_URL and your network")]
    Connect { url: String, message: String },
    #[error("{url} answered {status}: {message}")]
    Status {
        status: u16,
        url: String,
        message: String,
    },
    #[error("{url} sent an answer that is not an attribute list: {message}")]
    Body { url: String, message: String },
}

impl ManagementError {
    /// True when the key or the connection is the problem (exit code 3 in the CLI), not the input.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            ManagementError::Rejected { .. } | ManagementError::Connect { .. }
        )
    }
}

/// Where and how to reach the Management API.
#[derive(Clone)]
pub struct ManagementConfig {
    /// Deployment URL, e.g. `https://mycompany.europe-west1.talon.one` (a trailing `/` is fine).
    pub base_url: String,
    pub key: SecretString,
}

impl std::fmt::Debug for ManagementConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementConfig")
            .field("base_url", &self.base_url)
            .field("key", &"****")
            .finish()
    }
}

impl ManagementConfig {
    /// From `TALON_MANAGEMENT_KEY` and `TALON_BASE_URL`; `Ok(None)` when no key is set (custom attributes
    /// are then only what the mapping declares).
    pub fn from_env() -> Result<Option<Self>, ManagementError> {
        let key = std::env::var("TALON_MANAGEMENT_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty());
        let Some(key) = key else {
            return Ok(None);
        };
        let base_url = std::env::var("TALON_BASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .ok_or(ManagementError::MissingBaseUrl)?;
        Ok(Some(ManagementConfig {
            base_url,
            key: SecretString::from(key.trim().to_string()),
        }))
    }
}

/// Lists every custom attribute of the account, all pages, in the API's order. Entries whose type or shape
/// talon-import does not know are skipped (logged), so one odd attribute does not block an import.
pub async fn fetch_attributes(
    http: &reqwest::Client,
    cfg: &ManagementConfig,
) -> Result<Vec<AttributeDef>, ManagementError> {
    let url = attributes_url(&cfg.base_url)?;
    let shown = url.to_string();
    let auth = format!("ManagementKey-v1 {}", cfg.key.expose_secret());
    let mut out = vec![];
    let mut skip = 0u64;
    for _ in 0..MAX_PAGES {
        let page = fetch_page(http, &url, &shown, &auth, skip).await?;
        let got = page.data.len() as u64;
        for item in page.data {
            match serde_json::from_value::<AttributeDef>(item) {
                Ok(def) => out.push(def),
                Err(e) => tracing::warn!("skipping an attribute talon-import cannot read: {e}"),
            }
        }
        skip += got;
        let more = match (page.has_more, page.total_result_size) {
            (Some(more), _) => more,
            (None, Some(total)) => skip < total,
            (None, None) => got == PAGE_SIZE,
        };
        if !more || got == 0 {
            return Ok(out);
        }
    }
    Ok(out)
}

/// Reads `TALON_MANAGEMENT_KEY`/`TALON_BASE_URL` and fetches, blocking (for the headless commands, which
/// are not async). `Ok(None)` when no key is set.
pub fn fetch_from_env() -> Result<Option<Vec<AttributeDef>>, ManagementError> {
    let Some(cfg) = ManagementConfig::from_env()? else {
        return Ok(None);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ManagementError::Connect {
            url: cfg.base_url.clone(),
            message: format!("cannot start the network runtime: {e}"),
        })?;
    let http = client().map_err(|e| ManagementError::Connect {
        url: cfg.base_url.clone(),
        message: e.to_string(),
    })?;
    rt.block_on(fetch_attributes(&http, &cfg)).map(Some)
}

/// An HTTP client with sane timeouts for the Management API.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("talon-import/", env!("CARGO_PKG_VERSION")))
        .build()
}

fn attributes_url(base: &str) -> Result<reqwest::Url, ManagementError> {
    let bad = |message: String| ManagementError::BadBaseUrl {
        url: base.to_string(),
        message,
    };
    let mut url = reqwest::Url::parse(base.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("it must start with https://".into()));
    }
    if url.query().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "it must not contain a query string or credentials".into()
        ));
    }
    // Keep a path prefix (a proxy may mount the API under one), then append the endpoint.
    let path = format!("{}/v1/attributes", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

/// A page as received; items stay JSON until each is parsed on its own.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage {
    #[serde(default)]
    total_result_size: Option<u64>,
    #[serde(default)]
    has_more: Option<bool>,
    data: Vec<serde_json::Value>,
}

async fn fetch_page(
    http: &reqwest::Client,
    url: &reqwest::Url,
    shown: &str,
    auth: &str,
    skip: u64,
) -> Result<RawPage, ManagementError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let resp = http
            .get(url.clone())
            .query(&[("pageSize", PAGE_SIZE), ("skip", skip)])
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ManagementError::Connect {
                url: shown.to_string(),
                // Without the URL (already shown) and its source chain, which never includes headers.
                message: describe(&e),
            })?;
        let status = resp.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS && attempt <= MAX_RETRIES {
            let wait = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .min(10);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ManagementError::Rejected {
                status: status.as_u16(),
                url: shown.to_string(),
            });
        }
        let body = resp.text().await.map_err(|e| ManagementError::Connect {
            url: shown.to_string(),
            message: describe(&e),
        })?;
        if !status.is_success() {
            return Err(ManagementError::Status {
                status: status.as_u16(),
                url: shown.to_string(),
                message: error_message(&body),
            });
        }
        return serde_json::from_str(&body).map_err(|e| ManagementError::Body {
            url: shown.to_string(),
            message: format!("page at skip={skip}: {e}"),
        });
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        // reqwest's Display names the URL, which the error already shows; no header is ever included.
        let text = e.to_string();
        match e.url() {
            Some(u) => text.replace(&format!(" ({u})"), ""),
            None => text,
        }
    }
}

/// Talon.One error bodies carry `message` (and sometimes `errors[].title`); otherwise a short excerpt.
fn error_message(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
            return crate::text::for_terminal(m).into_owned();
        }
        if let Some(t) = v.pointer("/errors/0/title").and_then(|m| m.as_str()) {
            return crate::text::for_terminal(t).into_owned();
        }
    }
    let excerpt: String = body.chars().take(200).collect();
    if excerpt.trim().is_empty() {
        "no details".into()
    } else {
        crate::text::for_terminal(excerpt.trim()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::talon::attributes::{AttrType, Entity};
    use axum::extract::{Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    const KEY: &str = "mgmt-secret-key-1234";

    #[derive(Clone)]
    struct Mock {
        total: usize,
        requests: Arc<Mutex<Vec<(u64, u64)>>>,
    }

    async fn attributes(
        State(mock): State<Mock>,
        headers: HeaderMap,
        Query(q): Query<HashMap<String, u64>>,
    ) -> Response {
        if headers.get("authorization").and_then(|v| v.to_str().ok())
            != Some(&format!("ManagementKey-v1 {KEY}"))
        {
            return (
                StatusCode::UNAUTHORIZED,
                r#"{"message":"Unauthorized","StatusCode":401}"#,
            )
                .into_response();
        }
        let size = q.get("pageSize").copied().unwrap_or(1000);
        let skip = q.get("skip").copied().unwrap_or(0);
        mock.requests.lock().unwrap().push((size, skip));
        // The real API caps pages at 1000; pretend a smaller cap to exercise paging with few items.
        let size = size.min(400);
        let data: Vec<serde_json::Value> = (skip..(skip + size).min(mock.total as u64))
            .map(|i| {
                let (entity, kind) = match i % 4 {
                    0 => ("CustomerProfile", "string"),
                    1 => ("CustomerSession", "number"),
                    2 => ("CartItem", "(list string)"),
                    _ => ("Campaign", "boolean"),
                };
                serde_json::json!({
                    "id": i, "created": "2024-01-01T00:00:00Z", "accountId": 1,
                    "entity": entity, "name": format!("Attr{i}"), "title": format!("Attr {i}"),
                    "type": kind, "description": "", "suggestions": [], "editable": true
                })
            })
            .map(|mut v| {
                // An attribute type this version does not know is skipped, not fatal.
                if v["name"] == "Attr5" {
                    v["type"] = "hologram".into();
                }
                v
            })
            .collect();
        axum::Json(serde_json::json!({"totalResultSize": mock.total, "data": data})).into_response()
    }

    async fn serve(total: usize) -> (String, Mock) {
        let mock = Mock {
            total,
            requests: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/v1/attributes", axum::routing::get(attributes))
            .with_state(mock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/"), mock)
    }

    fn cfg(base_url: &str, key: &str) -> ManagementConfig {
        ManagementConfig {
            base_url: base_url.into(),
            key: SecretString::from(key.to_string()),
        }
    }

    #[tokio::test]
    async fn fetches_every_page() {
        let (url, mock) = serve(1001).await;
        let http = client().unwrap();
        let defs = fetch_attributes(&http, &cfg(&url, KEY)).await.unwrap();
        assert_eq!(defs.len(), 1000);
        assert_eq!(defs[0].entity, Entity::CustomerProfile);
        assert_eq!(defs[2].kind, AttrType::ListString);
        assert!(!defs.iter().any(|d| d.name == "Attr5"));
        assert_eq!(defs[999].name, "Attr1000");
        let reqs = mock.requests.lock().unwrap().clone();
        assert_eq!(reqs, [(1000, 0), (1000, 400), (1000, 800)]);
    }

    #[tokio::test]
    async fn a_rejected_key_says_what_to_do_and_never_shows_the_key() {
        let (url, _) = serve(3).await;
        let http = client().unwrap();
        let err = fetch_attributes(&http, &cfg(&url, "wrong-key-5678"))
            .await
            .unwrap_err();
        assert!(err.is_connection());
        let text = err.to_string();
        assert!(
            text.contains("401") && text.contains("TALON_MANAGEMENT_KEY"),
            "{text}"
        );
        assert!(!text.contains("wrong-key-5678"), "{text}");
        assert!(!format!("{:?}", cfg(&url, KEY)).contains(KEY));
    }

    #[tokio::test]
    async fn errors_name_the_url_and_the_server_message() {
        let (url, _) = serve(3).await;
        let http = client().unwrap();
        let err = fetch_attributes(&http, &cfg(&format!("{url}nowhere"), KEY))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ManagementError::Status { status: 404, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("/nowhere/v1/attributes"), "{err}");

        let err = fetch_attributes(&http, &cfg("ftp://x", KEY))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("https://"), "{err}");
    }

    #[test]
    fn error_bodies_are_summarised() {
        assert_eq!(
            error_message(r#"{"message":"bad \u001b[31m"}"#),
            "bad \u{241b}[31m"
        );
        assert_eq!(error_message(""), "no details");
    }
}
