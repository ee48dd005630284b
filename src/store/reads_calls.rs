//! Queries about modem lines: their calls, and what they sent today.

use super::columns::address_text;
use super::types::UnixMs;
use crate::model::calls::{CallDirection, CallOutcome, CallerKind};
use crate::model::ids;
use rusqlite::{Connection, params};
use serde::Serialize;
use switchboard_protocol::HandlerId;

#[derive(Debug, Serialize)]
pub struct CallView {
    /// As the API names it: `call-<row>`.
    pub id: String,
    /// The modem (handler) the call was on.
    pub route: HandlerId,
    pub call_id: String,
    pub direction: CallDirection,
    /// The caller's number; `None` when withheld or not given.
    pub caller: Option<String>,
    pub caller_type: CallerKind,
    /// The number of the line called (or calling), when known.
    pub line: Option<String>,
    pub started_at: UnixMs,
    pub answered_at: Option<UnixMs>,
    pub ended_at: Option<UnixMs>,
    /// Rings counted, when the line reported them (missed calls).
    pub rings: Option<u32>,
    /// Ringing or active until the call ends; then how it ended.
    pub outcome: CallOutcome,
    /// Why a call failed, when the line said.
    pub reason: Option<String>,
    /// An incoming call nobody answered (rejected ones count: the caller
    /// may have been sent to voicemail, and still wanted someone).
    pub missed: bool,
}

/// Calls with ids above `after`, oldest first.
pub fn list_calls(c: &Connection, after: i64, limit: u32) -> rusqlite::Result<Vec<CallView>> {
    c.prepare_cached(
        "SELECT id, handler, call_id, direction, caller_kind, caller, line, started_at,
                answered_at, ended_at, rings, outcome, reason
         FROM calls WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?
    .query_map(params![after, limit], |r| {
        let direction: CallDirection = r.get(3)?;
        let caller: Option<String> = r.get(5)?;
        let answered_at: Option<UnixMs> = r.get(8)?;
        let ended_at: Option<UnixMs> = r.get(9)?;
        let outcome: Option<CallOutcome> = r.get(11)?;
        let outcome = match (ended_at, answered_at) {
            (Some(_), _) => outcome.unwrap_or(CallOutcome::Failed),
            (None, Some(_)) => CallOutcome::Active,
            (None, None) => CallOutcome::Ringing,
        };
        let missed = direction == CallDirection::In
            && matches!(outcome, CallOutcome::Missed | CallOutcome::Rejected);
        Ok(CallView {
            id: ids::call(r.get(0)?),
            route: HandlerId(r.get(1)?),
            call_id: r.get(2)?,
            direction,
            caller: caller.map(|a| address_text(&a)),
            caller_type: r.get(4)?,
            line: r.get(6)?,
            started_at: r.get(7)?,
            answered_at,
            ended_at,
            rings: r.get(10)?,
            outcome,
            reason: r.get(12)?,
            missed,
        })
    })?
    .collect()
}

/// SMS parts each link sent on `day` (see [`super::day_of`]).
pub fn daily_sends(c: &Connection, day: i64) -> rusqlite::Result<Vec<(String, u64)>> {
    c.prepare_cached("SELECT handler, parts FROM daily_sends WHERE day = ?1")?
        .query_map([day], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// A call's line and the line's id for it, and whether it is still ringing
/// or connected (`None` once it ended).
pub fn call_target(c: &Connection, id: i64) -> rusqlite::Result<Option<(HandlerId, String, bool)>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached("SELECT handler, call_id, ended_at IS NULL FROM calls WHERE id = ?1")?
        .query_row([id], |r| Ok((HandlerId(r.get(0)?), r.get(1)?, r.get(2)?)))
        .optional()
}
