//! Writes of received SMS: single messages, parts, and reassembly. Parts
//! are stored before they are acknowledged and joined in the transaction
//! that stores the last one, so a long message is stored exactly once
//! whatever order its parts come in and whatever is resent.

use super::columns::{address_text, json};
use super::types::UnixMs;
use super::writer_cache::{HookEvent, WriterCache};
use crate::model::ids;
use crate::model::sms::SmsCoding;
use rusqlite::{Connection, params};
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{HandlerId, InboundSms, MessageId, PartBody};

/// How long joined parts are kept to recognise a part sent again. A
/// network resends an unacknowledged part within minutes; a phone reuses a
/// concatenation reference after 256 long messages, which may also be soon,
/// so a part counts as resent only if it is identical and this recent.
const KEEP_JOINED_MS: i64 = 15 * 60 * 1000;

pub fn inbound(
    c: &Connection,
    outbox: &mut WriterCache,
    handler: &HandlerId,
    sms: &InboundSms,
    at: UnixMs,
) -> rusqlite::Result<Option<MessageId>> {
    let handler = handler.as_str();
    let from = json(&sms.from);
    let to = json(&sms.to);
    let Some(concat) = sms.concat.filter(|c| c.total > 1) else {
        let text = text::decode(sms.body.coding, &sms.body.data);
        let id = insert_message(
            c,
            outbox,
            handler,
            &from,
            &to,
            &text,
            sms.body.coding,
            1,
            true,
            at,
        )?;
        return Ok(Some(id));
    };
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO inbound_parts
             (handler, from_addr, to_addr, ref, total, seq, coding, data, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let row = params![
        handler,
        from,
        to,
        concat.reference,
        concat.total,
        concat.seq,
        SmsCoding::from(sms.body.coding),
        sms.body.data,
        at
    ];
    if insert.execute(row)? == 0 {
        let (joined, data, when): (Option<i64>, Vec<u8>, i64) = c
            .prepare_cached(
                "SELECT message_id, data, received_at FROM inbound_parts
                 WHERE from_addr = ?1 AND to_addr = ?2 AND ref = ?3 AND total = ?4 AND seq = ?5",
            )?
            .query_row(
                params![from, to, concat.reference, concat.total, concat.seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
        let resent = data == sms.body.data && at - when < KEEP_JOINED_MS;
        if joined.is_none() || resent {
            // The same part again (the network did not see our ack), or a
            // clashing part of a message still being collected: keep the first.
            return Ok(None);
        }
        // A new message reusing the reference of one already joined.
        c.prepare_cached(
            "DELETE FROM inbound_parts
             WHERE from_addr = ?1 AND to_addr = ?2 AND ref = ?3 AND total = ?4
               AND message_id IS NOT NULL",
        )?
        .execute(params![from, to, concat.reference, concat.total])?;
        insert.execute(row)?;
    }
    let parts = pending_parts(c, &from, &to, concat.reference, concat.total)?;
    if parts.len() < concat.total as usize {
        return Ok(None);
    }
    let (text, coding) = join(&parts);
    let id = insert_message(
        c,
        outbox,
        handler,
        &from,
        &to,
        &text,
        coding,
        concat.total,
        true,
        at,
    )?;
    c.prepare_cached(
        "UPDATE inbound_parts SET message_id = ?5
         WHERE from_addr = ?1 AND to_addr = ?2 AND ref = ?3 AND total = ?4 AND message_id IS NULL",
    )?
    .execute(params![from, to, concat.reference, concat.total, id.0])?;
    Ok(Some(id))
}

/// Stores what arrived of long messages whose other parts did not come in
/// time, marking the gaps, and forgets joined parts past their keep time.
pub fn flush_parts(
    c: &Connection,
    outbox: &mut WriterCache,
    older_than: UnixMs,
    at: UnixMs,
) -> rusqlite::Result<Vec<MessageId>> {
    c.prepare_cached(
        "DELETE FROM inbound_parts WHERE message_id IS NOT NULL AND received_at < ?1",
    )?
    .execute([at - KEEP_JOINED_MS])?;
    let groups: Vec<(String, String, String, u16, u8)> = c
        .prepare_cached(
            "SELECT handler, from_addr, to_addr, ref, total FROM inbound_parts
             WHERE message_id IS NULL
             GROUP BY from_addr, to_addr, ref, total HAVING min(received_at) < ?1",
        )?
        .query_map([older_than], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut ids = Vec::new();
    for (handler, from, to, reference, total) in groups {
        let parts = pending_parts(c, &from, &to, reference, total)?;
        let (text, coding) = join_with_gaps(&parts, total);
        let id = insert_message(
            c, outbox, &handler, &from, &to, &text, coding, total, false, at,
        )?;
        c.prepare_cached(
            "UPDATE inbound_parts SET message_id = ?5
             WHERE from_addr = ?1 AND to_addr = ?2 AND ref = ?3 AND total = ?4 AND message_id IS NULL",
        )?
        .execute(params![from, to, reference, total, id.0])?;
        ids.push(id);
    }
    Ok(ids)
}

fn pending_parts(
    c: &Connection,
    from: &str,
    to: &str,
    reference: u16,
    total: u8,
) -> rusqlite::Result<Vec<(u8, PartBody)>> {
    c.prepare_cached(
        "SELECT seq, coding, data FROM inbound_parts
         WHERE from_addr = ?1 AND to_addr = ?2 AND ref = ?3 AND total = ?4 AND message_id IS NULL
         ORDER BY seq",
    )?
    .query_map(params![from, to, reference, total], |r| {
        Ok((
            r.get(0)?,
            PartBody {
                coding: r.get::<_, SmsCoding>(1)?.into(),
                data: r.get(2)?,
            },
        ))
    })?
    .collect()
}

/// Joins complete parts. Parts of mixed coding (rare, but networks do it)
/// are decoded one by one instead of as one stream.
fn join(parts: &[(u8, PartBody)]) -> (String, Coding) {
    let coding = parts.first().map(|p| p.1.coding).unwrap_or(Coding::Gsm7);
    match text::reassemble(parts) {
        Ok(t) => (t, coding),
        Err(_) => (
            parts
                .iter()
                .map(|(_, b)| text::decode(b.coding, &b.data))
                .collect(),
            coding,
        ),
    }
}

/// Joins the parts there are, with `[…]` where parts are missing.
fn join_with_gaps(parts: &[(u8, PartBody)], total: u8) -> (String, Coding) {
    let coding = parts.first().map(|p| p.1.coding).unwrap_or(Coding::Gsm7);
    let mut text = String::new();
    let mut run: Vec<(u8, PartBody)> = Vec::new();
    for seq in 1..=total {
        match parts.iter().find(|(s, _)| *s == seq) {
            Some(p) => run.push(p.clone()),
            None => {
                text.push_str(&join(&run).0);
                run.clear();
                text.push_str("[…]");
            }
        }
    }
    text.push_str(&join(&run).0);
    (text, coding)
}

#[allow(clippy::too_many_arguments)]
fn insert_message(
    c: &Connection,
    outbox: &mut WriterCache,
    handler: &str,
    from: &str,
    to: &str,
    text: &str,
    coding: Coding,
    parts: u8,
    complete: bool,
    at: UnixMs,
) -> rusqlite::Result<MessageId> {
    c.prepare_cached(
        "INSERT INTO inbound (handler, from_addr, to_addr, text, coding, parts, complete, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![handler, from, to, text, SmsCoding::from(coding), parts, complete, at])?;
    let id = MessageId(c.last_insert_rowid());
    outbox.write(c, HookEvent::Received, at, || {
        serde_json::json!({
            "event": HookEvent::Received,
            // The id the API shows received messages under (GET
            // /api/v1/messages/in-N); a bare N would name an outbound one.
            "id": ids::inbound(id.0),
            "from": address_text(from),
            "to": address_text(to),
            "text": text,
            "parts": parts,
            "complete": complete,
            "received_at": at,
        })
        .to_string()
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Address, Concat, PhoneNumber};

    fn part(seq: u8, coding: Coding, data: &[u8]) -> InboundSms {
        let number = |n| Address::International(PhoneNumber::parse_e164(n).unwrap());
        InboundSms {
            from: number("+491701234567"),
            to: number("+491609999999"),
            body: PartBody {
                coding,
                data: data.to_vec(),
            },
            concat: Some(Concat {
                reference: 7,
                total: 2,
                seq,
            }),
            received_at: std::time::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_long_message_is_joined_and_an_unknown_stored_coding_is_an_error() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        let mut cache = WriterCache::default();
        let h = HandlerId::new("smsc");
        let (hi, there) = (
            part(1, Coding::Ucs2, &[0, b'h', 0, b'i']),
            part(2, Coding::Ucs2, &[0, b'!']),
        );
        assert_eq!(inbound(&c, &mut cache, &h, &hi, 1).unwrap(), None);
        let id = inbound(&c, &mut cache, &h, &there, 2).unwrap().unwrap();
        let (text, coding): (String, SmsCoding) = c
            .query_row(
                "SELECT text, coding FROM inbound WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((text.as_str(), coding), ("hi!", SmsCoding::Ucs2));
        // A part stored under a coding this build does not know is not
        // read as GSM-7 (it used to be): joining it fails loudly.
        let mut next = part(1, Coding::Gsm7, b"ab");
        next.concat = Some(Concat {
            reference: 8,
            total: 2,
            seq: 1,
        });
        inbound(&c, &mut cache, &h, &next, 3).unwrap();
        c.execute("UPDATE inbound_parts SET coding = 'utf8' WHERE ref = 8", [])
            .unwrap();
        next.concat = Some(Concat {
            reference: 8,
            total: 2,
            seq: 2,
        });
        let e = inbound(&c, &mut cache, &h, &next, 4).unwrap_err();
        assert!(e.to_string().contains("'utf8' is not a SmsCoding"), "{e}");
    }
}
