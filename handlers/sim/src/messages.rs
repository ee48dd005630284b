//! Accepted submits joined back into whole messages, as the handset at the
//! other end would show them.

use crate::records::SubmitRecord;
use crate::submit::{coding_of, split_udh};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use switchboard_protocol::PartBody;
use switchboard_protocol::text;

/// One message as its recipient would see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedMessage {
    pub source_addr: String,
    pub dest_addr: String,
    /// The whole text; for an incomplete message the parts that arrived.
    pub text: String,
    /// Message ids of the parts, in part order (the first accepted copy of
    /// each part).
    pub part_ids: Vec<String>,
    /// Concatenation reference, for multipart messages.
    pub concat_ref: Option<u16>,
    pub parts_expected: u8,
    pub parts_received: u8,
    pub complete: bool,
    /// Parts accepted more than once (resent by the ESME) and not counted
    /// again.
    pub duplicates: usize,
}

type Key = (String, String, u16, u8);

struct Group {
    source_addr: String,
    dest_addr: String,
    /// (reference, total) for a multipart message.
    concat: Option<(u16, u8)>,
    parts: BTreeMap<u8, (PartBody, String)>,
    duplicates: usize,
}

/// The concatenation a record declares: its UDH, else its SAR TLVs.
fn concat_of(r: &SubmitRecord) -> Option<(u16, u8, u8)> {
    r.udh_concat
        .map(|c| (c.reference, c.total, c.seq))
        .or(r.sar)
        .filter(|&(_, total, seq)| total > 1 && seq >= 1 && seq <= total)
}

fn body_of(r: &SubmitRecord) -> PartBody {
    let ud = r.message_payload.as_deref().unwrap_or(&r.short_message);
    let (_, body) = split_udh(r.esm_class, ud);
    PartBody {
        coding: coding_of(r.data_coding),
        data: body.to_vec(),
    }
}

pub(crate) fn reassemble(accepted: &[SubmitRecord]) -> Vec<ReceivedMessage> {
    let mut groups: Vec<Group> = Vec::new();
    // The latest group for each key: a reference reused for a new message
    // (8-bit references wrap) starts a new group when a part conflicts.
    let mut latest: HashMap<Key, usize> = HashMap::new();
    for r in accepted {
        let Some(id) = r.message_id.clone() else {
            continue;
        };
        let body = body_of(r);
        let Some((reference, total, seq)) = concat_of(r) else {
            groups.push(Group {
                source_addr: r.source_addr.clone(),
                dest_addr: r.dest_addr.clone(),
                concat: None,
                parts: BTreeMap::from([(1, (body, id))]),
                duplicates: 0,
            });
            continue;
        };
        let key = (r.source_addr.clone(), r.dest_addr.clone(), reference, total);
        let existing = latest.get(&key).copied();
        let target = match existing {
            Some(g) => match groups[g].parts.get(&seq) {
                Some((prev, _)) if *prev == body => {
                    groups[g].duplicates += 1;
                    continue;
                }
                Some(_) => None,
                None => Some(g),
            },
            None => None,
        };
        let g = target.unwrap_or_else(|| {
            groups.push(Group {
                source_addr: r.source_addr.clone(),
                dest_addr: r.dest_addr.clone(),
                concat: Some((reference, total)),
                parts: BTreeMap::new(),
                duplicates: 0,
            });
            latest.insert(key, groups.len() - 1);
            groups.len() - 1
        });
        groups[g].parts.insert(seq, (body, id));
    }
    groups.into_iter().filter_map(finish).collect()
}

fn finish(g: Group) -> Option<ReceivedMessage> {
    if g.parts.is_empty() {
        return None;
    }
    let (concat_ref, expected) = match g.concat {
        Some((r, t)) => (Some(r), t),
        None => (None, 1),
    };
    let parts: Vec<(u8, PartBody)> = g
        .parts
        .iter()
        .map(|(seq, (b, _))| (*seq, b.clone()))
        .collect();
    let text = text::reassemble(&parts).unwrap_or_else(|_| {
        parts
            .iter()
            .map(|(_, b)| text::decode(b.coding, &b.data))
            .collect()
    });
    let received = g.parts.len() as u8;
    Some(ReceivedMessage {
        source_addr: g.source_addr,
        dest_addr: g.dest_addr,
        text,
        part_ids: g.parts.into_values().map(|(_, id)| id).collect(),
        concat_ref,
        parts_expected: expected,
        parts_received: received,
        complete: received == expected,
        duplicates: g.duplicates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
    use switchboard_protocol::Concat;

    fn part(id: &str, reference: u16, total: u8, seq: u8, text: &str) -> SubmitRecord {
        let mut ud = text::concat_udh(reference, total, seq);
        ud.extend_from_slice(text.as_bytes());
        SubmitRecord {
            seq: 1,
            session: 1,
            received_at: Instant::now(),
            system_id: "s".into(),
            source_addr: "111".into(),
            source_ton: 1,
            source_npi: 1,
            dest_addr: "222".into(),
            dest_ton: 1,
            dest_npi: 1,
            esm_class: 0x40,
            data_coding: 0,
            registered_delivery: 1,
            short_message: ud,
            message_payload: None,
            sar: None,
            udh_concat: Some(Concat {
                reference,
                total,
                seq,
            }),
            text: text.into(),
            message_id: Some(id.into()),
            outcome: "ok".into(),
        }
    }

    #[test]
    fn out_of_order_parts_and_a_resend_make_one_message() {
        let recs = vec![
            part("3", 9, 3, 3, "!"),
            part("1", 9, 3, 1, "hello "),
            part("1b", 9, 3, 1, "hello "),
            part("2", 9, 3, 2, "world"),
        ];
        let m = reassemble(&recs);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].text, "hello world!");
        assert_eq!(m[0].part_ids, ["1", "2", "3"]);
        assert!(m[0].complete);
        assert_eq!(m[0].duplicates, 1);
    }

    #[test]
    fn a_reused_reference_with_other_content_is_a_new_message() {
        let recs = vec![
            part("1", 9, 2, 1, "a"),
            part("2", 9, 2, 2, "b"),
            part("3", 9, 2, 1, "c"),
        ];
        let m = reassemble(&recs);
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].text, "c");
        assert!(!m[1].complete);
        assert_eq!(m[1].parts_received, 1);
    }

    #[test]
    fn sar_and_payload_messages() {
        let mut a = part("1", 0, 2, 1, "");
        a.esm_class = 0;
        a.udh_concat = None;
        a.short_message = b"sar ".to_vec();
        a.sar = Some((300, 2, 1));
        let mut b = a.clone();
        b.short_message = b"parts".to_vec();
        b.sar = Some((300, 2, 2));
        b.message_id = Some("2".into());
        let mut c = a.clone();
        c.sar = None;
        c.short_message.clear();
        c.message_payload = Some(b"one payload".to_vec());
        c.message_id = Some("3".into());
        let m = reassemble(&[b, a, c]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].text, "sar parts");
        assert_eq!(m[0].concat_ref, Some(300));
        assert_eq!(m[1].text, "one payload");
        assert_eq!(m[1].source_addr, "111");
    }
}
