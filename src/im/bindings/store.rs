//! Bindings and pending codes in the store.

use super::codes::{self, Pending, SendRefused, Sends, Verdict};
use crate::im::directory::UserId;
use crate::store::UnixMs;
use rusqlite::{Connection, OptionalExtension, params};
use switchboard_protocol::PhoneNumber;

pub fn phone_of(c: &Connection, user: UserId) -> rusqlite::Result<Option<PhoneNumber>> {
    let p: Option<String> = c
        .prepare_cached("SELECT phone FROM im_bindings WHERE user_id = ?1")?
        .query_row([user.0], |r| r.get(0))
        .optional()?;
    Ok(p.and_then(|p| PhoneNumber::parse_e164(&p).ok()))
}

pub fn user_of(c: &Connection, phone: &PhoneNumber) -> rusqlite::Result<Option<UserId>> {
    c.prepare_cached("SELECT user_id FROM im_bindings WHERE phone = ?1")?
        .query_row([phone.as_str()], |r| Ok(UserId(r.get(0)?)))
        .optional()
}

/// Binds at once (a phone-only user, made for this phone).
pub fn bind(c: &Connection, user: UserId, phone: &PhoneNumber, at: UnixMs) -> rusqlite::Result<()> {
    c.prepare_cached("INSERT INTO im_bindings (phone, user_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![phone.as_str(), user.0, at])?;
    Ok(())
}

pub fn unbind(c: &Connection, user: UserId) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM im_bindings WHERE user_id = ?1", [user.0])? == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    /// The number is bound to another user.
    Taken,
    Send(SendRefused),
}

/// Records a new pending code for `user` and `phone` if the number may be
/// sent one now (replacing the user's earlier code).
pub fn start(
    c: &Connection,
    user: UserId,
    phone: &PhoneNumber,
    code: &str,
    now: UnixMs,
    cap: u32,
) -> rusqlite::Result<Result<(), StartRefused>> {
    if let Some(owner) = user_of(c, phone)?
        && owner != user
        && !is_phone_only(c, owner)?
    {
        return Ok(Err(StartRefused::Taken));
    }
    let before: Option<Sends> = c
        .prepare_cached("SELECT day, sent_today, last_sent_at FROM im_code_sends WHERE phone = ?1")?
        .query_row([phone.as_str()], |r| {
            Ok(Sends {
                day: r.get(0)?,
                sent_today: r.get(1)?,
                last_sent_at: r.get(2)?,
            })
        })
        .optional()?;
    let sends = match codes::may_send(before, now, cap) {
        Ok(s) => s,
        Err(e) => return Ok(Err(StartRefused::Send(e))),
    };
    c.prepare_cached(
        "INSERT OR REPLACE INTO im_code_sends (phone, day, sent_today, last_sent_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        phone.as_str(),
        sends.day,
        sends.sent_today,
        sends.last_sent_at
    ])?;
    c.prepare_cached(
        "INSERT OR REPLACE INTO im_codes (user_id, phone, code_hash, expires_at, tries)
         VALUES (?1, ?2, ?3, ?4, 0)",
    )?
    .execute(params![
        user.0,
        phone.as_str(),
        codes::hash(code),
        now + codes::LIFE_MS
    ])?;
    Ok(Ok(()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    Bound(PhoneNumber),
    NoCode,
    Taken,
    Refused(Verdict),
}

/// Checks a code; binds on the right one (the user's earlier binding and a
/// phone-only user's binding of the number give way).
pub fn confirm(
    c: &Connection,
    user: UserId,
    given: &str,
    now: UnixMs,
) -> rusqlite::Result<Confirmed> {
    let row: Option<(String, Vec<u8>, i64, u32)> = c
        .prepare_cached(
            "SELECT phone, code_hash, expires_at, tries FROM im_codes WHERE user_id = ?1",
        )?
        .query_row([user.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((phone, code_hash, expires_at, tries)) = row else {
        return Ok(Confirmed::NoCode);
    };
    let pending = Pending {
        code_hash,
        expires_at,
        tries,
    };
    match codes::check(&pending, given, now) {
        Verdict::Right => {}
        Verdict::Wrong { tries_left } => {
            c.execute(
                "UPDATE im_codes SET tries = tries + 1 WHERE user_id = ?1",
                [user.0],
            )?;
            return Ok(Confirmed::Refused(Verdict::Wrong { tries_left }));
        }
        v => {
            c.execute("DELETE FROM im_codes WHERE user_id = ?1", [user.0])?;
            return Ok(Confirmed::Refused(v));
        }
    }
    c.execute("DELETE FROM im_codes WHERE user_id = ?1", [user.0])?;
    let Ok(number) = PhoneNumber::parse_e164(&phone) else {
        return Ok(Confirmed::NoCode);
    };
    if let Some(owner) = user_of(c, &number)? {
        if owner == user {
            return Ok(Confirmed::Bound(number));
        }
        if !is_phone_only(c, owner)? {
            return Ok(Confirmed::Taken);
        }
        // The phone's own phone-only ID gives the number up; its name
        // stays taken so nobody else is mistaken for it.
        unbind(c, owner)?;
        c.execute("UPDATE im_users SET disabled = 1 WHERE id = ?1", [owner.0])?;
    }
    unbind(c, user)?;
    bind(c, user, &number, now)?;
    Ok(Confirmed::Bound(number))
}

fn is_phone_only(c: &Connection, user: UserId) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT phone_only FROM im_users WHERE id = ?1")?
        .query_row([user.0], |r| r.get(0))
        .optional()
        .map(|v| v.unwrap_or(false))
}
