//! The inbox in the store: messages per user with their history.

use crate::im::directory::UserId;
use crate::store::UnixMs;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// Ids as the API shows them: `m-17`.
pub fn show_id(id: i64) -> String {
    format!("m-{id}")
}

pub fn read_id(s: &str) -> Option<i64> {
    s.strip_prefix("m-").unwrap_or(s).parse().ok()
}

#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub user: UserId,
    #[serde(skip)]
    pub sender: UserId,
    pub text: String,
    pub urgent: bool,
    #[serde(skip)]
    pub receipt: bool,
    pub state: String,
    pub created_at: UnixMs,
}

const COLS: &str = "id, user_id, sender_id, text, urgent, receipt, state, created_at";

fn row(r: &Row) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        user: UserId(r.get(1)?),
        sender: UserId(r.get(2)?),
        text: r.get(3)?,
        urgent: r.get(4)?,
        receipt: r.get(5)?,
        state: r.get(6)?,
        created_at: r.get(7)?,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn add(
    c: &Connection,
    user: UserId,
    sender: UserId,
    text: &str,
    urgent: bool,
    receipt: bool,
    dropped: bool,
    at: UnixMs,
) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO im_inbox (user_id, sender_id, text, urgent, receipt, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        user.0,
        sender.0,
        text,
        urgent,
        receipt,
        if dropped { "deleted" } else { "unread" },
        at
    ])?;
    let id = c.last_insert_rowid();
    history(c, id, if dropped { "dropped" } else { "added" }, at)?;
    Ok(id)
}

pub fn history(c: &Connection, id: i64, what: &str, at: UnixMs) -> rusqlite::Result<()> {
    c.prepare_cached("INSERT INTO im_inbox_history (message_id, at, what) VALUES (?1, ?2, ?3)")?
        .execute(params![id, at, what])?;
    Ok(())
}

pub fn set_outbound(c: &Connection, id: i64, outbound: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE im_inbox SET outbound_id = ?2 WHERE id = ?1")?
        .execute(params![id, outbound])?;
    Ok(())
}

pub fn by_outbound(c: &Connection, outbound: i64) -> rusqlite::Result<Option<Stored>> {
    c.prepare_cached(&format!(
        "SELECT {COLS} FROM im_inbox WHERE outbound_id = ?1"
    ))?
    .query_row([outbound], row)
    .optional()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<Stored>> {
    c.prepare_cached(&format!("SELECT {COLS} FROM im_inbox WHERE id = ?1"))?
        .query_row([id], row)
        .optional()
}

/// The user's messages, newest first, before `before`, not deleted;
/// `unread` only unread ones.
pub fn list(
    c: &Connection,
    user: UserId,
    unread: bool,
    before: i64,
    limit: u32,
) -> rusqlite::Result<Vec<Stored>> {
    c.prepare_cached(&format!(
        "SELECT {COLS} FROM im_inbox WHERE user_id = ?1 AND id < ?2
           AND (state = 'unread' OR (?3 = 0 AND state = 'read'))
         ORDER BY id DESC LIMIT ?4"
    ))?
    .query_map(params![user.0, before, unread, limit], row)?
    .collect()
}

pub fn events(c: &Connection, id: i64) -> rusqlite::Result<Vec<(String, UnixMs)>> {
    c.prepare_cached("SELECT what, at FROM im_inbox_history WHERE message_id = ?1 ORDER BY rowid")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Marks the user's own message read or deleted; false when it is not
/// theirs, or already so.
pub fn set_state(
    c: &Connection,
    user: UserId,
    id: i64,
    state: &str,
    at: UnixMs,
) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE im_inbox SET state = ?3 WHERE id = ?1 AND user_id = ?2
               AND state != 'deleted' AND state != ?3",
        )?
        .execute(params![id, user.0, state])?;
    if n == 1 {
        history(c, id, state, at)?;
    }
    Ok(n == 1)
}
