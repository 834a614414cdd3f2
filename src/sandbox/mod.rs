//! A local Talon.One-compatible server (axum) for rehearsals, the demo, tests and benchmarks: strict where
//! Talon.One is strict, with seeded faults for rehearsing bad days. Shares only the API types in
//! [`crate::talon`] with the rest of the crate.
//!
//! Start it in-process with [`start`] (on the caller's tokio runtime) and inspect what arrived through the
//! [`SandboxHandle`] or over HTTP under `/sandbox/`; `talon-import sandbox` runs it as a server.

mod faults;
mod routes;
mod store;
mod validate;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::talon::api::{CustomerProfile, CustomerSession};
use crate::talon::attributes::{self, AttributeDef, AttributePage};

pub use faults::Faults;
pub use validate::AttrIndex;

/// Default Integration API key.
pub const DEFAULT_API_KEY: &str = "sandbox-api-key";
/// Default Management API key.
pub const DEFAULT_MANAGEMENT_KEY: &str = "sandbox-management-key";

/// Endpoint names used in the request counts (method and route as the spec writes them).
pub mod endpoint {
    pub const PROFILE: &str = "PUT /v2/customer_profiles/{integrationId}";
    pub const PROFILES_BULK: &str = "PUT /v2/customer_profiles";
    pub const SESSION: &str = "PUT /v2/customer_sessions/{customerSessionId}";
    pub const SESSION_GET: &str = "GET /v2/customer_sessions/{customerSessionId}";
    pub const ATTRIBUTES: &str = "GET /v1/attributes";
}

/// How to run a sandbox. `Default` binds 127.0.0.1 on a free port with the default keys, no faults and
/// state in memory.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    pub api_key: String,
    pub management_key: String,
    /// Custom attributes on top of Talon.One's built-in ones (same shape as the Management API lists them).
    pub custom_attributes: Vec<AttributeDef>,
    pub faults: Faults,
    /// Persist profiles and sessions to this SQLite file and reload them on start.
    pub state_file: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: DEFAULT_API_KEY.to_string(),
            management_key: DEFAULT_MANAGEMENT_KEY.to_string(),
            custom_attributes: Vec::new(),
            faults: Faults::default(),
            state_file: None,
        }
    }
}

/// Reads custom attribute definitions from a JSON file: a Management API page (`{"data": [...]}`) or a
/// plain array of definitions.
pub fn load_attributes(path: &std::path::Path) -> std::io::Result<Vec<AttributeDef>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
    })?;
    serde_json::from_str::<AttributePage>(&text)
        .map(|p| p.data)
        .or_else(|_| serde_json::from_str::<Vec<AttributeDef>>(&text))
        .map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: not a list of attribute definitions ({e}); use the shape of GET /v1/attributes",
                    path.display()
                ),
            )
        })
}

/// One request as the sandbox saw it. `status` 0 means the connection was dropped without an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub endpoint: String,
    pub path: String,
    pub status: u16,
}

/// How many requests an endpoint answered with a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCount {
    pub endpoint: String,
    pub status: u16,
    pub count: u64,
}

/// Counts of what the sandbox holds and has answered (`GET /sandbox/stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub profiles: usize,
    pub sessions: usize,
    pub requests: Vec<RequestCount>,
}

/// Most recent requests kept for inspection (counts are kept for all).
const LOG_CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
struct RequestLog {
    counts: HashMap<(String, u16), u64>,
    recent: VecDeque<RequestRecord>,
}

/// State shared by the handlers.
pub(crate) struct Shared {
    api_auth: String,
    management_auth: String,
    attrs: AttrIndex,
    store: Mutex<Store>,
    busy: Mutex<HashSet<String>>,
    in_flight: watch::Sender<usize>,
    log: Mutex<RequestLog>,
    faults: faults::FaultState,
}

use store::Store;

/// Locks a mutex even if a panicking holder poisoned it (the drop fault unwinds on purpose).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn record(&self, endpoint: &str, path: &str, status: u16) {
        let mut log = lock(&self.log);
        *log.counts
            .entry((endpoint.to_string(), status))
            .or_default() += 1;
        if log.recent.len() == LOG_CAPACITY {
            log.recent.pop_front();
        }
        log.recent.push_back(RequestRecord {
            endpoint: endpoint.to_string(),
            path: path.to_string(),
            status,
        });
    }

    fn stats(&self) -> Stats {
        let (profiles, sessions) = {
            let s = lock(&self.store);
            (s.profiles.len(), s.sessions.len())
        };
        let mut requests: Vec<RequestCount> = lock(&self.log)
            .counts
            .iter()
            .map(|((endpoint, status), count)| RequestCount {
                endpoint: endpoint.clone(),
                status: *status,
                count: *count,
            })
            .collect();
        requests.sort_by(|a, b| (&a.endpoint, a.status).cmp(&(&b.endpoint, b.status)));
        Stats {
            profiles,
            sessions,
            requests,
        }
    }

    fn reset(&self) {
        lock(&self.store).reset();
        *lock(&self.log) = RequestLog::default();
    }

    /// Marks the keys busy for the guard's lifetime; `None` if another request holds one of them (409).
    fn claim(self: &Arc<Self>, keys: Vec<String>) -> Option<BusyGuard> {
        let mut busy = lock(&self.busy);
        if keys.iter().any(|k| busy.contains(k)) {
            return None;
        }
        busy.extend(keys.iter().cloned());
        self.in_flight.send_replace(busy.len());
        Some(BusyGuard {
            shared: Arc::clone(self),
            keys,
        })
    }
}

/// Releases claimed customer/session keys when the request ends (also when it is dropped or unwinds).
pub(crate) struct BusyGuard {
    shared: Arc<Shared>,
    keys: Vec<String>,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut busy = lock(&self.shared.busy);
        for k in &self.keys {
            busy.remove(k);
        }
        self.shared.in_flight.send_replace(busy.len());
    }
}

/// A running sandbox.
pub struct SandboxHandle {
    addr: SocketAddr,
    api_key: String,
    management_key: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts a sandbox on the current tokio runtime and returns once it accepts connections.
pub async fn start(cfg: SandboxConfig) -> std::io::Result<SandboxHandle> {
    let store = Store::open(cfg.state_file.as_deref())?;
    let mut defs = attributes::builtin();
    defs.extend(cfg.custom_attributes.iter().cloned());
    let shared = Arc::new(Shared {
        api_auth: format!("ApiKey-v1 {}", cfg.api_key),
        management_auth: format!("ManagementKey-v1 {}", cfg.management_key),
        attrs: AttrIndex::new(defs),
        store: Mutex::new(store),
        busy: Mutex::new(HashSet::new()),
        in_flight: watch::channel(0).0,
        log: Mutex::new(RequestLog::default()),
        faults: faults::FaultState::new(&cfg.faults),
    });
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&shared));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(SandboxHandle {
        addr,
        api_key: cfg.api_key,
        management_key: cfg.management_key,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

impl SandboxHandle {
    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
    pub fn management_key(&self) -> &str {
        &self.management_key
    }
    /// A stored profile by integration id.
    pub fn profile(&self, id: &str) -> Option<CustomerProfile> {
        lock(&self.shared.store).profiles.get(id).cloned()
    }
    /// A stored session by id.
    pub fn session(&self, id: &str) -> Option<CustomerSession> {
        lock(&self.shared.store).sessions.get(id).cloned()
    }
    /// All stored profiles, in creation order.
    pub fn profiles(&self) -> Vec<CustomerProfile> {
        let mut v: Vec<_> = lock(&self.shared.store)
            .profiles
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|p| p.id);
        v
    }
    /// All stored sessions, in creation order.
    pub fn sessions(&self) -> Vec<CustomerSession> {
        let mut v: Vec<_> = lock(&self.shared.store)
            .sessions
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|s| s.id);
        v
    }
    pub fn profile_count(&self) -> usize {
        lock(&self.shared.store).profiles.len()
    }
    pub fn session_count(&self) -> usize {
        lock(&self.shared.store).sessions.len()
    }
    /// How many requests `endpoint` (see [`endpoint`]) answered with `status` (0 = dropped).
    pub fn request_count(&self, endpoint: &str, status: u16) -> u64 {
        lock(&self.shared.log)
            .counts
            .get(&(endpoint.to_string(), status))
            .copied()
            .unwrap_or(0)
    }
    /// All requests to `endpoint`, whatever the answer.
    pub fn requests_to(&self, endpoint: &str) -> u64 {
        lock(&self.shared.log)
            .counts
            .iter()
            .filter(|((e, _), _)| e == endpoint)
            .map(|(_, c)| *c)
            .sum()
    }
    /// The most recent requests (up to 10,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).recent.iter().cloned().collect()
    }
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
    /// Forgets profiles, sessions and the request log.
    pub fn reset(&self) {
        self.shared.reset()
    }
    /// Waits until at least `n` customer/session keys are held by requests in progress (lets tests overlap
    /// requests deterministically, without sleeping).
    pub async fn wait_in_flight(&self, n: usize) {
        let mut rx = self.shared.in_flight.subscribe();
        let _ = rx.wait_for(|v| *v >= n).await;
    }
    /// Stops accepting connections and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Latency bounds helper for the CLI: `"50"` or `"20..200"` milliseconds.
pub fn parse_latency(s: &str) -> Result<(Duration, Duration), String> {
    let ms = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("latency {s:?}: use milliseconds like 50 or a range like 20..200"))
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (ms(a)?, ms(b)?);
            if a > b {
                return Err(format!("latency {s:?}: the minimum is above the maximum"));
            }
            Ok((a, b))
        }
        None => {
            let d = ms(s)?;
            Ok((d, d))
        }
    }
}
