//! Writes of calls on modem lines: a row when a call starts ringing (or is
//! first heard of), updated as it is answered and when it ends.
//!
//! A handler numbers its calls itself and starts again at 1 when it
//! restarts, so an event goes to the newest row with its handler and call
//! id, and only to a row young enough to be the same call; otherwise it
//! starts a row of its own rather than rewriting an old call.

use super::columns::json;
use super::types::{UnixMs, system_ms as ms};
use crate::model::calls::{CallDirection, CallOutcome, CallerKind};
use rusqlite::{Connection, OptionalExtension, params};
use switchboard_protocol::{
    CallEnd, CallId, CallProgress, Caller, HandlerId, MissedCall, PhoneNumber,
};

/// How far back an event may reach for its call: ringing lasts a minute or
/// two, a connected call rarely a day.
const SAME_CALL_MS: i64 = 24 * 3600 * 1000;

/// A new incoming call. A row still open under the same id is a call whose
/// end never came (the line restarted); it is closed as failed first.
pub fn incoming(
    c: &Connection,
    handler: &HandlerId,
    call: CallId,
    caller: &Caller,
    line: Option<&PhoneNumber>,
    at: UnixMs,
) -> rusqlite::Result<i64> {
    let handler = handler.as_str();
    c.prepare_cached(
        "UPDATE calls SET ended_at = ?3, outcome = ?4,
             reason = 'the line reported a new call under this id before this one ended'
         WHERE handler = ?1 AND call_id = ?2 AND ended_at IS NULL",
    )?
    .execute(params![handler, call.to_string(), at, CallOutcome::Failed])?;
    let (kind, number) = caller_columns(caller);
    c.prepare_cached(
        "INSERT INTO calls (handler, call_id, direction, caller_kind, caller, line, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        handler,
        call.to_string(),
        CallDirection::from(call),
        kind,
        number,
        line.map(PhoneNumber::as_str),
        at
    ])?;
    Ok(c.last_insert_rowid())
}

/// An incoming call rang out (or was refused): the line's whole account of
/// it, which wins over what the row said so far.
pub fn missed(c: &Connection, handler: &HandlerId, m: &MissedCall) -> rusqlite::Result<i64> {
    let handler = handler.as_str();
    let started = ms(m.started_at);
    let ended = ms(m.ended_at);
    let (kind, number) = caller_columns(&m.caller);
    let outcome = if m.rejected {
        CallOutcome::Rejected
    } else {
        CallOutcome::Missed
    };
    let row = find(c, handler, m.call, started.min(ended) - SAME_CALL_MS, false)?;
    let line = m.line.as_ref().map(PhoneNumber::as_str);
    match row {
        Some(id) => {
            c.prepare_cached(
                "UPDATE calls SET caller_kind = ?2, caller = ?3, line = coalesce(?4, line),
                     started_at = min(started_at, ?5), ended_at = ?6, rings = ?7,
                     outcome = ?8, reason = NULL, answered_at = NULL
                 WHERE id = ?1",
            )?
            .execute(params![
                id, kind, number, line, started, ended, m.rings, outcome
            ])?;
            Ok(id)
        }
        None => {
            c.prepare_cached(
                "INSERT INTO calls (handler, call_id, direction, caller_kind, caller, line,
                     started_at, ended_at, rings, outcome)
                 VALUES (?1, ?2, ?10, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                handler,
                m.call.to_string(),
                kind,
                number,
                line,
                started,
                ended,
                m.rings,
                outcome,
                CallDirection::In
            ])?;
            Ok(c.last_insert_rowid())
        }
    }
}

/// A call changed state. Answering records the time; the end records how
/// it ended, unless the row already has its end (a missed-call report came
/// first, with more detail).
pub fn progress(
    c: &Connection,
    handler: &HandlerId,
    call: CallId,
    progress: &CallProgress,
    at: UnixMs,
) -> rusqlite::Result<Option<i64>> {
    let handler = handler.as_str();
    let open = find(c, handler, call, at - SAME_CALL_MS, true)?;
    let id = match (open, progress) {
        (Some(id), _) => id,
        // The end of a call whose row is already closed (by CallMissed):
        // nothing to add.
        (None, CallProgress::Ended { .. })
            if find(c, handler, call, at - SAME_CALL_MS, false)?.is_some() =>
        {
            return Ok(None);
        }
        (None, _) => {
            // First heard of here: a placed call, or an incoming one whose
            // ring event was not seen.
            let kind = match call {
                CallId::Placed(_) => CallerKind::Line,
                CallId::Incoming(_) => CallerKind::Unavailable,
            };
            c.prepare_cached(
                "INSERT INTO calls (handler, call_id, direction, caller_kind, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                handler,
                call.to_string(),
                CallDirection::from(call),
                kind,
                at
            ])?;
            c.last_insert_rowid()
        }
    };
    match progress {
        CallProgress::Active => {
            c.prepare_cached(
                "UPDATE calls SET answered_at = coalesce(answered_at, ?2), outcome = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id, at, CallOutcome::Answered])?;
        }
        CallProgress::Ended { end } => {
            let (outcome, reason) = end_outcome(end);
            c.prepare_cached(
                "UPDATE calls SET ended_at = ?2,
                     outcome = CASE WHEN answered_at IS NOT NULL THEN ?5 ELSE ?3 END,
                     reason = ?4
                 WHERE id = ?1",
            )?
            .execute(params![id, at, outcome, reason, CallOutcome::Answered])?;
        }
        // Dialling, alerting, held, joined: the row stays open as it is.
        _ => {}
    }
    Ok(Some(id))
}

/// The newest row of this call started after `since` (open ones only with
/// `open_only`).
fn find(
    c: &Connection,
    handler: &str,
    call: CallId,
    since: UnixMs,
    open_only: bool,
) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(
        "SELECT id FROM calls
         WHERE handler = ?1 AND call_id = ?2 AND started_at >= ?3
           AND (?4 = 0 OR ended_at IS NULL)
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![handler, call.to_string(), since, open_only], |r| {
        r.get(0)
    })
    .optional()
}

fn end_outcome(end: &CallEnd) -> (CallOutcome, Option<String>) {
    match end {
        CallEnd::Completed => (CallOutcome::Answered, None),
        CallEnd::Busy => (CallOutcome::Busy, None),
        CallEnd::NoAnswer => (CallOutcome::NoAnswer, None),
        CallEnd::Missed => (CallOutcome::Missed, None),
        CallEnd::Rejected => (CallOutcome::Rejected, None),
        CallEnd::Failed { reason } => (CallOutcome::Failed, Some(reason.clone())),
        // A kind of end this build does not know: keep the line's words.
        other => (CallOutcome::Failed, Some(format!("{other:?}"))),
    }
}

fn caller_columns(caller: &Caller) -> (CallerKind, Option<String>) {
    let number = match caller {
        Caller::Number(a) => Some(json(a)),
        Caller::Withheld | Caller::Unavailable => None,
    };
    (CallerKind::from(caller), number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reads_calls::list_calls;
    use std::time::{Duration, UNIX_EPOCH};
    use switchboard_protocol::Address;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        c
    }

    fn caller() -> Caller {
        Caller::Number(Address::International(
            PhoneNumber::parse_e164("+491701234567").unwrap(),
        ))
    }

    fn line() -> PhoneNumber {
        PhoneNumber::parse_e164("+491609999999").unwrap()
    }

    fn at(ms: i64) -> std::time::SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    }

    #[test]
    fn a_call_that_rings_out_is_listed_missed_with_caller_and_rings() {
        let c = db();
        let call = CallId::Incoming(1);
        incoming(
            &c,
            &HandlerId::new("gsm0"),
            call,
            &caller(),
            Some(&line()),
            1_000,
        )
        .unwrap();
        assert_eq!(
            list_calls(&c, 0, 10).unwrap()[0].outcome,
            CallOutcome::Ringing
        );
        let m = MissedCall {
            call,
            caller: caller(),
            line: Some(line()),
            rings: 4,
            started_at: at(1_000),
            ended_at: at(13_000),
            rejected: false,
        };
        missed(&c, &HandlerId::new("gsm0"), &m).unwrap();
        // The line's own end event after the missed call adds nothing.
        let end = CallProgress::Ended {
            end: CallEnd::Missed,
        };
        assert_eq!(
            progress(&c, &HandlerId::new("gsm0"), call, &end, 13_100).unwrap(),
            None
        );
        let list = list_calls(&c, 0, 10).unwrap();
        assert_eq!(list.len(), 1);
        let v = &list[0];
        assert_eq!(v.outcome, CallOutcome::Missed);
        assert!(v.missed);
        assert_eq!(v.rings, Some(4));
        assert_eq!(v.caller.as_deref(), Some("+491701234567"));
        assert_eq!(v.caller_type, CallerKind::Number);
        assert_eq!(v.line.as_deref(), Some("+491609999999"));
        assert_eq!((v.started_at, v.ended_at), (1_000, Some(13_000)));
    }

    #[test]
    fn an_answered_call_is_not_missed() {
        let c = db();
        let call = CallId::Incoming(7);
        incoming(
            &c,
            &HandlerId::new("gsm0"),
            call,
            &Caller::Withheld,
            None,
            1_000,
        )
        .unwrap();
        progress(
            &c,
            &HandlerId::new("gsm0"),
            call,
            &CallProgress::Active,
            3_000,
        )
        .unwrap();
        assert_eq!(
            list_calls(&c, 0, 10).unwrap()[0].outcome,
            CallOutcome::Active
        );
        let end = CallProgress::Ended {
            end: CallEnd::Completed,
        };
        progress(&c, &HandlerId::new("gsm0"), call, &end, 9_000).unwrap();
        let v = &list_calls(&c, 0, 10).unwrap()[0];
        assert_eq!(v.outcome, CallOutcome::Answered);
        assert!(!v.missed);
        assert_eq!(v.caller, None);
        assert_eq!(v.caller_type, CallerKind::Withheld);
        assert_eq!((v.answered_at, v.ended_at), (Some(3_000), Some(9_000)));
    }

    #[test]
    fn a_reused_call_id_starts_a_new_row() {
        let c = db();
        let call = CallId::Incoming(1);
        incoming(&c, &HandlerId::new("gsm0"), call, &caller(), None, 1_000).unwrap();
        // The handler restarted and numbers from 1 again.
        incoming(
            &c,
            &HandlerId::new("gsm0"),
            call,
            &Caller::Unavailable,
            None,
            5_000,
        )
        .unwrap();
        let rejected = MissedCall {
            call,
            caller: Caller::Unavailable,
            line: None,
            rings: 2,
            started_at: at(5_000),
            ended_at: at(8_000),
            rejected: true,
        };
        missed(&c, &HandlerId::new("gsm0"), &rejected).unwrap();
        let list = list_calls(&c, 0, 10).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].outcome, CallOutcome::Failed);
        assert_eq!(list[1].outcome, CallOutcome::Rejected);
        assert!(list[1].missed);
        // A call on another line with the same id is another call.
        let end = CallProgress::Ended { end: CallEnd::Busy };
        progress(&c, &HandlerId::new("gsm1"), CallId::Placed(1), &end, 9_000).unwrap();
        let list = list_calls(&c, 0, 10).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            (list[2].direction, list[2].outcome),
            (CallDirection::Out, CallOutcome::Busy)
        );
        assert_eq!(list_calls(&c, 2, 10).unwrap().len(), 1);
    }
}
