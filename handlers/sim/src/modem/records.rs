//! What the simulated modem saw and did, for tests and `GET /sent`,
//! `GET /log`, `GET /calls`.

use serde::Serialize;
use std::time::SystemTime;
use switchboard_protocol::Concat;
use switchboard_protocol::text::{self, Coding};

/// One SMS-SUBMIT the modem accepted (one `+CMGS: <mr>`), decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentPart {
    /// The TP-MR the modem assigned (answered as `+CMGS: <mr>`).
    pub mr: u8,
    /// Destination as dialled: `+` and digits for international numbers,
    /// digits otherwise.
    pub to: String,
    pub coding: Coding,
    /// This part's text (binary parts as hex).
    pub text: String,
    /// The user data without UDH: septets (one per byte), UTF-16BE or
    /// octets, as [`switchboard_protocol::PartBody`] holds them.
    pub data: Vec<u8>,
    pub concat: Option<Concat>,
    /// TP-SRR.
    pub status_report: bool,
    /// TP-VP in seconds, when relative.
    pub validity_secs: Option<u64>,
    /// The PDU as the client sent it (with its SMSC prefix).
    pub pdu: String,
    pub at: SystemTime,
}

/// A whole message as a recipient's phone would show it: a single part, or
/// every part of a concatenated one joined in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentSms {
    pub to: String,
    pub text: String,
    pub coding: Coding,
    /// Concatenation reference; `None` for a single-part message.
    pub concat_ref: Option<u16>,
    /// Number of parts (1 for a single SMS).
    pub total: u8,
    /// The MRs of the parts, in part order.
    pub mrs: Vec<u8>,
    pub status_report: bool,
}

/// Joins parts into messages: singles as they are, concatenated parts per
/// (destination, reference, total) once all are there (a part sent twice
/// counts once: the last copy wins). Incomplete messages are left out.
pub(crate) fn join(parts: &[SentPart]) -> Vec<SentSms> {
    let mut out = Vec::new();
    // (destination, reference, total) -> the parts seen.
    type Key = (String, u16, u8);
    let mut groups: Vec<(Key, Vec<&SentPart>)> = Vec::new();
    for p in parts {
        match p.concat {
            None => out.push((
                p.at,
                SentSms {
                    to: p.to.clone(),
                    text: p.text.clone(),
                    coding: p.coding,
                    concat_ref: None,
                    total: 1,
                    mrs: vec![p.mr],
                    status_report: p.status_report,
                },
            )),
            Some(c) => {
                let key = (p.to.clone(), c.reference, c.total);
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.push(p),
                    None => groups.push((key, vec![p])),
                }
            }
        }
    }
    for ((to, reference, total), members) in groups {
        let mut slots: Vec<Option<&SentPart>> = vec![None; total as usize];
        for m in members {
            if let Some(c) = m.concat
                && let Some(slot) = slots.get_mut(c.seq as usize - 1)
            {
                *slot = Some(m);
            }
        }
        let Some(all) = slots.into_iter().collect::<Option<Vec<&SentPart>>>() else {
            continue;
        };
        let coding = all[0].coding;
        let at = all.iter().map(|p| p.at).max().unwrap_or(all[0].at);
        // Join the raw units, not the texts, so a character split across
        // parts (which a good sender avoids) still comes out whole.
        let text = if all.iter().all(|p| p.coding == coding) {
            let data: Vec<u8> = all.iter().flat_map(|p| p.data.iter().copied()).collect();
            text::decode(coding, &data)
        } else {
            all.iter().map(|p| p.text.as_str()).collect::<String>()
        };
        out.push((
            at,
            SentSms {
                to,
                text,
                coding,
                concat_ref: Some(reference),
                total,
                mrs: all.iter().map(|p| p.mr).collect(),
                status_report: all.iter().any(|p| p.status_report),
            },
        ));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, s)| s).collect()
}

/// Who placed a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// Dialled by the client (ATD).
    Outgoing,
    /// Injected: the network rang the modem.
    Incoming,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEnd {
    /// Incoming, rang out: the caller gave up or the network diverted it
    /// (voicemail) before the client answered.
    Missed,
    /// Incoming, refused by the client (ATH / +CHUP / +CHLD=0 while ringing).
    Rejected,
    /// The client hung up a connected or dialling call.
    LocalHangup,
    /// The far end hung up a connected call.
    RemoteHangup,
    /// Outgoing: the callee was busy.
    Busy,
    /// Outgoing: nobody answered.
    NoAnswer,
    /// Outgoing: the network failed the call.
    Failed,
    /// The port went away (unplug) with the call up.
    PortGone,
}

/// One call, while it lasts (`end: None`) and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// The +CLCC index it had (1..=7).
    pub index: u8,
    pub direction: CallDirection,
    /// Digits with `+` for international; `None` for a withheld or
    /// unavailable caller.
    pub number: Option<String>,
    /// RING / +CRING (or +CCWA for a waiting call) sent for it.
    pub rings: u32,
    pub answered: bool,
    /// Ever put on hold.
    pub held: bool,
    /// Ever joined into a multiparty call (+CHLD=3).
    pub joined: bool,
    /// +VTS digits sent during the call.
    pub dtmf: String,
    pub started: SystemTime,
    pub ended: Option<SystemTime>,
    pub end: Option<CallEnd>,
}

/// One line of the AT log: what the client sent, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtLogEntry {
    /// A command line without its CR (`AT+CMGS=23`), or the PDU typed after
    /// the `> ` prompt followed by `<Ctrl-Z>` or `<ESC>`.
    pub line: String,
    pub at: SystemTime,
}
