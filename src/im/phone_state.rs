//! What the gateway remembers of a phone: STOP, the sticky reply, and when
//! each kind of automatic reply was last sent (at most one per hour).

use crate::im::directory::UserId;
use crate::store::UnixMs;
use rusqlite::{Connection, OptionalExtension, params};
use switchboard_protocol::PhoneNumber;

pub const AUTOREPLY_EVERY_MS: i64 = 3_600_000;

pub fn stopped(c: &Connection, phone: &PhoneNumber) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("SELECT stopped FROM im_phones WHERE phone = ?1")?
            .query_row([phone.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or(false),
    )
}

pub fn set_stopped(c: &Connection, phone: &PhoneNumber, on: bool) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO im_phones (phone, stopped) VALUES (?1, ?2)
         ON CONFLICT (phone) DO UPDATE SET stopped = excluded.stopped",
    )?
    .execute(params![phone.as_str(), on])?;
    Ok(())
}

/// The last IM ID that wrote to the phone, while the sticky reply lasts.
pub fn sticky(
    c: &Connection,
    phone: &PhoneNumber,
    now: UnixMs,
) -> rusqlite::Result<Option<(UserId, UnixMs)>> {
    let r: Option<(Option<i64>, Option<i64>)> = c
        .prepare_cached("SELECT sticky_user, sticky_until FROM im_phones WHERE phone = ?1")?
        .query_row([phone.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match r {
        Some((Some(u), Some(until))) if until > now => Some((UserId(u), until)),
        _ => None,
    })
}

pub fn set_sticky(
    c: &Connection,
    phone: &PhoneNumber,
    writer: UserId,
    until: UnixMs,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO im_phones (phone, sticky_user, sticky_until) VALUES (?1, ?2, ?3)
         ON CONFLICT (phone) DO UPDATE SET sticky_user = excluded.sticky_user,
             sticky_until = excluded.sticky_until",
    )?
    .execute(params![phone.as_str(), writer.0, until])?;
    Ok(())
}

/// Whether an automatic reply of this kind may go to the phone now; if so
/// it is recorded as sent.
pub fn take_autoreply(
    c: &Connection,
    phone: &PhoneNumber,
    kind: &str,
    now: UnixMs,
) -> rusqlite::Result<bool> {
    let last: Option<i64> = c
        .prepare_cached("SELECT sent_at FROM im_autoreplies WHERE phone = ?1 AND kind = ?2")?
        .query_row(params![phone.as_str(), kind], |r| r.get(0))
        .optional()?;
    if last.is_some_and(|t| now - t < AUTOREPLY_EVERY_MS) {
        return Ok(false);
    }
    c.prepare_cached(
        "INSERT OR REPLACE INTO im_autoreplies (phone, kind, sent_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![phone.as_str(), kind, now])?;
    Ok(true)
}
