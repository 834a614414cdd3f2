//! The Integration API client: auth, timeouts, error bodies, dry runs.
//!
//! A thin layer over one pooled `reqwest` client (rustls, keep-alive, HTTP/2 when the server offers it, gzip).
//! It never retries by itself and never interprets a status beyond parsing it: the engine decides what a 429 or
//! a 400 means for a record. The API key lives only inside a header value marked sensitive, so it cannot end up
//! in a `Debug` print, an error message or a log line.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Deployment URL, e.g. `https://mycompany.europe-west1.talon.one` (a trailing `/` is fine).
    pub base_url: String,
    pub api_key: SecretString,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Allow plain `http://` to hosts other than loopback (never needed for Talon.One itself).
    pub allow_insecure_http: bool,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key: SecretString::from(api_key.into()),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            allow_insecure_http: false,
        }
    }
}

/// Why a client could not be built or a request got no answer. Never contains the API key.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error(
        "base URL {url:?} is not a valid URL ({reason}); give e.g. https://mycompany.europe-west1.talon.one"
    )]
    InvalidUrl { url: String, reason: String },
    #[error(
        "base URL {url:?} uses plain http:// to a host that is not this machine; use https:// or pass --allow-insecure-http"
    )]
    InsecureHttp { url: String },
    #[error(
        "the API key contains characters that cannot be sent in a header; copy it again from the Campaign Manager"
    )]
    InvalidKey,
    #[error("cannot set up HTTP: {0}")]
    Build(String),
    /// No answer: timeout, refused or dropped connection. The request may or may not have been applied.
    #[error("{method} {path}: {kind}: {message}")]
    Transport {
        method: String,
        path: String,
        kind: TransportKind,
        message: String,
    },
}

/// What kind of "no answer" happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Timeout,
    Connect,
    /// The connection broke after the request went out, or the answer could not be read.
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "cannot connect",
            TransportKind::Other => "connection lost",
        })
    }
}

impl ClientError {
    /// True when the server may have applied the request although no answer arrived.
    pub fn maybe_applied(&self) -> bool {
        matches!(
            self,
            ClientError::Transport {
                kind: TransportKind::Timeout | TransportKind::Other,
                ..
            }
        )
    }
}

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The JSON body, or `Null` when empty or not JSON (then `text` has it).
    pub body: Value,
    pub text: String,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<Duration>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The server's complaint, for non-2xx answers.
    pub fn error(&self) -> ApiError {
        ApiError::from_answer(self)
    }
}

/// One entry of Talon.One's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiProblem {
    pub title: String,
    pub details: Option<String>,
    /// JSON pointer into the request body, e.g. `/attributes/SignupDate`.
    pub pointer: Option<String>,
    pub parameter: Option<String>,
}

/// A non-2xx answer in a form that can be shown to an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub problems: Vec<ApiProblem>,
}

impl ApiError {
    pub fn from_answer(a: &Answer) -> Self {
        let message = a
            .body
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let t = a.text.trim();
                if t.is_empty() {
                    reason(a.status).to_string()
                } else {
                    t.chars().take(300).collect()
                }
            });
        let problems = a
            .body
            .get("errors")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|e| {
                        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
                        ApiProblem {
                            title: s(e.get("title")).unwrap_or_default(),
                            details: s(e.get("details")),
                            pointer: s(e.pointer("/source/pointer")),
                            parameter: s(e.pointer("/source/parameter")),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApiError {
            status: a.status,
            message,
            problems,
        }
    }

    /// The attributes the server complained about, from the problems' pointers (`…/attributes/<name>`).
    pub fn attributes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.problems {
            if let Some(name) = p.pointer.as_deref().and_then(attribute_of_pointer)
                && !out.contains(&name)
            {
                out.push(name);
            }
        }
        out
    }

    /// For bulk answers: the indexes of `customerProfiles` items the problems point at.
    pub fn bulk_items(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .problems
            .iter()
            .filter_map(|p| {
                let rest = p.pointer.as_deref()?.strip_prefix("/customerProfiles/")?;
                rest.split('/').next()?.parse().ok()
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// One line for a person: the server's details where it gave them, else its message.
    pub fn summary(&self) -> String {
        let details: Vec<String> = self
            .problems
            .iter()
            .map(|p| {
                let what = p.details.as_deref().unwrap_or(&p.title);
                match (&p.pointer, &p.parameter) {
                    (Some(ptr), _) => format!("{what} (at {ptr})"),
                    (None, Some(param)) => format!("{what} (parameter {param})"),
                    _ => what.to_string(),
                }
            })
            .collect();
        if details.is_empty() {
            format!("HTTP {}: {}", self.status, self.message)
        } else {
            format!("HTTP {}: {}", self.status, details.join("; "))
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())
    }
}

/// `…/attributes/Name` → `Name` (JSON pointer unescaped, RFC 6901).
fn attribute_of_pointer(ptr: &str) -> Option<String> {
    let segs: Vec<&str> = ptr.split('/').collect();
    let i = segs.iter().rposition(|s| *s == "attributes")?;
    let name = segs.get(i + 1)?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
}

/// The result of [`Client::test_connection`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectionProblem {
    #[error(
        "the server refused the API key (HTTP {0}); check TALON_API_KEY and that the URL is the right deployment"
    )]
    Rejected(u16),
    #[error("{0}")]
    Unreachable(ClientError),
    #[error("the server answered HTTP {0} to a test request; is the URL a Talon.One deployment?")]
    Unexpected(u16),
}

/// The Integration API client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: reqwest::Url,
    auth: HeaderValue,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(cfg: &ClientConfig) -> Result<Self, ClientError> {
        let base = check_base_url(&cfg.base_url, cfg.allow_insecure_http)?;
        let mut auth = HeaderValue::from_str(&format!("ApiKey-v1 {}", cfg.api_key.expose_secret()))
            .map_err(|_| ClientError::InvalidKey)?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(concat!("talon-import/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .gzip(true)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::Build(e.without_url().to_string()))?;
        Ok(Client { http, base, auth })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// Sends one request. `path` is absolute (`/v2/...`, already percent-encoded); `query` pairs are added.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        let transport = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                TransportKind::Timeout
            } else if e.is_connect() {
                TransportKind::Connect
            } else {
                TransportKind::Other
            };
            // The message of the innermost cause says most (e.g. "connection closed before message completed").
            let e = e.without_url();
            let mut message = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                message = s.to_string();
                src = s.source();
            }
            ClientError::Transport {
                method: method.to_string(),
                path: path.to_string(),
                kind,
                message,
            }
        };
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}{}",
            self.base.path().trim_end_matches('/'),
            path
        ));
        let method_v = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| ClientError::Build(format!("bad HTTP method {method:?}")))?;
        let mut req = self
            .http
            .request(method_v, url)
            .header(AUTHORIZATION, self.auth.clone());
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(3600.0)));
        let bytes = resp.bytes().await.map_err(transport)?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = if body.is_null() {
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            String::new()
        };
        Ok(Answer {
            status,
            body,
            text,
            retry_after,
        })
    }

    /// Checks URL and key without changing anything: reads a session that cannot exist.
    pub async fn test_connection(&self) -> Result<(), ConnectionProblem> {
        let answer = self
            .send(
                "GET",
                "/v2/customer_sessions/talon-import-connection-test",
                &[],
                None,
            )
            .await
            .map_err(ConnectionProblem::Unreachable)?;
        match answer.status {
            200..=299 | 404 => Ok(()),
            401 | 403 => Err(ConnectionProblem::Rejected(answer.status)),
            s => Err(ConnectionProblem::Unexpected(s)),
        }
    }
}

/// Parses the base URL and refuses plain http to anything but loopback unless allowed.
pub fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<reqwest::Url, ClientError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| ClientError::InvalidUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let host = parsed.host_str().unwrap_or("");
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback && !allow_insecure_http {
                return Err(ClientError::InsecureHttp {
                    url: url.to_string(),
                });
            }
        }
        other => {
            return Err(ClientError::InvalidUrl {
                url: url.to_string(),
                reason: format!("scheme {other:?} is not http or https"),
            });
        }
    }
    if parsed.host().is_none() {
        return Err(ClientError::InvalidUrl {
            url: url.to_string(),
            reason: "no host".into(),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn http_is_refused_except_loopback() {
        assert!(check_base_url("https://x.europe-west1.talon.one", false).is_ok());
        assert!(check_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_base_url("http://localhost:1", false).is_ok());
        assert!(check_base_url("http://[::1]:1", false).is_ok());
        assert!(matches!(
            check_base_url("http://x.talon.one", false),
            Err(ClientError::InsecureHttp { .. })
        ));
        assert!(check_base_url("http://x.talon.one", true).is_ok());
        assert!(check_base_url("ftp://x", true).is_err());
        assert!(check_base_url("not a url", true).is_err());
    }

    #[test]
    fn error_bodies_name_the_attribute() {
        let a = Answer {
            status: 400,
            body: json!({"message": "bad", "StatusCode": 400, "errors": [
                {"title": "wrong type", "details": "attribute \"SignupDate\" needs a time",
                 "source": {"pointer": "/customerProfiles/3/attributes/SignupDate"}},
                {"title": "x", "source": {"pointer": "/customerProfiles/7/attributes/a~1b"}}
            ]}),
            text: String::new(),
            retry_after: None,
        };
        let e = a.error();
        assert_eq!(e.attributes(), ["SignupDate", "a/b"]);
        assert_eq!(e.bulk_items(), [3, 7]);
        assert!(
            e.summary()
                .starts_with("HTTP 400: attribute \"SignupDate\" needs a time")
        );
        let plain = Answer {
            status: 502,
            body: Value::Null,
            text: String::new(),
            retry_after: None,
        };
        assert_eq!(plain.error().summary(), "HTTP 502: Bad Gateway");
    }

    #[test]
    fn the_key_is_not_in_debug_output() {
        let c = Client::new(&ClientConfig::new("http://127.0.0.1:1", "secret-key-123")).unwrap();
        assert!(!format!("{c:?}").contains("secret-key-123"));
        let cfg = ClientConfig::new("http://127.0.0.1:1", "secret-key-123");
        assert!(!format!("{cfg:?}").contains("secret-key-123"));
    }
}
