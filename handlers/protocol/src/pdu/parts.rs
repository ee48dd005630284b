//! Cutting one outbound body into SMS-SUBMIT parts.

use super::user_data::{MAX_OCTETS, check_udh};
use super::{PduError, SmsSubmit};
use crate::text::{Coding, concat_udh, plan_for_udh};
use crate::{Address, Body, PartBody};
use std::time::Duration;

/// All parts of one outbound text/binary body: [`crate::text::plan`] plus a
/// concatenation UDH per part (8-bit reference when `concat_ref` <= 255,
/// else 16-bit), in order (part i+1 at index i). A body that fits one SMS
/// gets no concatenation header; an empty text is one empty SMS. TP-MR is
/// 0 in every part: the modem assigns its own and reports it in
/// `+CMGS: <mr>`.
pub fn submit_parts(
    to: &Address,
    body: &Body,
    status_report: bool,
    validity: Option<Duration>,
    concat_ref: u16,
) -> Result<Vec<SmsSubmit>, PduError> {
    // The concatenation element (IEI, length, value) without UDHL.
    let concat_ie = concat_udh(concat_ref, 1, 1).len() - 1;
    let (mut bodies, user_udh) = match body {
        Body::Text { text } => {
            let plan = plan_for_udh(text, concat_ie + 1);
            let coding = plan.coding;
            let bodies: Vec<PartBody> = plan
                .parts
                .into_iter()
                .map(|data| PartBody { coding, data })
                .collect();
            (bodies, None)
        }
        Body::Binary { data, udh } => (binary_parts(data, udh.as_deref(), concat_ie)?, udh.clone()),
    };
    if bodies.is_empty() {
        bodies.push(PartBody {
            coding: Coding::Gsm7,
            data: Vec::new(),
        });
    }
    let total = bodies.len();
    let total_u8 = u8::try_from(total).map_err(|_| PduError::TooManyParts { parts: total })?;
    Ok(bodies
        .into_iter()
        .zip(1..=total_u8)
        .map(|(body, seq)| {
            let udh = if total == 1 {
                user_udh.clone()
            } else {
                let mut ies = user_udh.clone().unwrap_or_default();
                ies.extend_from_slice(&concat_udh(concat_ref, total_u8, seq)[1..]);
                Some(ies)
            };
            SmsSubmit {
                reference: 0,
                destination: to.clone(),
                status_report,
                validity,
                udh,
                body,
            }
        })
        .collect())
}

/// Binary data cut to fit beside its own header and, when it takes more
/// than one SMS, a concatenation element.
fn binary_parts(
    data: &[u8],
    udh: Option<&[u8]>,
    concat_ie: usize,
) -> Result<Vec<PartBody>, PduError> {
    let own = match udh {
        Some(ies) => {
            check_udh(ies)?;
            ies.len()
        }
        None => 0,
    };
    let part = |chunk: &[u8]| PartBody {
        coding: Coding::Binary,
        data: chunk.to_vec(),
    };
    let single_header = if udh.is_some() { own + 1 } else { 0 };
    if single_header + data.len() <= MAX_OCTETS {
        return Ok(vec![part(data)]);
    }
    let header = 1 + own + concat_ie;
    let room = MAX_OCTETS.saturating_sub(header);
    if room == 0 {
        return Err(PduError::BodyTooLong {
            coding: Coding::Binary,
            len: data.len(),
            unit: "octets",
            udh_octets: header,
            max: MAX_OCTETS,
        });
    }
    let parts: Vec<_> = data.chunks(room).map(part).collect();
    if let Some(ies) = udh
        && check_udh(ies)?.is_some()
    {
        return Err(PduError::ConcatInUserUdh { parts: parts.len() });
    }
    Ok(parts)
}
