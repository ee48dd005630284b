//! `POST /api/v1/messages`: validate everything, store everything in one
//! commit, answer 202 with the ids, then hand the messages to the
//! dispatcher. A request with any bad message stores nothing.

use super::AppState;
use super::auth::ApiKey;
use super::error::{ApiError, parse_json};
use crate::sms::dispatch::Job;
use crate::store::{NewOutbound, OutState, WriteOp, now_ms};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering::Relaxed;
use switchboard_protocol::{Address, Body, Priority, text};

/// Most messages in one batch request.
const MAX_BATCH: usize = 1000;
/// Most parts of one message (the UDH counts parts in one octet).
const MAX_PARTS: usize = 255;

/// One message, or a batch under `messages`: read in one pass so the
/// error of a bad request names the right field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    #[serde(default)]
    messages: Option<Vec<MessageRequest>>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    report: bool,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    validity_secs: Option<u64>,
    #[serde(default)]
    priority: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageRequest {
    to: String,
    text: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    report: bool,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    validity_secs: Option<u64>,
    #[serde(default)]
    priority: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AcceptedView {
    id: String,
    state: &'static str,
    parts: u8,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    duplicate: bool,
}

/// The answer: the message's view, or a batch's under `messages`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SendAnswer {
    One(AcceptedView),
    Batch { messages: Vec<AcceptedView> },
}

pub async fn send(
    State(app): State<AppState>,
    ApiKey { id: key }: ApiKey,
    body: Bytes,
) -> Result<(StatusCode, Json<SendAnswer>), ApiError> {
    let (batch, reqs) = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => {
            app.metrics.rejected.fetch_add(1, Relaxed);
            return Err(e);
        }
    };
    let now = now_ms();
    let mut rows = Vec::with_capacity(reqs.len());
    let mut routes = Vec::with_capacity(reqs.len());
    for (i, r) in reqs.into_iter().enumerate() {
        let at = |f: &str| {
            if batch {
                format!("messages[{i}].{f}")
            } else {
                f.to_owned()
            }
        };
        match validate(&app, key, r, now, &at) {
            Ok((row, route)) => {
                rows.push(row);
                routes.push(route);
            }
            Err(e) => {
                app.metrics.rejected.fetch_add(1, Relaxed);
                return Err(e);
            }
        }
    }
    let (accepted, rows) = app
        .store
        .call(|done| WriteOp::Accept(rows, done))
        .await
        .map_err(ApiError::unavailable)?;
    let mut jobs = Vec::with_capacity(accepted.len());
    let mut views = Vec::with_capacity(accepted.len());
    for ((a, row), route) in accepted.iter().zip(rows).zip(routes) {
        views.push(AcceptedView {
            id: a.id.to_string(),
            // Stored already failed when the recipient opted out.
            state: a.ended.map_or("queued", OutState::as_str),
            parts: row.total_parts,
            duplicate: a.duplicate,
        });
        if !a.duplicate && a.ended.is_none() {
            jobs.push(Job::accepted(a.id, row, route));
        }
    }
    let ended = accepted
        .iter()
        .filter(|a| !a.duplicate && a.ended.is_some())
        .count() as u64;
    app.metrics
        .accepted
        .fetch_add(jobs.len() as u64 + ended, Relaxed);
    app.metrics.failed.fetch_add(ended, Relaxed);
    if !jobs.is_empty() {
        app.dispatcher.submit(jobs);
    }
    let body = if !batch && views.len() == 1 {
        SendAnswer::One(views.remove(0))
    } else {
        SendAnswer::Batch { messages: views }
    };
    Ok((StatusCode::ACCEPTED, Json(body)))
}

fn parse_request(body: &[u8]) -> Result<(bool, Vec<MessageRequest>), ApiError> {
    let r: SendRequest = parse_json(body)?;
    if let Some(messages) = r.messages {
        if r.to.is_some() || r.text.is_some() {
            return Err(ApiError::field(
                "messages",
                "a batch carries its fields inside each message, not beside 'messages'",
            ));
        }
        if messages.is_empty() || messages.len() > MAX_BATCH {
            return Err(ApiError::field(
                "messages",
                format!("must hold 1 to {MAX_BATCH} messages"),
            ));
        }
        return Ok((true, messages));
    }
    let to =
        r.to.ok_or_else(|| ApiError::field("to", "is missing: give the recipient's number"))?;
    let text = r
        .text
        .ok_or_else(|| ApiError::field("text", "is missing: give the text to send"))?;
    let one = MessageRequest {
        to,
        text,
        from: r.from,
        report: r.report,
        idempotency_key: r.idempotency_key,
        validity_secs: r.validity_secs,
        priority: r.priority,
    };
    Ok((false, vec![one]))
}

fn validate(
    app: &AppState,
    api_key_id: i64,
    r: MessageRequest,
    now: i64,
    at: &dyn Fn(&str) -> String,
) -> Result<(NewOutbound, usize), ApiError> {
    let to = app
        .numbers
        .parse(&r.to)
        .map_err(|e| ApiError::field(at("to"), format!("'{}' {e}", r.to)))?;
    let route = app.dispatcher.route_for(&to).ok_or_else(|| {
        ApiError::field(
            at("to"),
            "no [[route]] in the configuration covers this number",
        )
    })?;
    if r.text.is_empty() {
        return Err(ApiError::field(at("text"), "is empty"));
    }
    let parts = text::plan(&r.text).parts.len();
    if parts > MAX_PARTS {
        return Err(ApiError::field(
            at("text"),
            format!("needs {parts} SMS parts; at most {MAX_PARTS} are possible"),
        ));
    }
    let from = r
        .from
        .as_deref()
        .map(|f| parse_sender(app, f).map_err(|m| ApiError::field(at("from"), m)))
        .transpose()?;
    if let Some(k) = &r.idempotency_key
        && (k.is_empty() || k.len() > 128)
    {
        return Err(ApiError::field(
            at("idempotency_key"),
            "must be 1 to 128 characters",
        ));
    }
    let validity = r.validity_secs.unwrap_or(app.validity_secs);
    if !(60..=14 * 86400).contains(&validity) {
        return Err(ApiError::field(
            at("validity_secs"),
            "must be between 60 and 1209600 (14 days)",
        ));
    }
    let priority = match r.priority.as_deref() {
        None | Some("normal") => Priority::Normal,
        Some("high") => Priority::High,
        Some(other) => {
            return Err(ApiError::field(
                at("priority"),
                format!("'{other}' is neither \"normal\" nor \"high\""),
            ));
        }
    };
    Ok((
        NewOutbound {
            api_key_id,
            idempotency_key: r.idempotency_key,
            to,
            from,
            body: Body::Text { text: r.text },
            report: r.report,
            priority,
            valid_until: now + (validity as i64) * 1000,
            concat_ref: crate::sms::concat_ref::next(),
            total_parts: parts as u8,
            created_at: now,
            honour_opt_out: app.opt_out_applies_to_api,
        },
        route,
    ))
}

/// A sender: an E.164 number, a short code, or up to 11 letters.
fn parse_sender(app: &AppState, f: &str) -> Result<Address, String> {
    if f.starts_with('+') {
        return app
            .numbers
            .parse(f)
            .map(Address::International)
            .map_err(|e| format!("'{f}' {e}"));
    }
    if f.bytes().all(|b| b.is_ascii_digit()) {
        return if f.len() <= 8 {
            Address::digits(f).map_err(|e| e.to_string())
        } else {
            app.numbers
                .parse(f)
                .map(Address::International)
                .map_err(|e| format!("'{f}' {e}"))
        };
    }
    Address::alphanumeric(f).map_err(|e| format!("'{f}': {e}"))
}
