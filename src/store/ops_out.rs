//! Writes of the outbound lifecycle.

use super::columns::json;
use super::opt_out::{OPTED_OUT, opted_out};
use super::types::{Accepted, NewOutbound, Next, OutState, ReportApplied, UnixMs, day_of};
use super::writer_cache::{HookEvent, WriterCache, note_written_elsewhere};
use crate::model::sms::SmsPriority;
use crate::model::states::{ReportState, TryOutcome};
use rusqlite::{Connection, OptionalExtension, params};
use switchboard_protocol::{DlrState, HandlerId, MessageId, SubmittedPart};

/// Stores validated messages, queued, or ended at once when the recipient
/// opted out and the message honours that (its `message.status` webhook is
/// written in the same transaction, as every end's is). A repeated
/// idempotency key stores nothing and names the earlier message.
pub fn accept(
    c: &Connection,
    cache: &mut WriterCache,
    msgs: &[NewOutbound],
) -> rusqlite::Result<Vec<Accepted>> {
    let mut insert = c.prepare_cached(
        "INSERT INTO outbound (api_key_id, idempotency_key, to_number, from_addr, body, report,
             priority, valid_until, concat_ref, total_parts, state, reason, done_at,
             next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13, ?14, ?11, ?11)
         ON CONFLICT (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING",
    )?;
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        let ended = (m.honour_opt_out && opted_out(c, &m.to)?).then_some(OutState::Failed);
        let from = m.from.as_ref().map(json);
        let n = insert.execute(params![
            m.api_key_id,
            m.idempotency_key,
            m.to.as_str(),
            from,
            json(&m.body),
            m.report,
            SmsPriority::from(m.priority),
            m.valid_until,
            m.concat_ref,
            m.total_parts,
            m.created_at,
            ended.unwrap_or(OutState::Queued),
            ended.map(|_| OPTED_OUT),
            ended.map(|_| m.created_at),
        ])?;
        if n == 1 {
            let id = MessageId(c.last_insert_rowid());
            if let Some(state) = ended {
                status_hook(c, cache, id, state, Some(OPTED_OUT), m.created_at)?;
            }
            out.push(Accepted {
                id,
                duplicate: false,
                ended,
            });
        } else {
            let id = c
                .prepare_cached(
                    "SELECT id FROM outbound WHERE api_key_id = ?1 AND idempotency_key = ?2",
                )?
                .query_row(params![m.api_key_id, m.idempotency_key], |r| r.get(0))?;
            out.push(Accepted {
                id: MessageId(id),
                duplicate: true,
                ended: None,
            });
        }
    }
    Ok(out)
}

/// [`accept`] for another room's write (inside [`crate::store::Store::exec`]),
/// which holds no writer cache: the webhooks are read only when a message
/// ends at once, and the rows written are counted for the writer to wake
/// the webhook sender.
pub fn accept_outbound(c: &Connection, msgs: &[NewOutbound]) -> rusqlite::Result<Vec<Accepted>> {
    let mut cache = if msgs.iter().any(|m| m.honour_opt_out) {
        WriterCache::hooks_only(c)?
    } else {
        WriterCache::default()
    };
    let accepted = accept(c, &mut cache, msgs)?;
    note_written_elsewhere(cache.written);
    Ok(accepted)
}

/// How old a kept report may be and still be taken for the report of a
/// part recorded now. Reports overtake responses by seconds; a modem's
/// message references repeat after 256 parts, so an old report must not
/// be applied to a new part that happens to reuse its reference.
const EARLY_REPORT_MS: i64 = 10 * 60 * 1000;

/// Records accepted parts and applies any report that arrived before them
/// (some SMSCs send the report before the submit response). With
/// `count_daily` the parts also count towards the link's sends of the day
/// (SIM daily limits).
fn record_parts(
    c: &Connection,
    cache: &mut WriterCache,
    id: MessageId,
    handler: &str,
    parts: &[SubmittedPart],
    count_daily: bool,
    at: UnixMs,
) -> rusqlite::Result<Vec<ReportApplied>> {
    let mut insert = c.prepare_cached(
        "INSERT OR REPLACE INTO outbound_parts (message_id, seq, handler, network_id, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    if count_daily && !parts.is_empty() {
        c.prepare_cached(
            "INSERT INTO daily_sends (handler, day, parts) VALUES (?1, ?2, ?3)
             ON CONFLICT (handler, day) DO UPDATE SET parts = parts + excluded.parts",
        )?
        .execute(params![handler, day_of(at), parts.len()])?;
    }
    let mut early = Vec::new();
    for p in parts {
        insert.execute(params![id.0, p.seq, handler, p.network_id.0, at])?;
        if cache.orphan_reports == 0 {
            continue;
        }
        let orphan: Option<(i64, ReportState)> = c
            .prepare_cached(
                "SELECT id, state FROM orphan_reports
                 WHERE handler = ?1 AND network_id = ?2 AND at >= ?3
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(
                params![handler, p.network_id.0, at - EARLY_REPORT_MS],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((orphan_id, state)) = orphan {
            c.prepare_cached("DELETE FROM orphan_reports WHERE id = ?1")?
                .execute([orphan_id])?;
            cache.orphan_reports = cache.orphan_reports.saturating_sub(1);
            if let Some(applied) =
                report(c, cache, handler, &p.network_id.0, state.into(), None, at)?
            {
                early.push(applied);
            }
        }
    }
    Ok(early)
}

#[allow(clippy::too_many_arguments)]
pub fn submitted(
    c: &Connection,
    cache: &mut WriterCache,
    id: MessageId,
    attempt: u32,
    handler: &HandlerId,
    parts: &[SubmittedPart],
    complete: bool,
    count_daily: bool,
    at: UnixMs,
) -> rusqlite::Result<Vec<ReportApplied>> {
    let handler = handler.as_str();
    if complete {
        let n = c
            .prepare_cached(
                "UPDATE outbound SET state = 'submitted', submitted_at = ?2, route = ?3,
                     attempts = ?4, uncertain_since = NULL, reason = NULL, error_code = NULL
                 WHERE id = ?1 AND state IN ('queued', 'submitting')",
            )?
            .execute(params![id.0, at, handler, attempt])?;
        if n == 1 {
            status_hook(c, cache, id, OutState::Submitted, None, at)?;
        }
    }
    record_parts(c, cache, id, handler, parts, count_daily, at)
}

#[allow(clippy::too_many_arguments)]
pub fn try_failed(
    c: &Connection,
    cache: &mut WriterCache,
    id: MessageId,
    attempt: u32,
    handler: Option<&HandlerId>,
    outcome: TryOutcome,
    code: Option<u32>,
    reason: &str,
    parts: &[SubmittedPart],
    next: Next,
    count_daily: bool,
    at: UnixMs,
) -> rusqlite::Result<()> {
    let handler = handler.map(HandlerId::as_str);
    if let Some(h) = handler {
        record_parts(c, cache, id, h, parts, count_daily, at)?;
    }
    c.prepare_cached(
        "INSERT INTO outbound_attempts (message_id, attempt, at, handler, outcome, code, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id.0, attempt, at, handler, outcome, code, reason])?;
    match next {
        Next::Retry(when) => {
            c.prepare_cached(
                "UPDATE outbound SET state = 'queued', next_attempt_at = ?2, reason = ?3,
                     error_code = ?4, uncertain_since = NULL, attempts = ?5, route = coalesce(?6, route)
                 WHERE id = ?1 AND state IN ('queued', 'submitting')",
            )?
            .execute(params![id.0, when, reason, code, attempt, handler])?;
        }
        Next::Uncertain => {
            c.prepare_cached(
                "UPDATE outbound SET state = 'submitting', uncertain_since = ?2, reason = ?3,
                     attempts = ?4, route = coalesce(?5, route)
                 WHERE id = ?1 AND state IN ('queued', 'submitting')",
            )?
            .execute(params![id.0, at, reason, attempt, handler])?;
        }
        Next::Final(state) => {
            let n = c
                .prepare_cached(
                    "UPDATE outbound SET state = ?2, reason = ?3, error_code = ?4, done_at = ?5,
                         uncertain_since = NULL, attempts = max(attempts, ?6), route = coalesce(?7, route)
                     WHERE id = ?1 AND (state IN ('queued', 'submitting') OR state = 'submitted')",
                )?
                .execute(params![id.0, state, reason, code, at, attempt, handler])?;
            if n == 1 {
                status_hook(c, cache, id, state, Some(reason), at)?;
            }
        }
    }
    Ok(())
}

/// Applies a delivery report to its part and, when it decides the message,
/// to the message. An unknown id is kept as an orphan until its part shows
/// up (or forever, for the operator to see). Of several parts with the same
/// id on the link the newest is meant: a modem's message references wrap
/// at 256, so an id comes back.
pub fn report(
    c: &Connection,
    cache: &mut WriterCache,
    handler: &str,
    network_id: &str,
    state: DlrState,
    error: Option<&str>,
    at: UnixMs,
) -> rusqlite::Result<Option<ReportApplied>> {
    // Found first, then updated by its key: an UPDATE .. RETURNING, or one
    // with the lookup as a subquery, makes SQLite build temporary tables.
    let part: Option<(i64, u8)> = c
        .prepare_cached(
            "SELECT message_id, seq FROM outbound_parts
             WHERE handler = ?1 AND network_id = ?2
             ORDER BY submitted_at DESC, message_id DESC LIMIT 1",
        )?
        .query_row(params![handler, network_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((mid, seq)) = part {
        c.prepare_cached(
            "UPDATE outbound_parts SET dlr_state = ?3, dlr_error = ?4, dlr_at = ?5
             WHERE message_id = ?1 AND seq = ?2",
        )?
        .execute(params![mid, seq, ReportState::from(state), error, at])?;
    }
    let Some((mid, seq)) = part else {
        c.prepare_cached(
            "INSERT INTO orphan_reports (handler, network_id, state, at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![handler, network_id, ReportState::from(state), at])?;
        cache.orphan_reports += 1;
        return Ok(None);
    };
    let id = MessageId(mid);
    let finished = if !state.is_final() {
        None
    } else if state == DlrState::Delivered {
        // Most messages are one part: that report decides at once.
        let single = c
            .prepare_cached(
                "UPDATE outbound SET state = 'delivered', done_at = ?2, reason = NULL, uncertain_since = NULL
                 WHERE id = ?1 AND total_parts = 1 AND (state IN ('queued', 'submitting') OR state = 'submitted')",
            )?
            .execute(params![mid, at])?;
        if single == 1 {
            status_hook(c, cache, id, OutState::Delivered, None, at)?;
            return Ok(Some(ReportApplied {
                id,
                seq,
                finished: Some(OutState::Delivered),
            }));
        }
        let (total, delivered): (u32, u32) = c
            .prepare_cached(
                "SELECT o.total_parts,
                        (SELECT count(*) FROM outbound_parts p
                          WHERE p.message_id = o.id AND p.dlr_state = 'delivered')
                 FROM outbound o WHERE o.id = ?1",
            )?
            .query_row([mid], |r| Ok((r.get(0)?, r.get(1)?)))?;
        (delivered >= total).then_some(OutState::Delivered)
    } else if state == DlrState::Expired {
        Some(OutState::Expired)
    } else {
        Some(OutState::Failed)
    };
    if let Some(fin) = finished {
        let reason = (fin != OutState::Delivered).then(|| {
            let mut r = format!("delivery report: {}", ReportState::from(state));
            if let Some(e) = error {
                r.push_str(&format!(" (error {e})"));
            }
            r
        });
        let n = c
            .prepare_cached(
                "UPDATE outbound SET state = ?2, done_at = ?3, reason = ?4, uncertain_since = NULL
                 WHERE id = ?1 AND (state IN ('queued', 'submitting') OR state = 'submitted')",
            )?
            .execute(params![mid, fin, at, reason])?;
        if n == 1 {
            status_hook(c, cache, id, fin, reason.as_deref(), at)?;
            return Ok(Some(ReportApplied {
                id,
                seq,
                finished: Some(fin),
            }));
        }
    }
    Ok(Some(ReportApplied {
        id,
        seq,
        finished: None,
    }))
}

fn status_hook(
    c: &Connection,
    cache: &mut WriterCache,
    id: MessageId,
    state: OutState,
    reason: Option<&str>,
    at: UnixMs,
) -> rusqlite::Result<()> {
    cache.write(c, HookEvent::Status, at, || {
        serde_json::json!({
            "event": HookEvent::Status,
            "id": id.0.to_string(),
            "state": state,
            "reason": reason,
            "at": at,
        })
        .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Body, NetworkMessageId, PhoneNumber, Priority};

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        c
    }

    fn message(c: &Connection) -> MessageId {
        let m = NewOutbound {
            api_key_id: 1,
            idempotency_key: None,
            to: PhoneNumber::parse_e164("+491701234567").unwrap(),
            from: None,
            body: Body::Text { text: "hi".into() },
            report: true,
            priority: Priority::Normal,
            valid_until: i64::MAX,
            concat_ref: 1,
            total_parts: 1,
            created_at: 0,
            honour_opt_out: false,
        };
        accept(c, &mut WriterCache::default(), &[m]).unwrap()[0].id
    }

    fn part(id: &str) -> Vec<SubmittedPart> {
        vec![SubmittedPart {
            seq: 1,
            network_id: NetworkMessageId(id.into()),
        }]
    }

    #[test]
    fn a_modem_report_goes_to_the_newest_part_with_its_reference() {
        let c = db();
        let mut cache = WriterCache::default();
        let nid = "5@491701234567";
        let (a, b, d) = (message(&c), message(&c), message(&c));
        submitted(
            &c,
            &mut cache,
            a,
            1,
            &HandlerId::new("gsm0"),
            &part(nid),
            true,
            true,
            1_000,
        )
        .unwrap();
        // 256 parts later the modem's reference comes round again.
        submitted(
            &c,
            &mut cache,
            b,
            1,
            &HandlerId::new("gsm0"),
            &part(nid),
            true,
            true,
            50_000,
        )
        .unwrap();
        // The same id on another modem is another part.
        submitted(
            &c,
            &mut cache,
            d,
            1,
            &HandlerId::new("gsm1"),
            &part(nid),
            true,
            true,
            60_000,
        )
        .unwrap();
        let r = report(
            &c,
            &mut cache,
            "gsm0",
            nid,
            DlrState::Delivered,
            None,
            61_000,
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.id, b);
        // Within one millisecond the later message is the newer.
        let (e, f) = (message(&c), message(&c));
        submitted(
            &c,
            &mut cache,
            e,
            1,
            &HandlerId::new("gsm2"),
            &part(nid),
            true,
            true,
            70_000,
        )
        .unwrap();
        submitted(
            &c,
            &mut cache,
            f,
            1,
            &HandlerId::new("gsm2"),
            &part(nid),
            true,
            true,
            70_000,
        )
        .unwrap();
        let r = report(
            &c,
            &mut cache,
            "gsm2",
            nid,
            DlrState::Delivered,
            None,
            71_000,
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.id, f);
        let sent: i64 = c
            .query_row(
                "SELECT parts FROM daily_sends WHERE handler = 'gsm0' AND day = 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sent, 2);
    }

    #[test]
    fn an_old_kept_report_is_not_applied_to_a_new_part_reusing_its_id() {
        let c = db();
        let mut cache = WriterCache::default();
        let nid = "9@491701234567";
        assert_eq!(
            report(
                &c,
                &mut cache,
                "gsm0",
                nid,
                DlrState::Delivered,
                None,
                1_000
            )
            .unwrap(),
            None
        );
        let late = message(&c);
        let early = submitted(
            &c,
            &mut cache,
            late,
            1,
            &HandlerId::new("gsm0"),
            &part(nid),
            true,
            true,
            1_000 + EARLY_REPORT_MS + 1,
        )
        .unwrap();
        assert!(early.is_empty(), "{early:?}");
        // A report that just overtook its response is applied.
        let soon = message(&c);
        let nid2 = "10@491701234567";
        report(
            &c,
            &mut cache,
            "gsm0",
            nid2,
            DlrState::Delivered,
            None,
            900_000,
        )
        .unwrap();
        let early = submitted(
            &c,
            &mut cache,
            soon,
            1,
            &HandlerId::new("gsm0"),
            &part(nid2),
            true,
            true,
            900_500,
        )
        .unwrap();
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].finished, Some(OutState::Delivered));
    }

    fn to(phone: &str, honour_opt_out: bool) -> NewOutbound {
        NewOutbound {
            api_key_id: 1,
            idempotency_key: None,
            to: PhoneNumber::parse_e164(phone).unwrap(),
            from: None,
            body: Body::Text { text: "hi".into() },
            report: false,
            priority: Priority::Normal,
            valid_until: i64::MAX,
            concat_ref: 1,
            total_parts: 1,
            created_at: 5_000,
            honour_opt_out,
        }
    }

    fn stored(c: &Connection, id: MessageId) -> (OutState, Option<String>, Option<i64>) {
        c.query_row(
            "SELECT state, reason, done_at FROM outbound WHERE id = ?1",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    }

    fn hook_payloads(c: &Connection) -> Vec<serde_json::Value> {
        c.prepare("SELECT payload FROM webhook_deliveries ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn a_message_to_a_stopped_phone_is_stored_failed_with_its_webhook() {
        let c = db();
        c.execute_batch(
            "INSERT INTO webhooks (url, secret, events, created_at)
                 VALUES ('http://h', 's', 'status', 0);
             INSERT INTO im_phones (phone, stopped) VALUES ('+491700000001', 1),
                 ('+491700000002', 0);",
        )
        .unwrap();
        let mut cache = WriterCache::load(&c).unwrap();
        let msgs = [
            to("+491700000001", true),
            to("+491700000001", false),
            to("+491700000002", true),
            to("+491700000003", true),
        ];
        let a = accept(&c, &mut cache, &msgs).unwrap();
        let ended: Vec<_> = a.iter().map(|a| a.ended).collect();
        assert_eq!(ended, [Some(OutState::Failed), None, None, None]);
        assert_eq!(
            stored(&c, a[0].id),
            (OutState::Failed, Some(OPTED_OUT.into()), Some(5_000))
        );
        for q in &a[1..] {
            assert_eq!(stored(&c, q.id), (OutState::Queued, None, None));
        }
        let hooks = hook_payloads(&c);
        assert_eq!(hooks.len(), 1, "{hooks:?}");
        assert_eq!(hooks[0]["event"], "message.status");
        assert_eq!(hooks[0]["id"], a[0].id.0.to_string());
        assert_eq!(hooks[0]["state"], "failed");
        assert_eq!(hooks[0]["reason"], OPTED_OUT);
        // An ended message is not open: the dispatcher never loads it.
        let open: Vec<_> = crate::store::load_open(&c, 0, 10)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(open, [a[1].id, a[2].id, a[3].id]);
    }

    #[test]
    fn another_rooms_accept_writes_the_webhook_and_counts_it_for_the_wake() {
        let c = db();
        c.execute_batch(
            "INSERT INTO webhooks (url, secret, events, created_at)
                 VALUES ('http://h', 's', 'status,received', 0);
             INSERT INTO im_phones (phone, stopped) VALUES ('+491700000001', 1);",
        )
        .unwrap();
        crate::store::writer_cache::take_written_elsewhere();
        let a = accept_outbound(&c, &[to("+491700000001", true)]).unwrap();
        assert_eq!(a[0].ended, Some(OutState::Failed));
        assert_eq!(hook_payloads(&c).len(), 1);
        assert_eq!(crate::store::writer_cache::take_written_elsewhere(), 1);
        let a = accept_outbound(&c, &[to("+491700000001", false)]).unwrap();
        assert_eq!(a[0].ended, None);
        assert_eq!(crate::store::writer_cache::take_written_elsewhere(), 0);
    }
}
