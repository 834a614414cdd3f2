//! The sandbox's HTTP surface: the Integration API routes (auth, rate limit, validation, 409 on overlapping
//! requests, faults), the Management API's attribute list, and the `/sandbox/` inspection routes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use super::faults::Fault;
use super::{Shared, endpoint, lock, validate};
use crate::talon::api::{
    ErrorBody, IntegrationState, IntegrationStates, ProfileState, SessionInventory,
};

type Sh = Arc<Shared>;

pub(crate) fn router(shared: Sh) -> Router {
    let integration = Router::new()
        .route("/v2/customer_profiles/{integrationId}", put(put_profile))
        .route("/v2/customer_profiles", put(put_profiles))
        .route(
            "/v2/customer_sessions/{customerSessionId}",
            put(put_session).get(get_session),
        )
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            integration_gate,
        ));
    let management = Router::new()
        .route("/v1/attributes", get(list_attributes))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            management_gate,
        ));
    let inspect = Router::new()
        .route("/sandbox/profiles/{id}", get(inspect_profile))
        .route("/sandbox/sessions/{id}", get(inspect_session))
        .route("/sandbox/stats", get(inspect_stats))
        .route("/sandbox/requests", get(inspect_requests))
        .route("/sandbox/reset", post(inspect_reset));
    Router::new()
        .merge(integration)
        .merge(management)
        .merge(inspect)
        .fallback(not_found)
        // A bulk of 1000 profiles with many attributes passes axum's 2 MB default; Talon.One takes it.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(middleware::from_fn_with_state(shared.clone(), count))
        .with_state(shared)
}

fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ErrorBody {
        message: message.to_string(),
        errors: Vec::new(),
        status_code: status,
    };
    (code, Json(body)).into_response()
}

fn bad_request(body: ErrorBody) -> Response {
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn not_found() -> Response {
    error(404, "not found")
}

/// Records every answer by endpoint and status (outermost layer, so 401/429 count too).
async fn count(State(sh): State<Sh>, req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| format!("{} {}", req.method(), m.as_str()))
        .unwrap_or_else(|| "other".to_string());
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    sh.record(&endpoint, &path, resp.status().as_u16());
    resp
}

async fn integration_gate(State(sh): State<Sh>, req: Request, next: Next) -> Response {
    if req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        != Some(sh.api_auth.as_bytes())
    {
        return error(
            401,
            "Invalid API key: send the header Authorization: ApiKey-v1 <key>",
        );
    }
    if let Err(secs) = sh.faults.admit() {
        let mut resp = error(
            429,
            "Too many requests: slow down and retry after the Retry-After delay",
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        return resp;
    }
    next.run(req).await
}

async fn management_gate(State(sh): State<Sh>, req: Request, next: Next) -> Response {
    if req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        != Some(sh.management_auth.as_bytes())
    {
        return error(
            401,
            "Invalid management key: send the header Authorization: ManagementKey-v1 <key>",
        );
    }
    next.run(req).await
}

/// A boolean query parameter (`true`/`false`); anything else is a 400 naming the parameter.
fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ErrorBody> {
    match q.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(param_error(
            name,
            format!("{name} must be true or false, got {other:?}"),
        )),
    }
}

fn param_error(name: &str, details: String) -> ErrorBody {
    ErrorBody {
        message: details.clone(),
        errors: vec![crate::talon::api::ErrorItem {
            title: "invalid query parameter".into(),
            details: Some(details),
            source: crate::talon::api::ErrorSource {
                parameter: Some(name.to_string()),
                ..Default::default()
            },
        }],
        status_code: 400,
    }
}

/// Closes the connection without an answer: unwinding the connection task drops the socket. `resume_unwind`
/// skips the panic hook, so nothing is printed.
fn drop_connection(sh: &Shared, endpoint: &str, path: &str) -> ! {
    sh.record(endpoint, path, 0);
    std::panic::resume_unwind(Box::new("sandbox: dropped connection (injected fault)"))
}

/// The common tail of the writing routes: claim the customer/session keys (409 if another request holds
/// one), wait the configured latency, then apply with the drawn fault before or after the change.
async fn guarded(
    sh: &Sh,
    endpoint: &str,
    path: &str,
    keys: Vec<String>,
    apply: impl FnOnce(&Shared) -> Response,
) -> Response {
    let Some(_busy) = sh.claim(keys) else {
        return error(
            409,
            "Too many requests are updating this profile at the same time: send requests for one customer one after the other",
        );
    };
    if let Some(d) = sh.faults.latency() {
        tokio::time::sleep(d).await;
    }
    let fault = sh.faults.draw();
    match fault {
        Fault::FailBefore(s) => return error(s, "injected fault: the change was not stored"),
        Fault::DropBefore => drop_connection(sh, endpoint, path),
        _ => {}
    }
    let resp = apply(sh);
    match fault {
        Fault::FailAfter(s) if resp.status().is_success() => {
            error(s, "injected fault: the change may have been stored")
        }
        Fault::DropAfter if resp.status().is_success() => drop_connection(sh, endpoint, path),
        _ => resp,
    }
}

async fn put_profile(
    State(sh): State<Sh>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Err(e) = validate::check_path_id("integrationId", &id) {
        return bad_request(e);
    }
    let (dry, _rule_engine) = match (flag(&q, "dry"), flag(&q, "runRuleEngine")) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return bad_request(e),
    };
    let update =
        match validate::parse_json(&body).and_then(|v| validate::profile_update(&sh.attrs, v)) {
            Ok(u) => u,
            Err(e) => return bad_request(e),
        };
    let path = format!("/v2/customer_profiles/{id}");
    guarded(
        &sh,
        endpoint::PROFILE,
        &path,
        vec![format!("p:{id}")],
        |sh| {
            let profile = lock(&sh.store).put_profile(&id, &update.attributes, dry);
            let state = IntegrationState {
                customer_profile: update
                    .response_content
                    .iter()
                    .any(|c| c == "customerProfile")
                    .then_some(profile),
                ..IntegrationState::default()
            };
            Json(state).into_response()
        },
    )
    .await
}

async fn put_profiles(
    State(sh): State<Sh>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let silent = match q.get("silent").map(String::as_str) {
        None | Some("yes") => true,
        Some("no") => false,
        Some(other) => {
            return bad_request(param_error(
                "silent",
                format!("silent must be yes or no, got {other:?}"),
            ));
        }
    };
    let update = match validate::parse_json(&body).and_then(|v| validate::bulk_update(&sh.attrs, v))
    {
        Ok(u) => u,
        Err(e) => return bad_request(e),
    };
    let mut keys: Vec<String> = update
        .customer_profiles
        .iter()
        .map(|p| format!("p:{}", p.integration_id))
        .collect();
    keys.sort();
    keys.dedup();
    guarded(
        &sh,
        endpoint::PROFILES_BULK,
        "/v2/customer_profiles",
        keys,
        |sh| {
            let mut store = lock(&sh.store);
            let states: Vec<ProfileState> = update
                .customer_profiles
                .iter()
                .map(|p| ProfileState {
                    customer_profile: store.put_profile(&p.integration_id, &p.attributes, false),
                })
                .collect();
            drop(store);
            if silent {
                StatusCode::NO_CONTENT.into_response()
            } else {
                Json(IntegrationStates {
                    integration_states: states,
                })
                .into_response()
            }
        },
    )
    .await
}

async fn put_session(
    State(sh): State<Sh>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Err(e) = validate::check_path_id("customerSessionId", &id) {
        return bad_request(e);
    }
    let dry = match flag(&q, "dry") {
        Ok(d) => d,
        Err(e) => return bad_request(e),
    };
    let body =
        match validate::parse_json(&body).and_then(|v| validate::session_update(&sh.attrs, v)) {
            Ok(b) => b,
            Err(e) => return bad_request(e),
        };
    // The session's customer is busy too: a session update and a profile update for the same customer collide.
    let profile = body
        .update
        .customer_session
        .profile_id
        .clone()
        .or_else(|| {
            lock(&sh.store)
                .sessions
                .get(&id)
                .map(|s| s.profile_id.clone())
        })
        .filter(|p| !p.is_empty());
    let mut keys = vec![format!("s:{id}")];
    keys.extend(profile.map(|p| format!("p:{p}")));
    let path = format!("/v2/customer_sessions/{id}");
    guarded(&sh, endpoint::SESSION, &path, keys, |sh| {
        let result = lock(&sh.store).put_session(
            &id,
            &body.update.customer_session,
            body.has_cart_items,
            body.has_additional_costs,
            dry,
        );
        match result {
            Ok((session, profile)) => Json(IntegrationState {
                customer_session: Some(session),
                customer_profile: profile.filter(|_| {
                    body.update
                        .response_content
                        .iter()
                        .any(|c| c == "customerProfile")
                }),
                ..IntegrationState::default()
            })
            .into_response(),
            Err(refused) => bad_request(ErrorBody::at_pointer(
                400,
                "/customerSession/state",
                "invalid session state change",
                refused.0,
            )),
        }
    })
    .await
}

async fn get_session(State(sh): State<Sh>, Path(id): Path<String>) -> Response {
    match lock(&sh.store).sessions.get(&id) {
        Some(s) => Json(SessionInventory {
            customer_session: s.clone(),
            effects: Vec::new(),
        })
        .into_response(),
        None => error(404, &format!("customer session {id:?} not found")),
    }
}

async fn list_attributes(
    State(sh): State<Sh>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let num = |name: &str, default: usize, min: usize, max: usize| -> Result<usize, ErrorBody> {
        match q.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(param_error(
                    name,
                    format!("{name} must be a whole number from {min} to {max}, got {v:?}"),
                )),
            },
        }
    };
    let (page_size, skip) = match (
        num("pageSize", 1000, 1, 1000),
        num("skip", 0, 0, usize::MAX),
    ) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => return bad_request(e),
    };
    let entity = q.get("entity");
    let all: Vec<_> = sh
        .attrs
        .defs()
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            entity.is_none_or(|e| {
                serde_json::to_value(d.entity)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s == e))
                    .unwrap_or(false)
            })
        })
        .collect();
    let total = all.len();
    let data: Vec<_> = all
        .into_iter()
        .skip(skip)
        .take(page_size)
        .map(|(i, d)| {
            json!({
                "id": i + 1,
                "created": "2024-01-01T00:00:00Z",
                "accountId": super::store::ACCOUNT_ID,
                "entity": d.entity,
                "name": d.name,
                "title": if d.title.is_empty() { &d.name } else { &d.title },
                "type": d.kind,
                "description": d.description,
                "suggestions": [],
                "editable": !d.builtin,
            })
        })
        .collect();
    Json(json!({
        "totalResultSize": total,
        "hasMore": skip.saturating_add(page_size) < total,
        "data": data,
    }))
    .into_response()
}

async fn inspect_profile(State(sh): State<Sh>, Path(id): Path<String>) -> Response {
    match lock(&sh.store).profiles.get(&id) {
        Some(p) => Json(p.clone()).into_response(),
        None => error(404, &format!("customer profile {id:?} not found")),
    }
}

async fn inspect_session(State(sh): State<Sh>, Path(id): Path<String>) -> Response {
    match lock(&sh.store).sessions.get(&id) {
        Some(s) => Json(s.clone()).into_response(),
        None => error(404, &format!("customer session {id:?} not found")),
    }
}

async fn inspect_stats(State(sh): State<Sh>) -> Response {
    Json(sh.stats()).into_response()
}

async fn inspect_requests(State(sh): State<Sh>) -> Response {
    let recent: Vec<_> = lock(&sh.log).recent.iter().cloned().collect();
    Json(recent).into_response()
}

async fn inspect_reset(State(sh): State<Sh>, _headers: HeaderMap) -> Response {
    sh.reset();
    StatusCode::NO_CONTENT.into_response()
}
