//! HTTP control API of a simulated modem (`switchboard sim modem --control`):
//!
//! - `POST /sms` `{"from":"+4917...","text":"hi"}` (optional `coding`,
//!   `parts_order`, `concat_ref`) → `{"parts":N}`
//! - `POST /status-report` `{"mr":12,"recipient":"+4917...","status":0}`
//! - `POST /call` `{"caller":{"type":"number","value":"+4917..."},"rings":4}`
//!   (`{"type":"withheld"}`; `end`: caller_hangs_up | voicemail | forever)
//!   → `{"index":1}`; `POST /hangup` `{"index":1}`: the far end hangs up
//! - `POST /dial-outcome` `{"number":"+4917...","outcome":"busy","after_ms":500}`
//! - `GET /faults`, `POST /faults` with a [`ModemFaults`] (missing fields off)
//! - `POST /unplug`, `POST /replug`
//! - `GET /sent` (messages), `GET /sent/parts`, `GET /log` (AT lines),
//!   `GET /calls`
//!
//! Bad JSON is answered 400 with `{"error": "..."}` naming the field.

use super::{DialOutcome, IncomingCall, IncomingSms, ModemFaults, ModemSim, StatusReportSpec};
use crate::error::SimError;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

pub(crate) fn router(sim: ModemSim) -> Router {
    Router::new()
        .route("/sms", post(post_sms))
        .route("/status-report", post(post_report))
        .route("/call", post(post_call))
        .route("/hangup", post(post_hangup))
        .route("/dial-outcome", post(post_outcome))
        .route("/faults", get(get_faults).post(post_faults))
        .route("/unplug", post(post_unplug))
        .route("/replug", post(post_replug))
        .route("/sent", get(get_sent))
        .route("/sent/parts", get(get_parts))
        .route("/log", get(get_log))
        .route("/calls", get(get_calls))
        .with_state(sim)
}

fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

fn sim_error(e: SimError) -> Response {
    let status = match e {
        SimError::Stopped | SimError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, e.to_string())
}

/// Parses a JSON body, naming the field at fault.
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

macro_rules! body {
    ($t:ty, $b:expr) => {
        match parse::<$t>(&$b) {
            Ok(v) => v,
            Err(r) => return *r,
        }
    };
}

async fn post_sms(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let sms = body!(IncomingSms, body);
    match sim.inject_parts(sms) {
        Ok(parts) => Json(json!({ "parts": parts })).into_response(),
        Err(e) => sim_error(e),
    }
}

async fn post_report(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let spec = body!(StatusReportSpec, body);
    match sim.inject_status_report(spec) {
        Ok(()) => Json(json!({ "queued": true })).into_response(),
        Err(e) => sim_error(e),
    }
}

async fn post_call(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let call = body!(IncomingCall, body);
    match sim.inject_call_wait(call).await {
        Ok(index) => Json(json!({ "index": index })).into_response(),
        Err(e) => sim_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Hangup {
    index: u8,
}

async fn post_hangup(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let h = body!(Hangup, body);
    match sim.remote_hangup(h.index) {
        Ok(()) => Json(json!({ "index": h.index })).into_response(),
        Err(e) => sim_error(e),
    }
}

#[derive(Deserialize)]
struct Outcome {
    number: String,
    #[serde(flatten)]
    outcome: DialOutcome,
}

async fn post_outcome(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let o = body!(Outcome, body);
    sim.set_dial_outcome(&o.number, o.outcome);
    Json(json!({ "number": o.number, "outcome": o.outcome })).into_response()
}

async fn get_faults(State(sim): State<ModemSim>) -> Response {
    Json(sim.faults()).into_response()
}

async fn post_faults(State(sim): State<ModemSim>, body: Bytes) -> Response {
    let f = body!(ModemFaults, body);
    sim.set_faults(f);
    Json(sim.faults()).into_response()
}

async fn post_unplug(State(sim): State<ModemSim>) -> Response {
    sim.unplug();
    Json(json!({ "plugged": false })).into_response()
}

async fn post_replug(State(sim): State<ModemSim>) -> Response {
    match sim.replug().await {
        Ok(()) => Json(json!({ "plugged": true, "device": sim.device() })).into_response(),
        Err(e) => sim_error(e),
    }
}

async fn get_sent(State(sim): State<ModemSim>) -> Response {
    Json(sim.sent()).into_response()
}

async fn get_parts(State(sim): State<ModemSim>) -> Response {
    Json(sim.sent_parts()).into_response()
}

async fn get_log(State(sim): State<ModemSim>) -> Response {
    Json(sim.at_log()).into_response()
}

async fn get_calls(State(sim): State<ModemSim>) -> Response {
    Json(sim.calls()).into_response()
}
