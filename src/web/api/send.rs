//! `POST /api/v1/messages`: read and check every message, hand them all to
//! the outbox in one commit, answer 202 with the ids. A request with any
//! bad message stores nothing.

use super::AppState;
use super::auth::ApiKey;
use super::error::{ApiError, parse_json};
use crate::sms::outbox::{NewSms, Origin};
use crate::store::OutState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering::Relaxed;
use switchboard_protocol::{Address, Priority};

/// Most messages in one batch request.
const MAX_BATCH: usize = 1000;

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
    let mut prepared = Vec::with_capacity(reqs.len());
    for (i, r) in reqs.into_iter().enumerate() {
        let at = |f: &str| {
            if batch {
                format!("messages[{i}].{f}")
            } else {
                f.to_owned()
            }
        };
        let sms = match read(&app, r, &at) {
            Ok(sms) => sms,
            Err(e) => {
                app.metrics.rejected.fetch_add(1, Relaxed);
                return Err(e);
            }
        };
        let p = app
            .outbox
            .prepare(Origin::Operator { api_key: key }, sms)
            .map_err(|e| ApiError::field(at(e.field()), e.to_string()))?;
        prepared.push(p);
    }
    let queued = app
        .outbox
        .accept(prepared)
        .await
        .map_err(ApiError::unavailable)?;
    let mut views: Vec<AcceptedView> = queued
        .iter()
        .map(|q| AcceptedView {
            id: q.accepted.id.to_string(),
            // Stored already failed when the recipient opted out.
            state: q.accepted.ended.map_or("queued", OutState::as_str),
            parts: q.parts,
            duplicate: q.accepted.duplicate,
        })
        .collect();
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

/// The request's fields as the outbox takes them; what only HTTP input can
/// get wrong (a number or sender that does not read, a priority word) is
/// refused here, the rest by the outbox.
fn read(
    app: &AppState,
    r: MessageRequest,
    at: &dyn Fn(&str) -> String,
) -> Result<NewSms, ApiError> {
    let to = app
        .numbers
        .parse(&r.to)
        .map_err(|e| ApiError::field(at("to"), format!("'{}' {e}", r.to)))?;
    let from = r
        .from
        .as_deref()
        .map(|f| parse_sender(app, f).map_err(|m| ApiError::field(at("from"), m)))
        .transpose()?;
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
    Ok(NewSms {
        to,
        from,
        text: r.text,
        report: r.report,
        priority,
        validity_secs: r.validity_secs,
        idempotency_key: r.idempotency_key,
    })
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
