//! `[[modem]]` configuration: one table per GSM modem (one SIM, one line).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use switchboard_protocol::PhoneNumber;

/// One modem as configured in a `[[modem]]` table. Durations are plain
/// integers in the unit their key names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModemConfig {
    /// The handler's name; also names the modem in logs and status details.
    pub name: String,
    /// A serial device (`/dev/ttyUSB2`, a udev link such as
    /// `/dev/switchboard/modem0`, a pty) or `tcp://host:port` for a modem
    /// served raw over TCP (ser2net).
    pub device: String,
    /// Serial line speed; ignored for `tcp://` devices.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// SIM PIN, entered only when the SIM asks for it (`+CPIN: SIM PIN`).
    /// The host resolves `${ENV}` before the handler sees it. A PIN the SIM
    /// refuses is never tried again: three wrong tries lock the SIM.
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub profile: ProfileChoice,
    /// The line's own number (E.164). When absent the handler asks the SIM
    /// (`+CNUM`), which many operators leave empty.
    #[serde(default)]
    pub number: Option<PhoneNumber>,
    /// Most SMS per day through this SIM; enforced by the host's pool.
    #[serde(default)]
    pub daily_limit: Option<u32>,
    /// Seconds between health checks (+CSQ, +CREG/+CEREG, +COPS).
    #[serde(default = "default_health_secs")]
    pub health_secs: u64,
    /// Ring silence after which an unanswered incoming call counts as over
    /// (RING repeats every ~5 s on most networks).
    #[serde(default = "default_ring_timeout_secs")]
    pub ring_timeout_secs: u64,
    /// Refuse an incoming call after this many rings (it still counts as
    /// missed, with `rejected`); never when absent.
    #[serde(default)]
    pub reject_after_rings: Option<u32>,
    /// SMSC number to set with `+CSCA` instead of the one on the SIM.
    #[serde(default)]
    pub smsc: Option<PhoneNumber>,
    /// `+CNMI` parameters (`"2,1,0,2,0"`) to use instead of probing
    /// `+CNMI=?`, for modems that advertise what they do not do.
    #[serde(default)]
    pub cnmi: Option<String>,
    /// Preferred message storage for `+CPMS` (`SM`, `ME`, `MT`).
    #[serde(default = "default_storage")]
    pub storage: String,
    /// Time allowed for an ordinary command (queries, settings).
    #[serde(default = "default_command_timeout_ms")]
    pub command_timeout_ms: u64,
    /// Time allowed for `+CMGS` (the network's answer can take seconds).
    #[serde(default = "default_send_timeout_ms")]
    pub send_timeout_ms: u64,
    /// Time allowed for `ATD` to be accepted.
    #[serde(default = "default_dial_timeout_ms")]
    pub dial_timeout_ms: u64,
    /// Seconds between sweeps of stored messages (`+CMGL`), since new
    /// message notifications are unreliable on many modems; 0: only at start.
    #[serde(default = "default_sweep_secs")]
    pub sweep_secs: u64,
    /// Milliseconds between `+CLCC` polls while a call exists, for modems
    /// that report no call progress of their own.
    #[serde(default = "default_call_poll_ms")]
    pub call_poll_ms: u64,
    /// How many `SendSms` the host may have outstanding at this modem; the
    /// handler sends them one after another.
    #[serde(default = "default_queue_depth")]
    pub queue_depth: u32,
    /// First and longest pause between tries to (re)open the port.
    #[serde(default = "default_reopen_min_ms")]
    pub reopen_min_ms: u64,
    #[serde(default = "default_reopen_max_ms")]
    pub reopen_max_ms: u64,
    /// First and longest `retry_after` hint for temporary send failures; it
    /// doubles with each consecutive one.
    #[serde(default = "default_retry_min_secs")]
    pub retry_min_secs: u64,
    #[serde(default = "default_retry_max_secs")]
    pub retry_max_secs: u64,
}

/// Which modem family's quirks to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileChoice {
    /// Chosen from `+CGMI` / `+CGMM` at start.
    #[default]
    Auto,
    Generic,
    Huawei,
    Simcom,
    Quectel,
}

/// Where the modem is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    Serial(PathBuf),
    /// `host:port`, raw bytes (no telnet negotiation).
    Tcp(String),
}

fn default_baud() -> u32 {
    115_200
}
fn default_health_secs() -> u64 {
    15
}
fn default_ring_timeout_secs() -> u64 {
    10
}
fn default_storage() -> String {
    "SM".into()
}
fn default_command_timeout_ms() -> u64 {
    5_000
}
fn default_send_timeout_ms() -> u64 {
    // A +CMGS takes 2-10 s on live networks; past 25 s the modem is taken
    // for hung, so that a hang during a send is still noticed within 30 s.
    25_000
}
fn default_dial_timeout_ms() -> u64 {
    20_000
}
fn default_sweep_secs() -> u64 {
    300
}
fn default_call_poll_ms() -> u64 {
    1_000
}
fn default_queue_depth() -> u32 {
    8
}
fn default_reopen_min_ms() -> u64 {
    1_000
}
fn default_reopen_max_ms() -> u64 {
    30_000
}
fn default_retry_min_secs() -> u64 {
    10
}
fn default_retry_max_secs() -> u64 {
    600
}

/// A configuration mistake, naming the key and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[[modem]] '{name}': {key}: {problem}")]
pub struct ConfigError {
    pub name: String,
    pub key: &'static str,
    pub problem: String,
}

impl ModemConfig {
    /// A config with every default, for tests and examples.
    pub fn new(name: &str, device: &str) -> Self {
        ModemConfig {
            name: name.to_owned(),
            device: device.to_owned(),
            baud: default_baud(),
            pin: None,
            profile: ProfileChoice::default(),
            number: None,
            daily_limit: None,
            health_secs: default_health_secs(),
            ring_timeout_secs: default_ring_timeout_secs(),
            reject_after_rings: None,
            smsc: None,
            cnmi: None,
            storage: default_storage(),
            command_timeout_ms: default_command_timeout_ms(),
            send_timeout_ms: default_send_timeout_ms(),
            dial_timeout_ms: default_dial_timeout_ms(),
            sweep_secs: default_sweep_secs(),
            call_poll_ms: default_call_poll_ms(),
            queue_depth: default_queue_depth(),
            reopen_min_ms: default_reopen_min_ms(),
            reopen_max_ms: default_reopen_max_ms(),
            retry_min_secs: default_retry_min_secs(),
            retry_max_secs: default_retry_max_secs(),
        }
    }

    /// Checks what the modem and the timers need, so a mistake is reported
    /// once at start instead of as endless failures.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |key: &'static str, problem: String| ConfigError {
            name: self.name.clone(),
            key,
            problem,
        };
        if self.name.trim().is_empty() {
            return Err(err("name", "must not be empty".into()));
        }
        match self.device() {
            Err(problem) => return Err(err("device", problem)),
            Ok(Device::Tcp(_) | Device::Serial(_)) => {}
        }
        if self.baud == 0 {
            return Err(err("baud", "must be a line speed such as 115200".into()));
        }
        if let Some(pin) = &self.pin {
            if pin.starts_with("${") {
                return Err(err(
                    "pin",
                    format!("'{pin}' was not resolved: set that environment variable"),
                ));
            }
            if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("pin", "a SIM PIN is 4 to 8 digits".into()));
            }
        }
        if let Some(cnmi) = &self.cnmi {
            let fields: Vec<&str> = cnmi.split(',').collect();
            let ok = (2..=5).contains(&fields.len())
                && fields
                    .iter()
                    .all(|f| f.len() == 1 && f.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return Err(err(
                    "cnmi",
                    format!("'{cnmi}': give the +CNMI values, such as \"2,1,0,2,0\""),
                ));
            }
        }
        let storage_ok =
            self.storage.len() == 2 && self.storage.bytes().all(|b| b.is_ascii_uppercase());
        if !storage_ok {
            return Err(err(
                "storage",
                format!("'{}': a +CPMS memory such as SM, ME or MT", self.storage),
            ));
        }
        let at_least_one: [(&'static str, u64); 9] = [
            ("health_secs", self.health_secs),
            ("ring_timeout_secs", self.ring_timeout_secs),
            ("command_timeout_ms", self.command_timeout_ms),
            ("send_timeout_ms", self.send_timeout_ms),
            ("dial_timeout_ms", self.dial_timeout_ms),
            ("call_poll_ms", self.call_poll_ms),
            ("queue_depth", u64::from(self.queue_depth)),
            ("reopen_min_ms", self.reopen_min_ms),
            ("retry_min_secs", self.retry_min_secs),
        ];
        for (key, value) in at_least_one {
            if value == 0 {
                return Err(err(key, "must be at least 1".into()));
            }
        }
        if self.reject_after_rings == Some(0) {
            return Err(err(
                "reject_after_rings",
                "must be at least 1 (leave it out to never reject)".into(),
            ));
        }
        if self.reopen_max_ms < self.reopen_min_ms {
            return Err(err(
                "reopen_max_ms",
                "must not be less than reopen_min_ms".into(),
            ));
        }
        if self.retry_max_secs < self.retry_min_secs {
            return Err(err(
                "retry_max_secs",
                "must not be less than retry_min_secs".into(),
            ));
        }
        Ok(())
    }

    /// The device, read from `device`.
    pub fn device(&self) -> Result<Device, String> {
        let d = self.device.trim();
        if d.is_empty() {
            return Err("must name a serial device or tcp://host:port".into());
        }
        if let Some(rest) = d.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let port_ok = rest
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !port_ok {
                return Err(format!("'{d}': write tcp://host:port"));
            }
            return Ok(Device::Tcp(rest.to_owned()));
        }
        if d.contains("://") {
            return Err(format!(
                "'{d}': only serial paths and tcp://host:port are supported"
            ));
        }
        Ok(Device::Serial(PathBuf::from(d)))
    }

    pub fn health_interval(&self) -> Duration {
        Duration::from_secs(self.health_secs.max(1))
    }
    pub fn ring_timeout(&self) -> Duration {
        Duration::from_secs(self.ring_timeout_secs.max(1))
    }
    pub fn command_timeout(&self) -> Duration {
        Duration::from_millis(self.command_timeout_ms.max(1))
    }
    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.send_timeout_ms.max(1))
    }
    pub fn dial_timeout(&self) -> Duration {
        Duration::from_millis(self.dial_timeout_ms.max(1))
    }
    /// `None`: sweep only at start.
    pub fn sweep_interval(&self) -> Option<Duration> {
        (self.sweep_secs > 0).then(|| Duration::from_secs(self.sweep_secs))
    }
    pub fn call_poll(&self) -> Duration {
        Duration::from_millis(self.call_poll_ms.max(1))
    }
    pub fn reopen_min(&self) -> Duration {
        Duration::from_millis(self.reopen_min_ms.max(1))
    }
    pub fn reopen_max(&self) -> Duration {
        Duration::from_millis(self.reopen_max_ms).max(self.reopen_min())
    }
    pub fn retry_min(&self) -> Duration {
        Duration::from_secs(self.retry_min_secs.max(1))
    }
    pub fn retry_max(&self) -> Duration {
        Duration::from_secs(self.retry_max_secs).max(self.retry_min())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_toml_gets_every_default() {
        let cfg: ModemConfig = toml::from_str(
            r#"name = "gsm0"
               device = "/dev/ttyUSB0""#,
        )
        .unwrap();
        assert_eq!(cfg.baud, 115_200);
        assert_eq!(cfg.profile, ProfileChoice::Auto);
        assert_eq!(cfg.pin, None);
        assert_eq!(cfg.health_secs, 15);
        assert_eq!(cfg.ring_timeout_secs, 10);
        assert_eq!(cfg.storage, "SM");
        assert_eq!(cfg.queue_depth, 8);
        assert_eq!(cfg.device(), Ok(Device::Serial("/dev/ttyUSB0".into())));
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn every_key_parses() {
        let cfg: ModemConfig = toml::from_str(
            r#"name = "gsm0"
               device = "tcp://10.0.0.5:7001"
               baud = 9600
               pin = "1234"
               profile = "huawei"
               number = "+491701234567"
               daily_limit = 200
               health_secs = 30
               ring_timeout_secs = 8
               reject_after_rings = 4
               smsc = "+491722270333"
               cnmi = "2,1,0,2,0"
               storage = "ME"
               command_timeout_ms = 3000
               send_timeout_ms = 90000
               dial_timeout_ms = 20000
               sweep_secs = 0
               call_poll_ms = 500
               queue_depth = 4
               reopen_min_ms = 500
               reopen_max_ms = 10000
               retry_min_secs = 5
               retry_max_secs = 60"#,
        )
        .unwrap();
        assert_eq!(cfg.profile, ProfileChoice::Huawei);
        assert_eq!(cfg.device(), Ok(Device::Tcp("10.0.0.5:7001".into())));
        assert_eq!(cfg.sweep_interval(), None);
        assert_eq!(cfg.reject_after_rings, Some(4));
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_numbers_are_refused() {
        let r: Result<ModemConfig, _> = toml::from_str(
            r#"name = "a"
               device = "/dev/ttyUSB0"
               bauds = 9600"#,
        );
        assert!(r.is_err());
        let r: Result<ModemConfig, _> = toml::from_str(
            r#"name = "a"
               device = "/dev/ttyUSB0"
               number = "0170 1234567""#,
        );
        assert!(r.unwrap_err().to_string().contains("number"));
    }

    #[test]
    fn validation_names_the_key() {
        let mut cfg = ModemConfig::new("gsm0", "tcp://nohost");
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.key, "device");
        assert!(e.to_string().starts_with("[[modem]] 'gsm0': device"), "{e}");

        cfg = ModemConfig::new("gsm0", "/dev/ttyUSB0");
        cfg.pin = Some("12a4".into());
        assert_eq!(cfg.validate().unwrap_err().key, "pin");
        cfg.pin = Some("${SIM_PIN}".into());
        assert!(cfg.validate().unwrap_err().problem.contains("not resolved"));

        cfg = ModemConfig::new("gsm0", "/dev/ttyUSB0");
        cfg.cnmi = Some("2,1,x".into());
        assert_eq!(cfg.validate().unwrap_err().key, "cnmi");

        cfg = ModemConfig::new("gsm0", "/dev/ttyUSB0");
        cfg.health_secs = 0;
        assert_eq!(cfg.validate().unwrap_err().key, "health_secs");

        cfg = ModemConfig::new("gsm0", "/dev/ttyUSB0");
        cfg.reject_after_rings = Some(0);
        assert_eq!(cfg.validate().unwrap_err().key, "reject_after_rings");

        cfg = ModemConfig::new("gsm0", "serial:///dev/x");
        assert_eq!(cfg.validate().unwrap_err().key, "device");
    }
}
