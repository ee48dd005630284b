//! What the network sends the simulated modem: SMS (as SMS-DELIVER PDUs,
//! cut into parts like a phone sends them), status reports and calls.

use crate::error::SimError;
use serde::Deserialize;
use std::time::SystemTime;
use switchboard_protocol::pdu::{self, SmsDeliver, SmsStatusReport};
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{Address, Concat, PartBody, PhoneNumber};

/// An SMS "typed on a phone" and sent to the modem's SIM.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingSms {
    /// `+4917...` (international), digits (national/other) or an
    /// alphanumeric sender such as `BANK`.
    pub from: String,
    pub text: String,
    /// Force a coding (Gsm7 or Ucs2); by default GSM 03.38 when the text
    /// fits, else UCS-2.
    #[serde(default)]
    pub coding: Option<Coding>,
    /// Deliver the parts in this order, by 0-based index (to test
    /// out-of-order reassembly); an index may repeat or be left out.
    #[serde(default)]
    pub parts_order: Option<Vec<usize>>,
    /// Concatenation reference; by default the simulator's next one.
    /// Above 255 the 16-bit reference element is used.
    #[serde(default)]
    pub concat_ref: Option<u16>,
}

impl IncomingSms {
    pub fn text(from: &str, text: &str) -> Self {
        IncomingSms {
            from: from.into(),
            text: text.into(),
            coding: None,
            parts_order: None,
            concat_ref: None,
        }
    }
}

/// A status report the network sends for a part the modem submitted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReportSpec {
    /// TP-MR of the submitted part (from `+CMGS: <mr>`).
    pub mr: u8,
    /// The recipient of that part, as in [`super::SentPart::to`].
    pub recipient: String,
    /// TP-ST: 0 delivered, 0x20..=0x3F still trying, 0x40.. failed.
    #[serde(default)]
    pub status: u8,
}

/// Caller identity as the network presents it (+CLIP).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum SimCaller {
    /// `+4917...` (type 145) or national digits (type 129).
    Number(String),
    /// CLI validity 1: `+CLIP: "",128,,,,1`.
    Withheld,
    /// CLI validity 2: `+CLIP: "",128,,,,2`.
    Unavailable,
}

/// What happens to an injected call if the client does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RingEnd {
    /// The caller gives up after `rings` rings.
    #[default]
    CallerHangsUp,
    /// The network diverts to voicemail after `rings` rings (the line sees
    /// the same as a caller giving up).
    Voicemail,
    /// Rings until the client answers or rejects it (or
    /// [`super::ModemSim::remote_hangup`]).
    Forever,
}

/// An incoming voice call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingCall {
    pub caller: SimCaller,
    /// RINGs before the call ends by itself (see `end`).
    #[serde(default = "default_rings")]
    pub rings: u32,
    #[serde(default)]
    pub end: RingEnd,
    /// Once answered, the caller hangs up after this long; `None`: stays
    /// until the client hangs up.
    #[serde(default)]
    pub hangup_after_answer_ms: Option<u64>,
}

fn default_rings() -> u32 {
    4
}

impl IncomingCall {
    /// A caller with a number who gives up after `rings` rings.
    pub fn from_number(number: &str, rings: u32) -> Self {
        IncomingCall {
            caller: SimCaller::Number(number.into()),
            rings,
            end: RingEnd::CallerHangsUp,
            hangup_after_answer_ms: None,
        }
    }

    /// A caller who withholds the number.
    pub fn withheld(rings: u32) -> Self {
        IncomingCall {
            caller: SimCaller::Withheld,
            ..IncomingCall::from_number("", rings)
        }
    }
}

/// Parses `+digits`, digits or an alphanumeric sender into an address.
pub(crate) fn address(field: &'static str, s: &str) -> Result<Address, SimError> {
    let bad = |reason: String| SimError::BadAddress { field, reason };
    if s.starts_with('+') {
        return PhoneNumber::parse_e164(s)
            .map(Address::International)
            .map_err(|e| bad(e.to_string()));
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Address::digits(s).map_err(|e| bad(e.to_string()));
    }
    Address::alphanumeric(s).map_err(|e| bad(e.to_string()))
}

/// The part bodies of a text in `coding` (default: GSM when it fits), cut
/// for a concatenation header of `udh_octets` (6 with an 8-bit reference,
/// 7 with a 16-bit one).
fn bodies(
    text_: &str,
    coding: Option<Coding>,
    udh_octets: usize,
) -> Result<(Coding, Vec<Vec<u8>>), SimError> {
    let gsm = text::encode_gsm7_unpacked(text_);
    let coding = match (coding, &gsm) {
        (None, Some(_)) | (Some(Coding::Gsm7), Some(_)) => Coding::Gsm7,
        (None, None) | (Some(Coding::Ucs2), _) => Coding::Ucs2,
        (Some(Coding::Gsm7), None) => {
            return Err(SimError::Coding {
                coding: Coding::Gsm7,
                reason: "a character is not in the GSM 03.38 alphabet".into(),
            });
        }
        (Some(other), _) => {
            return Err(SimError::Coding {
                coding: other,
                reason: "a modem receives text as GSM 03.38 or UCS-2 only".into(),
            });
        }
    };
    let parts = match (coding, gsm) {
        (Coding::Gsm7, Some(septets)) => {
            if septets.len() <= text::SINGLE_GSM7 {
                vec![septets]
            } else {
                let max = text::SINGLE_GSM7 - (udh_octets * 8).div_ceil(7);
                // Never end a part on the first half of an escape pair.
                cut(&septets, max, 1, |s, end| {
                    let run = s[..end].iter().rev().take_while(|&&b| b == 0x1B).count();
                    run % 2 == 1
                })
            }
        }
        _ => {
            let units = text::encode_ucs2(text_);
            if units.len() <= text::SINGLE_UCS2_OCTETS {
                vec![units]
            } else {
                let max = (text::SINGLE_UCS2_OCTETS - udh_octets) & !1;
                // Never end a part on a high surrogate.
                cut(&units, max, 2, |s, end| (0xD8..=0xDB).contains(&s[end - 2]))
            }
        }
    };
    Ok((coding, parts))
}

/// Cuts `data` into chunks of at most `max`, moving a cut back by `unit`
/// while `splits(data, end)` says it would split a pair.
fn cut(
    data: &[u8],
    max: usize,
    unit: usize,
    splits: impl Fn(&[u8], usize) -> bool,
) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + max).min(data.len());
        if end < data.len() && end - start > unit && splits(data, end) {
            end -= unit;
        }
        parts.push(data[start..end].to_vec());
        start = end;
    }
    parts
}

/// One SMS-DELIVER ready for storage or +CMT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeliverPdu {
    pub hex: String,
    pub tpdu_len: usize,
}

/// The SMS-DELIVER PDUs of a message in delivery order.
pub(crate) fn deliver_pdus(
    sms: &IncomingSms,
    reference: u16,
    smsc: Option<&Address>,
) -> Result<Vec<DeliverPdu>, SimError> {
    let originator = address("from", &sms.from)?;
    let udh_octets = if reference > 255 { 7 } else { 6 };
    let (coding, parts) = bodies(&sms.text, sms.coding, udh_octets)?;
    let total = u8::try_from(parts.len()).map_err(|_| SimError::TooLong { parts: parts.len() })?;
    let order: Vec<usize> = match &sms.parts_order {
        Some(order) => {
            if let Some(&index) = order.iter().find(|&&i| i >= parts.len()) {
                return Err(SimError::BadPartsOrder {
                    index,
                    parts: parts.len(),
                });
            }
            order.clone()
        }
        None => (0..parts.len()).collect(),
    };
    let now = SystemTime::now();
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let seq = (i + 1) as u8;
        let concat = (total > 1).then_some(Concat {
            reference,
            total,
            seq,
        });
        let d = SmsDeliver {
            originator: originator.clone(),
            sc_timestamp: now,
            udh: None,
            concat,
            body: PartBody {
                coding,
                data: parts[i].clone(),
            },
            status_report_indication: false,
            pid: 0,
        };
        let e = pdu::encode_deliver(&d, smsc).map_err(|e| SimError::Coding {
            coding,
            reason: e.to_string(),
        })?;
        out.push(DeliverPdu {
            hex: e.hex,
            tpdu_len: e.tpdu_len,
        });
    }
    Ok(out)
}

/// The SMS-STATUS-REPORT PDU for a submitted part.
pub(crate) fn status_report_pdu(
    spec: &StatusReportSpec,
    submitted_at: SystemTime,
    smsc: Option<&Address>,
) -> Result<DeliverPdu, SimError> {
    let recipient = address("recipient", &spec.recipient)?;
    let r = SmsStatusReport {
        reference: spec.mr,
        recipient,
        sc_timestamp: submitted_at,
        discharge_time: SystemTime::now(),
        status: spec.status,
    };
    let e = pdu::encode_status_report(&r, smsc).map_err(|e| SimError::BadAddress {
        field: "recipient",
        reason: e.to_string(),
    })?;
    Ok(DeliverPdu {
        hex: e.hex,
        tpdu_len: e.tpdu_len,
    })
}
