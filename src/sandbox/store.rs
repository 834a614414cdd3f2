//! What the sandbox holds: customer profiles and sessions as Talon.One would show them, the derived values
//! per profile (closed sessions, total sales), and optional persistence to SQLite so a rehearsal can be
//! inspected after the server stopped.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::talon::api::{
    AdditionalCost, CartItem, CustomerProfile, CustomerSession, NewCustomerSession, SessionState,
};

/// Why a session update is refused although its body is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub String);

/// The sandbox's data.
#[derive(Debug, Default)]
pub struct Store {
    pub profiles: HashMap<String, CustomerProfile>,
    pub sessions: HashMap<String, CustomerSession>,
    next_id: i64,
    db: Option<rusqlite::Connection>,
}

pub const ACCOUNT_ID: i64 = 1;
pub const APPLICATION_ID: i64 = 1;

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// A closed (or partially returned) session counts for the profile; open and cancelled ones do not.
fn contribution(s: &CustomerSession) -> (i64, f64) {
    match s.state {
        SessionState::Closed | SessionState::PartiallyReturned => (1, s.total),
        SessionState::Open | SessionState::Cancelled => (0, 0.0),
    }
}

fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

fn costs_total(costs: &indexmap::IndexMap<String, AdditionalCost>) -> f64 {
    costs.values().map(|c| c.price).sum()
}

fn totals(s: &mut CustomerSession) {
    s.cart_item_total = s
        .cart_items
        .iter()
        .map(|i| i.price.unwrap_or(0.0) * i.quantity as f64)
        .sum();
    s.cart_item_additional_cost_total = s
        .cart_items
        .iter()
        .map(|i| costs_total(&i.additional_costs) * i.quantity as f64)
        .sum();
    s.additional_cost_total = costs_total(&s.additional_costs);
    s.total = s.cart_item_total + s.cart_item_additional_cost_total + s.additional_cost_total;
}

impl Store {
    /// An in-memory store, or one backed by the SQLite file at `path` (loaded if it exists).
    pub fn open(path: Option<&Path>) -> std::io::Result<Store> {
        let mut store = Store {
            next_id: 1,
            ..Store::default()
        };
        if let Some(path) = path {
            let db = rusqlite::Connection::open(path).map_err(|e| {
                std::io::Error::other(format!("cannot open sandbox state {}: {e}", path.display()))
            })?;
            let mut load = || -> rusqlite::Result<()> {
                db.execute_batch(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
                     CREATE TABLE IF NOT EXISTS profiles (id TEXT PRIMARY KEY, json TEXT NOT NULL);
                     CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, json TEXT NOT NULL);",
                )?;
                let mut q = db.prepare("SELECT json FROM profiles")?;
                for row in q.query_map([], |r| r.get::<_, String>(0))? {
                    if let Ok(p) = serde_json::from_str::<CustomerProfile>(&row?) {
                        store.next_id = store.next_id.max(p.id + 1);
                        store.profiles.insert(p.integration_id.clone(), p);
                    }
                }
                let mut q = db.prepare("SELECT json FROM sessions")?;
                for row in q.query_map([], |r| r.get::<_, String>(0))? {
                    if let Ok(s) = serde_json::from_str::<CustomerSession>(&row?) {
                        store.next_id = store.next_id.max(s.id + 1);
                        store.sessions.insert(s.integration_id.clone(), s);
                    }
                }
                Ok(())
            };
            load().map_err(|e| {
                std::io::Error::other(format!("cannot read sandbox state {}: {e}", path.display()))
            })?;
            store.db = Some(db);
        }
        Ok(store)
    }

    fn save_profile(&self, id: &str) {
        if let (Some(db), Some(p)) = (&self.db, self.profiles.get(id))
            && let Ok(json) = serde_json::to_string(p)
            && let Err(e) = db.execute(
                "INSERT OR REPLACE INTO profiles (id, json) VALUES (?1, ?2)",
                (id, json),
            )
        {
            tracing::warn!("sandbox: cannot persist profile: {e}");
        }
    }

    fn save_session(&self, id: &str) {
        if let (Some(db), Some(s)) = (&self.db, self.sessions.get(id))
            && let Ok(json) = serde_json::to_string(s)
            && let Err(e) = db.execute(
                "INSERT OR REPLACE INTO sessions (id, json) VALUES (?1, ?2)",
                (id, json),
            )
        {
            tracing::warn!("sandbox: cannot persist session: {e}");
        }
    }

    fn next(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Creates or updates a profile (attributes are merged, as Talon.One does). `dry` computes the result
    /// without storing it.
    pub fn put_profile(
        &mut self,
        id: &str,
        attributes: &Map<String, Value>,
        dry: bool,
    ) -> CustomerProfile {
        let ts = now();
        let mut p = match self.profiles.get(id) {
            Some(p) => p.clone(),
            None => CustomerProfile {
                id: if dry { 0 } else { self.next() },
                created: ts.clone(),
                integration_id: id.to_string(),
                attributes: Map::new(),
                account_id: ACCOUNT_ID,
                closed_sessions: 0,
                total_sales: 0.0,
                last_activity: ts.clone(),
            },
        };
        merge(&mut p.attributes, attributes);
        p.last_activity = ts;
        if !dry {
            self.profiles.insert(id.to_string(), p.clone());
            self.save_profile(id);
        }
        p
    }

    /// Creates or updates a session, enforcing the documented state transitions, creating an empty profile
    /// for an unknown `profileId` and keeping the profiles' derived values in step.
    pub fn put_session(
        &mut self,
        id: &str,
        new: &NewCustomerSession,
        has_cart_items: bool,
        has_additional_costs: bool,
        dry: bool,
    ) -> Result<(CustomerSession, Option<CustomerProfile>), Refused> {
        let ts = now();
        let old = self.sessions.get(id).cloned();
        let wanted = new.state;
        let mut s = match &old {
            Some(old) => {
                match (old.state, wanted) {
                    (SessionState::Open, Some(SessionState::PartiallyReturned)) => {
                        return Err(Refused(
                            "an open session cannot become partially_returned; close it first"
                                .into(),
                        ));
                    }
                    (SessionState::Open, _) => {}
                    (
                        SessionState::Closed | SessionState::PartiallyReturned,
                        Some(SessionState::Cancelled),
                    ) => {
                        // Cancelling is the only change allowed on a closed session.
                        let mut s = old.clone();
                        s.state = SessionState::Cancelled;
                        s.update_count += 1;
                        s.updated = ts;
                        return Ok(self.commit(id, old.clone().into(), s, dry));
                    }
                    (SessionState::Cancelled, _) => {
                        return Err(Refused(format!(
                            "session {id:?} is cancelled and cannot be modified"
                        )));
                    }
                    (state, _) => {
                        return Err(Refused(format!(
                            "session {id:?} is {} and cannot be modified; only a change to cancelled is allowed",
                            state.as_str()
                        )));
                    }
                }
                old.clone()
            }
            None => {
                if matches!(
                    wanted,
                    Some(SessionState::Cancelled | SessionState::PartiallyReturned)
                ) {
                    return Err(Refused(
                        "a new session must be created open or closed".into(),
                    ));
                }
                let profile_id = new.profile_id.clone().unwrap_or_default();
                // Cheap approximation (no scan over all sessions): first until the profile has a closed one.
                let first_session = !profile_id.is_empty()
                    && self
                        .profiles
                        .get(&profile_id)
                        .is_none_or(|p| p.closed_sessions <= 0);
                CustomerSession {
                    id: if dry { 0 } else { self.next() },
                    created: ts.clone(),
                    integration_id: id.to_string(),
                    application_id: APPLICATION_ID,
                    profile_id,
                    store_integration_id: None,
                    coupon: String::new(),
                    referral: String::new(),
                    state: SessionState::Open,
                    cart_items: Vec::new(),
                    additional_costs: Default::default(),
                    attributes: Map::new(),
                    first_session,
                    total: 0.0,
                    cart_item_total: 0.0,
                    additional_cost_total: 0.0,
                    cart_item_additional_cost_total: 0.0,
                    update_count: 0,
                    updated: ts.clone(),
                }
            }
        };
        if let Some(p) = &new.profile_id {
            s.profile_id = p.clone();
        }
        if let Some(state) = wanted {
            s.state = state;
        }
        if has_cart_items {
            s.cart_items = new.cart_items.iter().map(CartItem::clone).collect();
        }
        if has_additional_costs {
            s.additional_costs = new.additional_costs.clone();
        }
        if let Some(store) = &new.store_integration_id {
            s.store_integration_id = Some(store.clone());
        }
        if !new.coupon_codes.is_empty() {
            s.coupon = new.coupon_codes.join(",");
        }
        if let Some(r) = &new.referral_code {
            s.referral = r.clone();
        }
        merge(&mut s.attributes, &new.attributes);
        totals(&mut s);
        if old.is_some() {
            s.update_count += 1;
        }
        s.updated = ts;
        Ok(self.commit(id, old, s, dry))
    }

    /// Stores `s` (unless dry), moving its contribution between profiles.
    fn commit(
        &mut self,
        id: &str,
        old: Option<CustomerSession>,
        s: CustomerSession,
        dry: bool,
    ) -> (CustomerSession, Option<CustomerProfile>) {
        if dry {
            let profile = (!s.profile_id.is_empty()).then(|| {
                let mut p = self.put_profile(&s.profile_id, &Map::new(), true);
                let (oc, os) = old
                    .as_ref()
                    .filter(|o| o.profile_id == s.profile_id)
                    .map(contribution)
                    .unwrap_or((0, 0.0));
                let (nc, ns) = contribution(&s);
                p.closed_sessions += nc - oc;
                p.total_sales += ns - os;
                p
            });
            return (s, profile);
        }
        if let Some(o) = &old
            && !o.profile_id.is_empty()
            && let Some(p) = self.profiles.get_mut(&o.profile_id)
        {
            let (c, t) = contribution(o);
            p.closed_sessions -= c;
            p.total_sales -= t;
            let pid = o.profile_id.clone();
            self.save_profile(&pid);
        }
        let profile = if s.profile_id.is_empty() {
            None
        } else {
            // A session for an unknown profile creates an empty one (documented Talon.One behaviour).
            self.put_profile(&s.profile_id, &Map::new(), false);
            let p = self.profiles.get_mut(&s.profile_id).map(|p| {
                let (c, t) = contribution(&s);
                p.closed_sessions += c;
                p.total_sales += t;
                p.clone()
            });
            self.save_profile(&s.profile_id);
            p
        };
        self.sessions.insert(id.to_string(), s.clone());
        self.save_session(id);
        (s, profile)
    }

    /// Forgets everything (and clears the state file).
    pub fn reset(&mut self) {
        self.profiles.clear();
        self.sessions.clear();
        self.next_id = 1;
        if let Some(db) = &self.db
            && let Err(e) = db.execute_batch("DELETE FROM profiles; DELETE FROM sessions;")
        {
            tracing::warn!("sandbox: cannot clear state: {e}");
        }
    }
}
