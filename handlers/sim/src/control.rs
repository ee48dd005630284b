//! HTTP control API for the CLI and the demo:
//!
//! - `POST /mo` `{"from":"+4917...","to":"12345","text":"hi"}` (optional
//!   `parts_order`, `coding`) injects an MO message → `{"parts":N,...}`
//! - `GET /stats` → counters
//! - `GET /faults`, `POST /faults` with a [`Faults`] object (missing fields
//!   are 0)
//! - `POST /drop` closes every SMPP connection
//! - `GET /messages` → accepted submits joined into messages
//!
//! Bad JSON is answered 400 with `{"error": "..."}` naming the field.

use crate::Smsc;
use crate::faults::Faults;
use crate::mo::MoMessage;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::json;

pub(crate) fn router(smsc: Smsc) -> Router {
    Router::new()
        .route("/mo", post(post_mo))
        .route("/stats", get(get_stats))
        .route("/faults", get(get_faults).post(post_faults))
        .route("/drop", post(post_drop))
        .route("/messages", get(get_messages))
        .with_state(smsc)
}

fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

/// Parses a JSON body, naming the field at fault (`text: invalid type...`).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = if path == "." || path.is_empty() {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        };
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("bad JSON body: {msg}"),
        ))
    })?;
    de.end().map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("bad JSON body: trailing characters: {e}"),
        ))
    })?;
    Ok(value)
}

async fn post_mo(State(smsc): State<Smsc>, body: Bytes) -> Response {
    let mo: MoMessage = match parse(&body) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    match smsc.inject_mo(mo).await {
        Ok(parts) => {
            let receivers = smsc.receivers_bound();
            let note = if receivers == 0 {
                "no receiver or transceiver is bound: the parts are stored until one binds"
            } else {
                "queued for the bound receivers"
            };
            Json(json!({ "parts": parts, "receivers_bound": receivers, "note": note }))
                .into_response()
        }
        Err(crate::SimError::Stopped) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the simulator is stopping".into(),
        ),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn get_stats(State(smsc): State<Smsc>) -> Response {
    Json(smsc.stats()).into_response()
}

async fn get_faults(State(smsc): State<Smsc>) -> Response {
    Json(smsc.faults()).into_response()
}

async fn post_faults(State(smsc): State<Smsc>, body: Bytes) -> Response {
    let f: Faults = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    if let Err(e) = f.validate() {
        return error(StatusCode::BAD_REQUEST, e);
    }
    smsc.set_faults(f);
    Json(smsc.faults()).into_response()
}

async fn post_drop(State(smsc): State<Smsc>) -> Response {
    let n = smsc.drop_connections();
    Json(json!({ "dropped": n })).into_response()
}

async fn get_messages(State(smsc): State<Smsc>) -> Response {
    Json(smsc.messages()).into_response()
}
