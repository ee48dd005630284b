//! Delivery reports: the deliver_sm (esm_class 0x04) that tells the ESME
//! what became of a message it submitted.

use crate::config::{DlrStyle, IdFormat};
use crate::ids::format_id;
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::MessageDeliveryRequestTlvValue as Tlv;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{
    DataCoding, ErrorCodeNetworkType, EsmClass, MessageState, NetworkErrorCode, Npi, Ton,
};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Everything needed to write one report, taken from the submit_sm.
#[derive(Debug, Clone)]
pub(crate) struct DlrJob {
    /// Reports go to a receiving session of the account that submitted.
    pub system_id: Arc<str>,
    pub message_id: u64,
    pub source: COctetString<1, 21>,
    pub source_ton: Ton,
    pub source_npi: Npi,
    pub dest: COctetString<1, 21>,
    pub dest_ton: Ton,
    pub dest_npi: Npi,
    /// The first 20 characters of the submitted part's text.
    pub text: String,
    pub submitted: SystemTime,
    pub delivered: bool,
}

/// How ids are written in reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DlrFormat {
    pub style: DlrStyle,
    pub id_format: IdFormat,
}

/// The first 20 characters, keeping only those that read the same in GSM
/// 03.38 and ASCII: the report goes out as data_coding 0, and a gateway
/// matching on the text should see what it sent, not mojibake.
pub(crate) fn text_prefix(text: &str) -> String {
    text.chars()
        .take(20)
        .map(|c| {
            if c.is_ascii_alphanumeric() || " !\"#%&'()*+,-./:;<=>?".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

impl DlrJob {
    pub(crate) fn id_text(&self, fmt: DlrFormat) -> String {
        format_id(self.message_id, fmt.id_format)
    }

    pub(crate) fn build(&self, fmt: DlrFormat, now: SystemTime) -> DeliverSm {
        let id = self.id_text(fmt);
        let (stat, err, dlvrd) = if self.delivered {
            ("DELIVRD", "000", "001")
        } else {
            ("UNDELIV", "001", "000")
        };
        let body = match fmt.style {
            DlrStyle::Text => format!(
                "id:{id} sub:001 dlvrd:{dlvrd} submit date:{} done date:{} stat:{stat} err:{err} text:{}",
                smpp_date(self.submitted),
                smpp_date(now),
                self.text
            ),
            DlrStyle::Tlv => format!("id:{id} stat:{stat}"),
        };
        let mut bytes = body.into_bytes();
        bytes.truncate(255);
        let mut b = DeliverSm::builder()
            .source_addr_ton(self.dest_ton)
            .source_addr_npi(self.dest_npi)
            .source_addr(self.dest.clone())
            .dest_addr_ton(self.source_ton)
            .dest_addr_npi(self.source_npi)
            .destination_addr(self.source.clone())
            .esm_class(EsmClass::from(0x04))
            .data_coding(DataCoding::McSpecific)
            .short_message(OctetString::from_vec(bytes).unwrap_or_else(|_| OctetString::empty()));
        if fmt.style == DlrStyle::Tlv {
            if let Ok(rid) = COctetString::from_string(id) {
                b = b.push_tlv(Tlv::ReceiptedMessageId(rid));
            }
            b = b.push_tlv(Tlv::MessageState(if self.delivered {
                MessageState::Delivered
            } else {
                MessageState::Undeliverable
            }));
            if !self.delivered {
                // GSM MAP error 1: unknown subscriber.
                b = b.push_tlv(Tlv::NetworkErrorCode(NetworkErrorCode::new(
                    ErrorCodeNetworkType::Gsm,
                    1,
                )));
            }
        }
        b.build()
    }
}

/// `YYMMDDhhmm` in UTC, as receipts write dates. Times before 1970 read as
/// 1970-01-01 00:00 and those past 9999 as 9999-12-31 23:59.
pub(crate) fn smpp_date(t: SystemTime) -> String {
    let dt = match t.duration_since(UNIX_EPOCH) {
        Err(_) => OffsetDateTime::UNIX_EPOCH,
        Ok(d) => i64::try_from(d.as_secs())
            .ok()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .unwrap_or(PrimitiveDateTime::MAX.assume_utc()),
    };
    format!(
        "{:02}{:02}{:02}{:02}{:02}",
        dt.year().rem_euclid(100),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn job(delivered: bool) -> DlrJob {
        DlrJob {
            system_id: "sys".into(),
            message_id: 0x1F4,
            source: COctetString::from_string("491701234567".into()).unwrap(),
            source_ton: Ton::International,
            source_npi: Npi::Isdn,
            dest: COctetString::from_string("12345".into()).unwrap(),
            dest_ton: Ton::Unknown,
            dest_npi: Npi::Isdn,
            text: text_prefix("Hello world, this is long"),
            submitted: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            delivered,
        }
    }

    #[test]
    fn dates_are_utc_yymmddhhmm() {
        // 2023-11-14 22:13:20 UTC
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2311142213"
        );
        assert_eq!(smpp_date(UNIX_EPOCH), "7001010000");
        // 2024-02-29 leap day
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(1_709_164_800)),
            "2402290000"
        );
        // 2000-02-29 leap day (2000 is divisible by 400), 23:59:59
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(951_868_799)),
            "0002292359"
        );
        // 2099-12-31 23:59:59, then 2100-01-01 00:00:00
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(4_102_444_799)),
            "9912312359"
        );
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(4_102_444_800)),
            "0001010000"
        );
    }

    #[test]
    fn dates_out_of_range_clamp() {
        assert_eq!(smpp_date(UNIX_EPOCH - Duration::from_secs(1)), "7001010000");
        assert_eq!(
            smpp_date(UNIX_EPOCH + Duration::from_secs(1 << 40)),
            "9912312359"
        );
    }

    #[test]
    fn text_receipt_has_kannel_fields_and_swaps_addresses() {
        let fmt = DlrFormat {
            style: DlrStyle::Text,
            id_format: IdFormat::Decimal,
        };
        let sm = job(true).build(fmt, UNIX_EPOCH + Duration::from_secs(1_700_000_060));
        let text = String::from_utf8(sm.short_message().to_vec()).unwrap();
        assert_eq!(
            text,
            "id:500 sub:001 dlvrd:001 submit date:2311142213 done date:2311142214 \
             stat:DELIVRD err:000 text:Hello world, this is"
        );
        assert_eq!(sm.source_addr.as_str(), "12345");
        assert_eq!(sm.destination_addr.as_str(), "491701234567");
        assert_eq!(u8::from(sm.esm_class), 0x04);
    }

    #[test]
    fn tlv_receipt_carries_id_and_state() {
        let fmt = DlrFormat {
            style: DlrStyle::Tlv,
            id_format: IdFormat::Hex,
        };
        let sm = job(false).build(fmt, SystemTime::now());
        let mut rid = None;
        let mut state = None;
        for t in sm.tlvs() {
            match t.value() {
                Some(rusmpp::tlvs::TlvValue::ReceiptedMessageId(r)) => {
                    rid = Some(r.as_str().to_owned())
                }
                Some(rusmpp::tlvs::TlvValue::MessageState(s)) => state = Some(*s),
                _ => {}
            }
        }
        assert_eq!(rid.as_deref(), Some("000001F4"));
        assert_eq!(state, Some(MessageState::Undeliverable));
    }

    #[test]
    fn prefix_keeps_gsm_safe_ascii() {
        assert_eq!(text_prefix("Grüße @ home_"), "Gr??e ? home?");
    }
}
