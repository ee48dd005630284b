//! `[[smpp]]` configuration: one table per SMSC link.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use switchboard_protocol::{Address, PhoneNumber};

/// One SMPP link as configured in a `[[smpp]]` table. Durations are plain
/// integers in the unit their key names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmppConfig {
    /// The handler's name; also names the link in logs and status details.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub system_id: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub system_type: String,
    #[serde(default)]
    pub address_range: String,
    #[serde(default)]
    pub bind: BindMode,
    /// Most submit_sm PDUs outstanding (written, not yet answered) at once.
    #[serde(default = "default_window")]
    pub window: u32,
    /// Submit rate limit in PDUs per second; none when absent.
    #[serde(default)]
    pub tps: Option<f64>,
    #[serde(default = "default_enquire_link_secs")]
    pub enquire_link_secs: u64,
    #[serde(default = "default_response_timeout_secs")]
    pub response_timeout_secs: u64,
    #[serde(default = "default_reconnect_min_secs")]
    pub reconnect_min_secs: u64,
    #[serde(default = "default_reconnect_max_secs")]
    pub reconnect_max_secs: u64,
    /// Pause after ESME_RTHROTTLED before submitting again on this link.
    #[serde(default = "default_throttle_backoff_ms")]
    pub throttle_backoff_ms: u64,
    /// Pause after ESME_RMSGQFUL before submitting again on this link.
    #[serde(default = "default_queue_full_backoff_ms")]
    pub queue_full_backoff_ms: u64,
    #[serde(default)]
    pub long_messages: LongMessages,
    /// Sender used when a message names none: digits are an international
    /// number (8 or more digits, or a leading `+`) or a short code, anything
    /// else an alphanumeric sender.
    #[serde(default)]
    pub default_source: Option<String>,
    #[serde(default)]
    pub dlr_id_format: DlrIdFormat,
    /// Ask for a delivery receipt on every submit, so a lost submit_sm_resp
    /// can still be resolved by its receipt.
    #[serde(default = "default_true")]
    pub request_dlr_always: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// One bind_transceiver session for everything.
    #[default]
    Transceiver,
    /// Two sessions: bind_transmitter for submits, bind_receiver for
    /// deliver_sm (for SMSCs that do not offer transceiver binds).
    TransmitterReceiver,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LongMessages {
    /// One submit_sm per part with a concatenation UDH (esm_class UDHI).
    #[default]
    Udh,
    /// The whole text in one submit_sm's message_payload TLV.
    Payload,
    /// One submit_sm per part with sar_* TLVs.
    Sar,
}

/// How this SMSC writes message ids inside delivery reports compared with
/// the ids of its submit_sm_resp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DlrIdFormat {
    /// The same way: compared as they are.
    #[default]
    AsIs,
    /// Reports carry hex ids, submit_sm_resp decimal ones.
    Hex,
    /// Reports carry decimal ids, submit_sm_resp hex ones.
    Decimal,
}

fn default_window() -> u32 {
    10
}
fn default_enquire_link_secs() -> u64 {
    30
}
fn default_response_timeout_secs() -> u64 {
    10
}
fn default_reconnect_min_secs() -> u64 {
    1
}
fn default_reconnect_max_secs() -> u64 {
    60
}
fn default_throttle_backoff_ms() -> u64 {
    1000
}
fn default_queue_full_backoff_ms() -> u64 {
    10_000
}
fn default_true() -> bool {
    true
}

/// A configuration mistake, naming the key and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[[smpp]] '{name}': {key}: {problem}")]
pub struct ConfigError {
    pub name: String,
    pub key: &'static str,
    pub problem: String,
}

impl SmppConfig {
    /// A config with every default, for tests and examples.
    pub fn new(name: &str, host: &str, port: u16, system_id: &str) -> Self {
        SmppConfig {
            name: name.to_owned(),
            host: host.to_owned(),
            port,
            system_id: system_id.to_owned(),
            password: String::new(),
            system_type: String::new(),
            address_range: String::new(),
            bind: BindMode::default(),
            window: default_window(),
            tps: None,
            enquire_link_secs: default_enquire_link_secs(),
            response_timeout_secs: default_response_timeout_secs(),
            reconnect_min_secs: default_reconnect_min_secs(),
            reconnect_max_secs: default_reconnect_max_secs(),
            throttle_backoff_ms: default_throttle_backoff_ms(),
            queue_full_backoff_ms: default_queue_full_backoff_ms(),
            long_messages: LongMessages::default(),
            default_source: None,
            dlr_id_format: DlrIdFormat::default(),
            request_dlr_always: true,
        }
    }

    /// Checks what the wire and the timers need, so a mistake is reported
    /// once at start instead of as endless bind failures.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |key: &'static str, problem: String| ConfigError {
            name: self.name.clone(),
            key,
            problem,
        };
        // SMPP C-octet string limits, without the terminating NUL.
        let limits: [(&'static str, &str, usize); 4] = [
            ("system_id", &self.system_id, 15),
            ("password", &self.password, 8),
            ("system_type", &self.system_type, 12),
            ("address_range", &self.address_range, 40),
        ];
        for (key, value, max) in limits {
            if value.len() > max || !value.is_ascii() || value.contains('\0') {
                return Err(err(
                    key,
                    format!("must be at most {max} ASCII characters (SMPP limit)"),
                ));
            }
        }
        if self.host.is_empty() {
            return Err(err("host", "must not be empty".into()));
        }
        if self.window == 0 {
            return Err(err("window", "must be at least 1".into()));
        }
        if let Some(tps) = self.tps
            && !(tps.is_finite() && tps > 0.0)
        {
            return Err(err(
                "tps",
                "must be a positive number of submits per second (leave it out for no limit)"
                    .into(),
            ));
        }
        if self.response_timeout_secs == 0 {
            return Err(err("response_timeout_secs", "must be at least 1".into()));
        }
        if self.reconnect_min_secs == 0 {
            return Err(err("reconnect_min_secs", "must be at least 1".into()));
        }
        if self.reconnect_max_secs < self.reconnect_min_secs {
            return Err(err(
                "reconnect_max_secs",
                "must not be less than reconnect_min_secs".into(),
            ));
        }
        if let Some(src) = &self.default_source {
            if !src.is_ascii() {
                return Err(err(
                    "default_source",
                    format!("'{src}': SMPP addresses are ASCII; use a sender without accents"),
                ));
            }
            parse_source(src).map_err(|problem| err("default_source", problem))?;
        }
        Ok(())
    }

    pub fn enquire_link_interval(&self) -> Option<Duration> {
        (self.enquire_link_secs > 0).then(|| Duration::from_secs(self.enquire_link_secs))
    }
    pub fn response_timeout(&self) -> Duration {
        Duration::from_secs(self.response_timeout_secs.max(1))
    }
    pub fn reconnect_min(&self) -> Duration {
        Duration::from_secs(self.reconnect_min_secs.max(1))
    }
    pub fn reconnect_max(&self) -> Duration {
        Duration::from_secs(self.reconnect_max_secs).max(self.reconnect_min())
    }
    pub fn throttle_backoff(&self) -> Duration {
        Duration::from_millis(self.throttle_backoff_ms)
    }
    pub fn queue_full_backoff(&self) -> Duration {
        Duration::from_millis(self.queue_full_backoff_ms)
    }
    /// The configured default sender, if any and valid.
    pub fn default_source_address(&self) -> Option<Address> {
        self.default_source
            .as_deref()
            .and_then(|s| parse_source(s).ok())
    }
}

/// Reads a configured sender: `+` and digits or 8+ digits are international,
/// shorter digit strings short codes, anything else alphanumeric.
pub fn parse_source(s: &str) -> Result<Address, String> {
    let s = s.trim();
    let digits = s.strip_prefix('+').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if s.starts_with('+') || digits.len() >= 8 {
            return PhoneNumber::parse_e164(&format!("+{digits}"))
                .map(Address::International)
                .map_err(|e| format!("'{s}': {e}"));
        }
        return Address::digits(digits).map_err(|e| format!("'{s}': {e}"));
    }
    Address::alphanumeric(s).map_err(|e| format!("'{s}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_toml_gets_every_default() {
        let cfg: SmppConfig = toml::from_str(
            r#"name = "op1"
               host = "smsc.example.net"
               port = 2775
               system_id = "esme""#,
        )
        .unwrap();
        assert_eq!(cfg.password, "");
        assert_eq!(cfg.bind, BindMode::Transceiver);
        assert_eq!(cfg.window, 10);
        assert_eq!(cfg.tps, None);
        assert_eq!(cfg.enquire_link_secs, 30);
        assert_eq!(cfg.response_timeout_secs, 10);
        assert_eq!((cfg.reconnect_min_secs, cfg.reconnect_max_secs), (1, 60));
        assert_eq!(cfg.throttle_backoff_ms, 1000);
        assert_eq!(cfg.queue_full_backoff_ms, 10_000);
        assert_eq!(cfg.long_messages, LongMessages::Udh);
        assert_eq!(cfg.dlr_id_format, DlrIdFormat::AsIs);
        assert!(cfg.request_dlr_always);
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn every_key_parses() {
        let cfg: SmppConfig = toml::from_str(
            r#"name = "op1"
               host = "10.0.0.1"
               port = 2776
               system_id = "esme"
               password = "secret"
               system_type = "VMA"
               address_range = "^49"
               bind = "transmitter_receiver"
               window = 50
               tps = 25.5
               enquire_link_secs = 15
               response_timeout_secs = 5
               reconnect_min_secs = 2
               reconnect_max_secs = 30
               throttle_backoff_ms = 500
               queue_full_backoff_ms = 2000
               long_messages = "sar"
               default_source = "ACME"
               dlr_id_format = "hex"
               request_dlr_always = false"#,
        )
        .unwrap();
        assert_eq!(cfg.bind, BindMode::TransmitterReceiver);
        assert_eq!(cfg.long_messages, LongMessages::Sar);
        assert_eq!(cfg.dlr_id_format, DlrIdFormat::Hex);
        assert_eq!(cfg.tps, Some(25.5));
        assert_eq!(
            cfg.default_source_address(),
            Some(Address::Alphanumeric("ACME".into()))
        );
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let r: Result<SmppConfig, _> = toml::from_str(
            r#"name = "a"
               host = "h"
               port = 1
               system_id = "s"
               windw = 3"#,
        );
        assert!(r.is_err());
    }

    #[test]
    fn validation_names_the_key() {
        let mut cfg = SmppConfig::new("op1", "h", 2775, "esme");
        cfg.password = "far-too-long".into();
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.key, "password");
        assert!(e.to_string().contains("[[smpp]] 'op1': password"), "{e}");

        let mut cfg = SmppConfig::new("op1", "h", 2775, "esme");
        cfg.tps = Some(0.0);
        assert_eq!(cfg.validate().unwrap_err().key, "tps");

        let mut cfg = SmppConfig::new("op1", "h", 2775, "esme");
        cfg.default_source = Some("THIS IS WAY TOO LONG".into());
        assert_eq!(cfg.validate().unwrap_err().key, "default_source");
        cfg.default_source = Some("Café".into());
        assert_eq!(cfg.validate().unwrap_err().key, "default_source");
    }

    #[test]
    fn sources_are_classified() {
        assert!(matches!(
            parse_source("+491701234567"),
            Ok(Address::International(_))
        ));
        assert!(matches!(
            parse_source("491701234567"),
            Ok(Address::International(_))
        ));
        assert_eq!(parse_source("12345"), Ok(Address::Other("12345".into())));
        assert_eq!(
            parse_source("Bank"),
            Ok(Address::Alphanumeric("Bank".into()))
        );
        assert!(parse_source("+12").is_err());
    }
}
