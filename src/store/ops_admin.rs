//! Writes of keys, webhooks and the audit log.

use super::types::UnixMs;
use super::writer_cache::{WriterCache, hooks_in};
use crate::model::kinds::AuditKind;
use crate::model::states::DeliveryState;
use rusqlite::{Connection, params};

pub fn create_api_key(
    c: &Connection,
    name: &str,
    hash: &[u8],
    at: UnixMs,
) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO api_keys (name, hash, created_at) VALUES (?1, ?2, ?3)",
        params![name, hash, at],
    )?;
    let id = c.last_insert_rowid();
    audit(c, AuditKind::ApiKeyCreated, name, &format!("key {id}"), at)?;
    Ok(id)
}

pub fn create_webhook(
    c: &Connection,
    outbox: &mut WriterCache,
    url: &str,
    secret: &str,
    events: &str,
    at: UnixMs,
) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO webhooks (url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![url, secret, events, at],
    )?;
    let id = c.last_insert_rowid();
    audit(c, AuditKind::WebhookCreated, url, events, at)?;
    outbox.set(hooks_in(c)?);
    Ok(id)
}

pub fn delete_webhook(c: &Connection, outbox: &mut WriterCache, id: i64) -> rusqlite::Result<bool> {
    let n = c.execute("DELETE FROM webhooks WHERE id = ?1", [id])?;
    c.execute(
        "UPDATE webhook_deliveries SET state = ?2, last_error = 'webhook deleted'
         WHERE webhook_id = ?1 AND state = ?3",
        params![id, DeliveryState::Failed, DeliveryState::Pending],
    )?;
    outbox.set(hooks_in(c)?);
    Ok(n == 1)
}

pub fn webhook_result(
    c: &Connection,
    delivery_id: i64,
    delivered: bool,
    error: Option<&str>,
    next_attempt_at: Option<UnixMs>,
) -> rusqlite::Result<()> {
    let state = match (delivered, next_attempt_at) {
        (true, _) => DeliveryState::Delivered,
        (false, Some(_)) => DeliveryState::Pending,
        (false, None) => DeliveryState::Failed,
    };
    c.prepare_cached(
        "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, last_error = ?3,
             next_attempt_at = coalesce(?4, next_attempt_at)
         WHERE id = ?1",
    )?
    .execute(params![delivery_id, state, error, next_attempt_at])?;
    Ok(())
}

pub fn audit(
    c: &Connection,
    kind: AuditKind,
    subject: &str,
    detail: &str,
    at: UnixMs,
) -> rusqlite::Result<()> {
    c.prepare_cached("INSERT INTO audit_log (at, kind, subject, detail) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![at, kind, subject, detail])?;
    Ok(())
}
