//! Delivery receipts: the SMPP 3.4 Appendix B text
//! (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`),
//! read as leniently as SMSCs write it, and the receipt TLVs
//! (receipted_message_id, message_state, network_error_code).

use crate::config::DlrIdFormat;
use crate::ids;
use crate::incoming::IncomingSm;
use crate::smpp_time::parse_receipt_date;
use std::time::SystemTime;
use switchboard_protocol::{DlrState, NetworkMessageId};

/// The fields of a receipt text, as written (trimmed). Any may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DlrText {
    pub id: Option<String>,
    pub sub: Option<String>,
    pub dlvrd: Option<String>,
    pub submit_date: Option<String>,
    pub done_date: Option<String>,
    pub stat: Option<String>,
    pub err: Option<String>,
    /// Everything after `text:` (the start of the original message).
    pub text: Option<String>,
}

impl DlrText {
    pub fn is_empty(&self) -> bool {
        *self == DlrText::default()
    }

    /// The state `stat:` names, if there is a `stat:`.
    pub fn state(&self) -> Option<DlrState> {
        self.stat.as_deref().map(state_from_stat)
    }

    /// `done date:` as a time, when it is a valid date.
    pub fn done_at(&self) -> Option<SystemTime> {
        self.done_date.as_deref().and_then(parse_receipt_date)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

/// Keys as words; between words any run of spaces or `_` (or none) is
/// accepted, so `submit date:`, `submit_date:` and `submitdate:` all match.
const KEYS: &[(&[&str], Field)] = &[
    (&["id"], Field::Id),
    (&["sub"], Field::Sub),
    (&["dlvrd"], Field::Dlvrd),
    (&["submit", "date"], Field::SubmitDate),
    (&["done", "date"], Field::DoneDate),
    (&["stat"], Field::Stat),
    (&["err"], Field::Err),
    (&["text"], Field::Text),
];

/// Reads a receipt text. Never fails: what cannot be read is left out, and
/// a text with no known field gives an empty [`DlrText`].
pub fn parse_dlr_text(s: &str) -> DlrText {
    let b = s.as_bytes();
    // (field, where its key starts, where its value starts)
    let mut found: Vec<(Field, usize, usize)> = Vec::with_capacity(8);
    let mut i = 0;
    while i < b.len() {
        let at_word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if at_word_start && let Some((field, value_start)) = match_key(b, i) {
            found.push((field, i, value_start));
            if field == Field::Text {
                break; // the text runs to the end and may contain anything
            }
            i = value_start;
            continue;
        }
        i += 1;
    }

    let mut out = DlrText::default();
    for (n, &(field, _, start)) in found.iter().enumerate() {
        let end = found
            .get(n + 1)
            .map_or(b.len(), |&(_, key_start, _)| key_start);
        // Keys and separators are ASCII, so these are char boundaries.
        let span = s.get(start..end.max(start)).unwrap_or("");
        if field == Field::Text {
            let t = span.trim_start().trim_end_matches(['\0', '\r', '\n']);
            out.text = Some(t.to_owned());
            continue;
        }
        let Some(value) = span.split_whitespace().next() else {
            continue;
        };
        let slot = match field {
            Field::Id => &mut out.id,
            Field::Sub => &mut out.sub,
            Field::Dlvrd => &mut out.dlvrd,
            Field::SubmitDate => &mut out.submit_date,
            Field::DoneDate => &mut out.done_date,
            Field::Stat => &mut out.stat,
            Field::Err => &mut out.err,
            Field::Text => continue,
        };
        // The first occurrence wins: later ones are more likely noise.
        if slot.is_none() {
            *slot = Some(value.to_owned());
        }
    }
    out
}

/// If a key starts at `i`, which field and where its value starts (after
/// the colon and any spaces).
fn match_key(b: &[u8], i: usize) -> Option<(Field, usize)> {
    'keys: for (words, field) in KEYS {
        let mut p = i;
        for (w, word) in words.iter().enumerate() {
            if w > 0 {
                while p < b.len() && (b[p] == b' ' || b[p] == b'_') {
                    p += 1;
                }
            }
            let end = p + word.len();
            if end > b.len() || !b[p..end].eq_ignore_ascii_case(word.as_bytes()) {
                continue 'keys;
            }
            p = end;
        }
        while p < b.len() && b[p] == b' ' {
            p += 1;
        }
        if p < b.len() && b[p] == b':' {
            p += 1;
            while p < b.len() && b[p] == b' ' {
                p += 1;
            }
            return Some((*field, p));
        }
    }
    None
}

/// `stat:` values, in their 7-letter SMPP spelling and the long words some
/// SMSCs write; a number is read as a message_state value.
pub fn state_from_stat(stat: &str) -> DlrState {
    let s = stat.trim().to_ascii_uppercase();
    if let Ok(n) = s.parse::<u8>() {
        return state_from_message_state(n);
    }
    match s.as_str() {
        "DELIVRD" | "DELIVERED" => DlrState::Delivered,
        "EXPIRED" => DlrState::Expired,
        "DELETED" => DlrState::Deleted,
        "UNDELIV" | "UNDELIVERABLE" | "FAILED" => DlrState::Undeliverable,
        "ACCEPTD" | "ACCEPTED" => DlrState::Accepted,
        "REJECTD" | "REJECTED" => DlrState::Rejected,
        "ENROUTE" | "SCHEDULED" | "BUFFRED" | "BUFFERED" => DlrState::Enroute,
        _ => DlrState::Unknown,
    }
}

/// The message_state TLV's values (SMPP 5.0 §4.8.4.37).
pub fn state_from_message_state(v: u8) -> DlrState {
    match v {
        0 | 1 => DlrState::Enroute, // SCHEDULED, ENROUTE
        2 => DlrState::Delivered,
        3 => DlrState::Expired,
        4 => DlrState::Deleted,
        // SKIPPED: accepted but never transmitted.
        5 | 9 => DlrState::Undeliverable,
        6 => DlrState::Accepted,
        8 => DlrState::Rejected,
        _ => DlrState::Unknown,
    }
}

/// Whether a deliver_sm carries a receipt rather than a message from a
/// phone: esm_class bits 2-5 say MC delivery receipt (0x04), SME delivery
/// acknowledgement (0x08) or intermediate notification (0x20); some SMSCs
/// leave esm_class 0 but send the receipt TLVs.
pub fn is_receipt(sm: &IncomingSm) -> bool {
    matches!(sm.esm_class & 0x3C, 0x04 | 0x08 | 0x20)
        || (sm.receipted_message_id.is_some() && sm.message_state.is_some())
}

/// A receipt as the host wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub network_id: NetworkMessageId,
    pub state: DlrState,
    pub error: Option<String>,
    pub done_at: Option<SystemTime>,
    pub text_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("delivery receipt without a message id (no receipted_message_id, no id: field)")]
    NoId,
}

/// Reads a receipt from a deliver_sm: the TLVs when present (they are
/// structured), the text for whatever they leave out.
pub fn receipt(sm: &IncomingSm, format: DlrIdFormat) -> Result<Receipt, ReceiptError> {
    let body = sm.body_text();
    let text = parse_dlr_text(&body);
    let raw_id = sm
        .receipted_message_id
        .as_deref()
        .filter(|id| !id.trim().is_empty())
        .or(text.id.as_deref())
        .ok_or(ReceiptError::NoId)?;
    let state = match sm.message_state {
        Some(v) => state_from_message_state(v),
        None => text.state().unwrap_or(DlrState::Unknown),
    };
    let error = text.err.clone().or_else(|| {
        sm.network_error
            .map(|(kind, code)| format!("{}:{code}", network_type_name(kind)))
    });
    Ok(Receipt {
        network_id: ids::from_report(raw_id, format),
        state,
        error,
        done_at: text.done_at(),
        text_prefix: text.text,
    })
}

fn network_type_name(kind: u8) -> String {
    match kind {
        1 => "ansi136".into(),
        2 => "is95".into(),
        3 => "gsm".into(),
        4 => "ansi136-cause".into(),
        5 => "is95-cause".into(),
        6 => "ansi41".into(),
        7 => "smpp".into(),
        8 => "mc".into(),
        other => format!("type{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn the_appendix_b_example() {
        let t = parse_dlr_text(
            "id:0123456789 sub:001 dlvrd:001 submit date:2402291340 done date:2402291345 \
             stat:DELIVRD err:000 text:Hello world",
        );
        assert_eq!(t.id.as_deref(), Some("0123456789"));
        assert_eq!(t.sub.as_deref(), Some("001"));
        assert_eq!(t.dlvrd.as_deref(), Some("001"));
        assert_eq!(t.submit_date.as_deref(), Some("2402291340"));
        assert_eq!(t.state(), Some(DlrState::Delivered));
        assert_eq!(t.err.as_deref(), Some("000"));
        assert_eq!(t.text.as_deref(), Some("Hello world"));
        assert_eq!(
            t.done_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_709_214_300))
        );
    }

    #[test]
    fn case_spaces_and_spellings_are_tolerated() {
        let t = parse_dlr_text(
            "ID: a1B2c3  SUB:1 DLVRD:1 Submit_Date:240229134000   DoneDate:240229134501 \
             Stat: undeliv Err:34 Text:",
        );
        assert_eq!(t.id.as_deref(), Some("a1B2c3"));
        assert_eq!(t.submit_date.as_deref(), Some("240229134000"));
        assert_eq!(t.done_date.as_deref(), Some("240229134501"));
        assert_eq!(t.state(), Some(DlrState::Undeliverable));
        assert_eq!(t.err.as_deref(), Some("34"));
        assert_eq!(t.text.as_deref(), Some(""));
    }

    #[test]
    fn missing_fields_are_none() {
        let t = parse_dlr_text("id:77 stat:EXPIRED");
        assert_eq!(t.id.as_deref(), Some("77"));
        assert_eq!(t.state(), Some(DlrState::Expired));
        assert_eq!(t.err, None);
        assert_eq!(t.done_date, None);
        assert_eq!(t.text, None);
        assert!(parse_dlr_text("hello, see you at 5").is_empty());
    }

    #[test]
    fn keys_inside_words_and_the_text_are_not_keys() {
        let t = parse_dlr_text("id:1 xid:2 stat:DELIVRD text:stat:REJECTD id:3");
        assert_eq!(t.id.as_deref(), Some("1"));
        assert_eq!(t.state(), Some(DlrState::Delivered));
        assert_eq!(t.text.as_deref(), Some("stat:REJECTD id:3"));
    }

    #[test]
    fn every_stat_spelling() {
        let cases = [
            ("DELIVRD", DlrState::Delivered),
            ("delivered", DlrState::Delivered),
            ("EXPIRED", DlrState::Expired),
            ("DELETED", DlrState::Deleted),
            ("UNDELIV", DlrState::Undeliverable),
            ("ACCEPTD", DlrState::Accepted),
            ("UNKNOWN", DlrState::Unknown),
            ("REJECTD", DlrState::Rejected),
            ("ENROUTE", DlrState::Enroute),
            ("2", DlrState::Delivered),
            ("bogus", DlrState::Unknown),
        ];
        for (s, st) in cases {
            assert_eq!(state_from_stat(s), st, "{s}");
        }
    }

    #[test]
    fn bad_dates_are_none_not_errors() {
        let t = parse_dlr_text("id:1 done date:9999999999 stat:DELIVRD");
        assert_eq!(t.done_date.as_deref(), Some("9999999999"));
        assert_eq!(t.done_at(), None);
    }

    const STATS: &[&str] = &[
        "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD", "ENROUTE",
    ];

    fn random_case(s: &str, mask: u64) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = parse_dlr_text(&s);
        }

        #[test]
        fn never_panics_on_key_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("id:"), Just("stat:"), Just("text:"), Just("submit date:"),
                    Just("done"), Just(" "), Just("_"), Just(":"), Just("é"), Just("x"),
                    Just("0"),
                ],
                0..40,
            )
        ) {
            let _ = parse_dlr_text(&parts.concat());
        }

        #[test]
        fn formatted_receipts_read_back(
            id in "[0-9A-Za-z]{1,20}",
            sub in "[0-9]{3}",
            dlvrd in "[0-9]{3}",
            submit in "[0-9]{10}|[0-9]{12}",
            done in "[0-9]{10}|[0-9]{12}",
            stat in proptest::sample::select(STATS),
            err in "[0-9]{3}",
            text in "\\PC{0,20}",
            mask in any::<u64>(),
            gap in " {1,3}",
        ) {
            let key = |k: &str| random_case(k, mask);
            let s = format!(
                "{}{id}{gap}{}{sub}{gap}{}{dlvrd}{gap}{}{submit}{gap}{}{done}{gap}{}{stat}{gap}{}{err}{gap}{}{text}",
                key("id:"), key("sub:"), key("dlvrd:"), key("submit date:"),
                key("done date:"), key("stat:"), key("err:"), key("text:"),
            );
            let t = parse_dlr_text(&s);
            prop_assert_eq!(t.id.as_deref(), Some(id.as_str()));
            prop_assert_eq!(t.sub.as_deref(), Some(sub.as_str()));
            prop_assert_eq!(t.dlvrd.as_deref(), Some(dlvrd.as_str()));
            prop_assert_eq!(t.submit_date.as_deref(), Some(submit.as_str()));
            prop_assert_eq!(t.done_date.as_deref(), Some(done.as_str()));
            prop_assert_eq!(t.state(), Some(state_from_stat(stat)));
            prop_assert_eq!(t.err.as_deref(), Some(err.as_str()));
            let expected = text.trim_start().trim_end_matches(['\0', '\r', '\n']);
            prop_assert_eq!(t.text.as_deref(), Some(expected));
        }
    }
}
