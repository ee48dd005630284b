//! Queries for the API, the dispatcher's start and the webhook sender.

use super::columns::address_text;
use super::types::{OpenMessage, OutState, UnixMs};
use crate::model::ids;
use crate::model::sms::{SmsCoding, SmsPriority};
use crate::model::states::{ReportState, TryOutcome};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use switchboard_protocol::{Body, HandlerId, MessageId, PhoneNumber};

/// Up to `limit` unfinished outbound messages with ids from `from_id` on,
/// oldest first, with the parts already accepted.
pub fn load_open(c: &Connection, from_id: i64, limit: usize) -> rusqlite::Result<Vec<OpenMessage>> {
    let mut parts_stmt =
        c.prepare_cached("SELECT seq FROM outbound_parts WHERE message_id = ?1")?;
    let mut stmt = c.prepare_cached(
        "SELECT id, to_number, from_addr, body, report, priority, valid_until, concat_ref,
                total_parts, attempts, next_attempt_at, uncertain_since, route
         FROM outbound WHERE state IN ('queued', 'submitting') AND id >= ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![from_id, limit as i64], |r| {
        let to: String = r.get(1)?;
        let from: Option<String> = r.get(2)?;
        let body: String = r.get(3)?;
        let route: Option<String> = r.get(12)?;
        Ok(OpenMessage {
            id: MessageId(r.get(0)?),
            to: PhoneNumber::parse_e164(&to).map_err(|e| bad(1, e))?,
            from: from
                .map(|f| serde_json::from_str(&f))
                .transpose()
                .map_err(|e| bad(2, e))?,
            body: serde_json::from_str::<Body>(&body).map_err(|e| bad(3, e))?,
            report: r.get(4)?,
            priority: r.get::<_, SmsPriority>(5)?.into(),
            valid_until: r.get(6)?,
            concat_ref: r.get(7)?,
            total_parts: r.get(8)?,
            attempts: r.get(9)?,
            next_attempt_at: r.get(10)?,
            done_parts: Vec::new(),
            uncertain_since: r.get(11)?,
            route: route.map(HandlerId),
        })
    })?;
    let mut out = Vec::new();
    for m in rows {
        let mut m = m?;
        m.done_parts = parts_stmt
            .query_map([m.id.0], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(m);
    }
    Ok(out)
}

fn bad(col: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
}

#[derive(Debug, Serialize)]
pub struct OutboundView {
    pub id: String,
    pub direction: &'static str,
    pub to: String,
    pub from: Option<String>,
    pub text: Option<String>,
    pub state: OutState,
    pub reason: Option<String>,
    pub error_code: Option<u32>,
    pub route: Option<HandlerId>,
    pub attempts: u32,
    pub report: bool,
    pub total_parts: u8,
    pub created_at: UnixMs,
    pub submitted_at: Option<UnixMs>,
    pub done_at: Option<UnixMs>,
    pub next_attempt_at: Option<UnixMs>,
    pub valid_until: UnixMs,
    pub parts: Vec<PartView>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Serialize)]
pub struct PartView {
    pub seq: u8,
    pub route: HandlerId,
    pub network_id: String,
    pub submitted_at: UnixMs,
    pub report: Option<ReportState>,
    pub report_error: Option<String>,
    pub report_at: Option<UnixMs>,
}

#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    pub at: UnixMs,
    pub event: String,
    pub detail: Option<String>,
}

pub fn get_outbound(c: &Connection, id: i64) -> rusqlite::Result<Option<OutboundView>> {
    let row = c
        .query_row(
            "SELECT id, to_number, from_addr, body, state, reason, error_code, route, attempts,
                    report, total_parts, created_at, submitted_at, done_at, next_attempt_at,
                    valid_until
             FROM outbound WHERE id = ?1",
            [id],
            |r| {
                let from: Option<String> = r.get(2)?;
                let body: String = r.get(3)?;
                let state: OutState = r.get(4)?;
                let route: Option<String> = r.get(7)?;
                Ok(OutboundView {
                    id: r.get::<_, i64>(0)?.to_string(),
                    direction: "out",
                    to: r.get(1)?,
                    from: from.map(|f| address_text(&f)),
                    text: match serde_json::from_str::<Body>(&body) {
                        Ok(Body::Text { text }) => Some(text),
                        _ => None,
                    },
                    next_attempt_at: if state == OutState::Queued {
                        r.get(14)?
                    } else {
                        None
                    },
                    state,
                    reason: r.get(5)?,
                    error_code: r.get(6)?,
                    route: route.map(HandlerId),
                    attempts: r.get(8)?,
                    report: r.get(9)?,
                    total_parts: r.get(10)?,
                    created_at: r.get(11)?,
                    submitted_at: r.get(12)?,
                    done_at: r.get(13)?,
                    valid_until: r.get(15)?,
                    parts: Vec::new(),
                    history: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut v) = row else { return Ok(None) };
    v.parts = c
        .prepare_cached(
            "SELECT seq, handler, network_id, submitted_at, dlr_state, dlr_error, dlr_at
             FROM outbound_parts WHERE message_id = ?1 ORDER BY seq",
        )?
        .query_map([id], |r| {
            Ok(PartView {
                seq: r.get(0)?,
                route: HandlerId(r.get(1)?),
                network_id: r.get(2)?,
                submitted_at: r.get(3)?,
                report: r.get(4)?,
                report_error: r.get(5)?,
                report_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut h = vec![HistoryEntry {
        at: v.created_at,
        event: "accepted".into(),
        detail: None,
    }];
    let attempts = c
        .prepare_cached(
            "SELECT at, attempt, handler, outcome, reason FROM outbound_attempts
             WHERE message_id = ?1 ORDER BY rowid",
        )?
        .query_map([id], |r| {
            let handler: Option<String> = r.get(2)?;
            let outcome: TryOutcome = r.get(3)?;
            let reason: String = r.get(4)?;
            let attempt: u32 = r.get(1)?;
            Ok(HistoryEntry {
                at: r.get(0)?,
                event: outcome.as_str().to_owned(),
                detail: Some(match handler {
                    Some(h) => format!("try {attempt} via {h}: {reason}"),
                    None => format!("try {attempt}: {reason}"),
                }),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    h.extend(attempts);
    if let Some(at) = v.submitted_at {
        h.push(HistoryEntry {
            at,
            event: "submitted".into(),
            detail: v.route.as_ref().map(|r| format!("via {r}")),
        });
    }
    for p in &v.parts {
        if let (Some(state), Some(at)) = (&p.report, p.report_at) {
            h.push(HistoryEntry {
                at,
                event: "report".into(),
                detail: Some(format!("part {} {state}", p.seq)),
            });
        }
    }
    if let Some(at) = v.done_at {
        h.push(HistoryEntry {
            at,
            event: v.state.as_str().to_owned(),
            detail: v.reason.clone(),
        });
    }
    h.sort_by_key(|e| e.at);
    v.history = h;
    Ok(Some(v))
}

#[derive(Debug, Serialize)]
pub struct InboundView {
    /// As the API names it: `in-<row>`.
    pub id: String,
    /// The row id (paging cursors).
    #[serde(skip)]
    pub row: i64,
    pub direction: &'static str,
    pub from: String,
    pub to: String,
    pub text: String,
    pub coding: SmsCoding,
    pub parts: u8,
    pub complete: bool,
    pub route: HandlerId,
    pub received_at: UnixMs,
}

/// Received messages with ids above `after`, oldest first.
pub fn list_inbound(c: &Connection, after: i64, limit: u32) -> rusqlite::Result<Vec<InboundView>> {
    c.prepare_cached(
        "SELECT id, from_addr, to_addr, text, coding, parts, complete, handler, received_at
         FROM inbound WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?
    .query_map(params![after, limit], |r| {
        let from: String = r.get(1)?;
        let to: String = r.get(2)?;
        let row: i64 = r.get(0)?;
        Ok(InboundView {
            id: ids::inbound(row),
            row,
            direction: "in",
            from: address_text(&from),
            to: address_text(&to),
            text: r.get(3)?,
            coding: r.get(4)?,
            parts: r.get(5)?,
            complete: r.get(6)?,
            route: HandlerId(r.get(7)?),
            received_at: r.get(8)?,
        })
    })?
    .collect()
}

/// Recent outbound messages, newest first (ids below `before`).
pub fn list_outbound(c: &Connection, before: i64, limit: u32) -> rusqlite::Result<Vec<i64>> {
    c.prepare_cached("SELECT id FROM outbound WHERE id < ?1 ORDER BY id DESC LIMIT ?2")?
        .query_map(params![before, limit], |r| r.get(0))?
        .collect()
}

/// The key's id if it exists and is enabled.
pub fn api_key_by_hash(c: &Connection, hash: &[u8]) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT id FROM api_keys WHERE hash = ?1 AND disabled = 0")?
        .query_row([hash], |r| r.get(0))
        .optional()
}

#[derive(Debug, Clone)]
pub struct WebhookDue {
    pub delivery_id: i64,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: u32,
}

pub fn due_webhooks(c: &Connection, now: UnixMs, limit: u32) -> rusqlite::Result<Vec<WebhookDue>> {
    c.prepare_cached(
        "SELECT d.id, w.url, w.secret, d.payload, d.attempts
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1
         ORDER BY d.next_attempt_at LIMIT ?2",
    )?
    .query_map(params![now, limit], |r| {
        Ok(WebhookDue {
            delivery_id: r.get(0)?,
            url: r.get(1)?,
            secret: r.get(2)?,
            payload: r.get(3)?,
            attempts: r.get(4)?,
        })
    })?
    .collect()
}

/// When the next pending webhook delivery is due, if any.
pub fn next_webhook_due(c: &Connection) -> rusqlite::Result<Option<UnixMs>> {
    c.query_row(
        "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )
}

#[derive(Debug, Serialize)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: UnixMs,
}

pub fn list_webhooks(c: &Connection) -> rusqlite::Result<Vec<WebhookView>> {
    c.prepare_cached("SELECT id, url, events, created_at FROM webhooks ORDER BY id")?
        .query_map([], |r| {
            let events: String = r.get(2)?;
            Ok(WebhookView {
                id: r.get(0)?,
                url: r.get(1)?,
                events: events.split(',').map(str::to_owned).collect(),
                created_at: r.get(3)?,
            })
        })?
        .collect()
}

/// Messages per state, for /metrics.
pub fn outbound_state_counts(c: &Connection) -> rusqlite::Result<Vec<(OutState, i64)>> {
    c.prepare_cached("SELECT state, count(*) FROM outbound GROUP BY state")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
