//! Contact matching: which of these numbers belong to users who allow
//! being found. Numbers are read with the default region; a user may check
//! a number of them per day, and past the quota every request gets the
//! same refusal whatever it holds.

use crate::im::clock::day_of;
use crate::im::directory::{ImId, UserId};
use crate::store::UnixMs;
use rusqlite::{Connection, OptionalExtension, params};

/// Most numbers in one request.
pub const MAX_NUMBERS: usize = 1000;

/// Takes `n` from the user's quota for the day of `now`; false (and
/// nothing taken) when it would go past `quota`.
pub fn take_quota(
    c: &Connection,
    user: UserId,
    n: u32,
    quota: u32,
    now: UnixMs,
) -> rusqlite::Result<bool> {
    let day = day_of(now);
    let used: u32 = c
        .prepare_cached("SELECT used FROM im_match_quota WHERE user_id = ?1 AND day = ?2")?
        .query_row(params![user.0, day], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if used.saturating_add(n) > quota {
        return Ok(false);
    }
    c.prepare_cached(
        "INSERT INTO im_match_quota (user_id, day, used) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, day) DO UPDATE SET used = excluded.used",
    )?
    .execute(params![user.0, day, used + n])?;
    c.prepare_cached("DELETE FROM im_match_quota WHERE user_id = ?1 AND day < ?2")?
        .execute(params![user.0, day])?;
    Ok(true)
}

/// For each E.164 number (by position), the IM ID of the discoverable,
/// enabled user it is bound to; the asking user is never in the answer.
pub fn lookup(
    c: &Connection,
    asking: UserId,
    numbers: &[(usize, String)],
) -> rusqlite::Result<Vec<(usize, ImId)>> {
    let mut out = Vec::new();
    let mut q = c.prepare_cached(
        "SELECT u.name FROM im_bindings b JOIN im_users u ON u.id = b.user_id
         WHERE b.phone = ?1 AND u.discoverable = 1 AND u.disabled = 0 AND u.id != ?2",
    )?;
    for (i, n) in numbers {
        if let Some(name) = q
            .query_row(params![n, asking.0], |r| r.get::<_, String>(0))
            .optional()?
        {
            out.push((*i, ImId::from_stored(name)));
        }
    }
    Ok(out)
}
