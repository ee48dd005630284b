//! What a simulated modem is: its profile, where it is plugged in, its SIM,
//! its timing, and how the far ends of the calls it places behave.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The modem family to imitate: identification, supported +CNMI modes,
/// storage index base, unsolicited noise and call indications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// A plain 27.007/27.005 modem: no vendor noise, calls end in ring
    /// silence (the handler must notice that no RING came for a while).
    Generic,
    /// Huawei E1750 / E3372 with voice: ^RSSI/^BOOT/^MODE noise until
    /// `AT^CURC=0`, `COMMAND NOT SUPPORT`, ^ORIG/^CONF/^CONN/^CEND for calls,
    /// 0-based storage indexes.
    #[default]
    Huawei,
    /// SIMCom SIM7600 (SIM800 command set): RDY / SMS DONE / PB DONE at
    /// start, `VOICE CALL: BEGIN` / `VOICE CALL: END: hhmmss`,
    /// `MISSED_CALL: hh:mmAM <number>`, +CLCC URCs with `AT+CLCC=1`,
    /// 1-based storage indexes.
    Simcom,
    /// Quectel EC25 / M35: RDY, +QUSIM, +QIND: SMS DONE / PB DONE at start,
    /// NO CARRIER at the end of calls, 0-based storage indexes.
    Quectel,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Generic,
        Profile::Huawei,
        Profile::Simcom,
        Profile::Quectel,
    ];

    /// The name used in config files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::Huawei => "huawei",
            Profile::Simcom => "simcom",
            Profile::Quectel => "quectel",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("profile: '{s}' is not one of generic, huawei, simcom, quectel"))
    }
}

/// How the far end of a dialled call behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DialOutcome {
    /// Alerts, then answers after `after_ms`; hangs up by itself after
    /// `hangup_after_ms` of conversation if set.
    Answer {
        after_ms: u64,
        #[serde(default)]
        hangup_after_ms: Option<u64>,
    },
    /// The callee is busy (BUSY, Huawei ^CEND cause 17) after `after_ms`.
    Busy { after_ms: u64 },
    /// Alerts until `after_ms`, then NO ANSWER (Huawei ^CEND cause 19).
    NoAnswer { after_ms: u64 },
    /// The call fails (NO CARRIER, Huawei ^CEND cause 31) after `after_ms`.
    NoCarrier { after_ms: u64 },
}

impl Default for DialOutcome {
    fn default() -> Self {
        DialOutcome::Answer {
            after_ms: 300,
            hangup_after_ms: None,
        }
    }
}

/// Where the simulated modem is reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transport {
    /// A pseudo-terminal, reached through a symlink at `link` (default: a
    /// fresh temp dir's `ttyUSB0`) that follows the pty across unplug and
    /// replug, as a udev rule gives a stable name to a USB modem.
    Pty {
        #[serde(default)]
        link: Option<PathBuf>,
    },
    /// Raw TCP as ser2net serves a remote modem (`tcp://host:port`); one
    /// client at a time, a second one is closed at once.
    Tcp { listen: SocketAddr },
}

impl Default for Transport {
    fn default() -> Self {
        Transport::Pty { link: None }
    }
}

/// Timing. Zero everywhere by default (tests measure the software, not the
/// radio); [`Timing::realistic`] is what a USB stick on a live network does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timing {
    /// Before the final result of an ordinary command.
    pub command_ms: u64,
    /// From Ctrl-Z to `+CMGS: <mr>` (a real modem takes 2-3 s).
    pub cmgs_ms: u64,
    /// Between RINGs of an incoming call (3-5 s on real networks).
    pub ring_interval_ms: u64,
    /// Between vendor noise lines (Huawei ^RSSI, ^BOOT, ^MODE); 0 = none.
    pub noise_interval_ms: u64,
    /// From `+CMGS: <mr>` to its status report, when TP-SRR asked for one
    /// and `auto_status_reports` is on.
    pub status_report_ms: u64,
    /// How long a direct +CMT waits for `AT+CNMA` (with `AT+CSMS=1`) before
    /// the network gives up on it and the modem stores it instead.
    pub cnma_timeout_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            command_ms: 0,
            cmgs_ms: 0,
            ring_interval_ms: 3000,
            noise_interval_ms: 0,
            status_report_ms: 50,
            cnma_timeout_ms: 2000,
        }
    }
}

impl Timing {
    /// A real USB modem on a live network.
    pub fn realistic() -> Self {
        Timing {
            command_ms: 30,
            cmgs_ms: 2500,
            ring_interval_ms: 4000,
            noise_interval_ms: 10_000,
            status_report_ms: 5000,
            cnma_timeout_ms: 15_000,
        }
    }

    pub(crate) fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }
}

/// Everything about one simulated modem. Every field has a default that
/// works (`ModemSimConfig::default()` is an unlocked Huawei on a pty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModemSimConfig {
    pub profile: Profile,
    pub transport: Transport,
    /// HTTP control API (`POST /sms`, `POST /call`, `POST /faults`,
    /// `GET /sent`, `GET /log` ...); off when `None`.
    pub control_listen: Option<SocketAddr>,
    /// The SIM's own number, answered by +CNUM; `None`: +CNUM lists nothing
    /// (as many prepaid SIMs do).
    pub number: Option<String>,
    /// The SIM PIN; `None`: the SIM is unlocked (`+CPIN: READY`).
    pub pin: Option<String>,
    /// The PUK that unlocks a SIM blocked by three wrong PINs.
    pub puk: String,
    /// The SMSC address on the SIM (+CSCA).
    pub smsc: String,
    /// Operator name for +COPS.
    pub operator: String,
    /// +CSQ rssi (0..=31) while registered.
    pub signal: u8,
    /// Messages the SIM ("SM") holds; one more gives +CMS ERROR: 322 and the
    /// network keeps the message until space is freed.
    pub storage_capacity: usize,
    /// Status reports "SR" holds.
    pub report_capacity: usize,
    pub timing: Timing,
    /// Send a status report (delivered) `timing.status_report_ms` after each
    /// part that asked for one. Off: only [`super::ModemSim::inject_status_report`].
    pub auto_status_reports: bool,
    /// Outcomes for dialled numbers, keyed by the number as dialled with or
    /// without its leading `+`.
    pub dial_outcomes: HashMap<String, DialOutcome>,
    /// For numbers not in `dial_outcomes`.
    pub default_dial_outcome: DialOutcome,
    /// Print the vendor's start-up lines (RDY, ^BOOT, +CPIN: READY ...) when
    /// the modem is plugged in.
    pub boot_urcs: bool,
}

impl Default for ModemSimConfig {
    fn default() -> Self {
        ModemSimConfig {
            profile: Profile::default(),
            transport: Transport::default(),
            control_listen: None,
            number: None,
            pin: None,
            puk: "12345678".into(),
            smsc: "+491710760000".into(),
            operator: "Telekom.de".into(),
            signal: 20,
            storage_capacity: 30,
            report_capacity: 10,
            timing: Timing::default(),
            auto_status_reports: true,
            dial_outcomes: HashMap::new(),
            default_dial_outcome: DialOutcome::default(),
            boot_urcs: true,
        }
    }
}

impl ModemSimConfig {
    /// A modem of `profile` on a pty with zero delays and short rings, as
    /// tests want it.
    pub fn for_tests(profile: Profile) -> Self {
        ModemSimConfig {
            profile,
            timing: Timing {
                ring_interval_ms: 100,
                status_report_ms: 20,
                cnma_timeout_ms: 500,
                ..Timing::default()
            },
            ..ModemSimConfig::default()
        }
    }

    /// Names the first field that cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if self.signal > 31 {
            return Err(format!("signal: +CSQ rssi is 0..=31, got {}", self.signal));
        }
        if self.storage_capacity == 0 || self.storage_capacity > 255 {
            return Err(format!(
                "storage_capacity: 1..=255 messages, got {}",
                self.storage_capacity
            ));
        }
        if self.report_capacity == 0 || self.report_capacity > 255 {
            return Err(format!(
                "report_capacity: 1..=255 reports, got {}",
                self.report_capacity
            ));
        }
        if self.timing.ring_interval_ms == 0 {
            return Err("timing.ring_interval_ms: must be more than 0".into());
        }
        let digits = |s: &str| {
            let d = s.strip_prefix('+').unwrap_or(s);
            !d.is_empty() && d.len() <= 20 && d.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(&self.smsc) {
            return Err(format!("smsc: '{}' is not a phone number", self.smsc));
        }
        if let Some(n) = &self.number
            && !digits(n)
        {
            return Err(format!("number: '{n}' is not a phone number"));
        }
        if let Some(p) = &self.pin
            && !(4..=8).contains(&p.len())
        {
            return Err("pin: a SIM PIN is 4 to 8 digits".into());
        }
        for k in self.dial_outcomes.keys() {
            if !digits(k) {
                return Err(format!("dial_outcomes: '{k}' is not a phone number"));
            }
        }
        Ok(())
    }
}
