//! What the simulated SMSC is told at start: where to listen, who may bind,
//! how it answers. Every key has a default that works for the demo.

use crate::faults::Faults;
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmscConfig {
    /// SMPP listener; port 0 picks a free port (see [`crate::Smsc::local_addr`]).
    pub listen: SocketAddr,
    /// HTTP control API (`POST /mo`, `GET /stats`, ...); `None` for none.
    pub control_listen: Option<SocketAddr>,
    /// Who may bind. SMPP limits system_id to 15 and password to 8 characters.
    pub accounts: Vec<Account>,
    /// Delay between accepting a submit_sm (after its response delay) and
    /// sending its delivery report; 0 sends it right after the response.
    pub dlr_delay_ms: u64,
    /// How a delivery report is written.
    pub dlr: DlrStyle,
    /// How message ids are written in submit_sm_resp.
    pub id_format: IdFormat,
    /// Write the id in delivery reports in decimal even when submit_sm_resp
    /// has it in hex, as some real SMSCs do.
    pub dlr_id_decimal: bool,
    /// The first message id; 0 derives it from the clock so that ids stay
    /// unique across restarts of the simulator.
    pub first_message_id: u64,
    /// Delay before each submit_sm_resp. Responses to pipelined submits are
    /// still concurrent: each waits its own delay from its own arrival.
    pub response_delay_ms: u64,
    /// Injected failures, applied per submit_sm.
    pub faults: Faults,
    /// Keep a record of every submit_sm and deliver_sm (for `submits()`,
    /// `messages()`, `mo_acks()`). Turn off for long benchmarks: counters
    /// still work, memory stays flat.
    pub record: bool,
    /// deliver_sm (MO and delivery reports) outstanding per session without
    /// a deliver_sm_resp. Reports flow at most at window / (ESME's answer
    /// time) per session: raise it for benchmarks where the ESME answers
    /// only after a disk commit.
    pub deliver_window: usize,
    /// A deliver_sm without a response after this long counts as failed and
    /// is retried.
    pub deliver_timeout_ms: u64,
    /// Wait before retrying a deliver_sm that was refused or timed out, as a
    /// real SMSC's retry schedule would.
    pub deliver_retry_ms: u64,
}

impl Default for SmscConfig {
    fn default() -> Self {
        SmscConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 2775)),
            control_listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 2776))),
            accounts: vec![Account {
                system_id: "switchboard".into(),
                password: "secret".into(),
            }],
            dlr_delay_ms: 500,
            dlr: DlrStyle::Text,
            id_format: IdFormat::Hex,
            dlr_id_decimal: false,
            first_message_id: 0,
            response_delay_ms: 0,
            faults: Faults::default(),
            record: true,
            deliver_window: 10,
            deliver_timeout_ms: 10_000,
            deliver_retry_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub system_id: String,
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DlrStyle {
    /// Kannel-style receipt text in short_message:
    /// `id:.. sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm
    /// stat:DELIVRD err:000 text:<first 20 chars>`.
    #[default]
    Text,
    /// receipted_message_id, message_state (and network_error_code when
    /// undeliverable) TLVs, with a short `id:.. stat:..` text.
    Tlv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdFormat {
    Decimal,
    /// Upper-case hex, zero-padded to 8 digits (as many SMSCs write them).
    #[default]
    Hex,
}

impl SmscConfig {
    /// Refuses settings that could never work, naming the key.
    pub(crate) fn validate(&self) -> io::Result<()> {
        let bad = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        if self.accounts.is_empty() {
            return bad("accounts: at least one account is needed, or nobody can bind".into());
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if a.system_id.is_empty() || a.system_id.len() > 15 || !a.system_id.is_ascii() {
                return bad(format!(
                    "accounts[{i}].system_id: SMPP allows 1 to 15 ASCII characters, got {:?}",
                    a.system_id
                ));
            }
            if a.password.len() > 8 || !a.password.is_ascii() {
                return bad(format!(
                    "accounts[{i}].password: SMPP allows at most 8 ASCII characters"
                ));
            }
        }
        self.faults
            .validate()
            .or_else(|e| bad(format!("faults.{e}")))?;
        if self.deliver_window == 0 {
            return bad("deliver_window: must be at least 1".into());
        }
        if self.deliver_timeout_ms == 0 {
            return bad("deliver_timeout_ms: must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = SmscConfig::default();
        assert_eq!(c.listen.port(), 2775);
        assert_eq!(c.control_listen.map(|a| a.port()), Some(2776));
        assert_eq!(c.accounts[0].system_id, "switchboard");
        assert_eq!(c.dlr_delay_ms, 500);
        assert_eq!(c.id_format, IdFormat::Hex);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn partial_json_fills_defaults_and_unknown_keys_are_refused() {
        let c: SmscConfig = serde_json::from_str(r#"{"dlr":"tlv","dlr_delay_ms":0}"#).unwrap();
        assert_eq!(c.dlr, DlrStyle::Tlv);
        assert_eq!(c.response_delay_ms, 0);
        let e = serde_json::from_str::<SmscConfig>(r#"{"dlr_delay":0}"#).unwrap_err();
        assert!(e.to_string().contains("dlr_delay"), "{e}");
    }

    #[test]
    fn long_password_is_named() {
        let mut c = SmscConfig::default();
        c.accounts[0].password = "much-too-long".into();
        let e = c.validate().unwrap_err();
        assert!(e.to_string().contains("accounts[0].password"), "{e}");
    }
}
