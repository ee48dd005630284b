//! The one TOML configuration file. Every key has a default that works in
//! the demo; unknown keys and bad values are errors naming the key.

mod env;
mod im;
mod routes;

pub use im::ImConfig;
pub use routes::RouteConfig;

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use switchboard_modem::ModemConfig;
use switchboard_smpp::SmppConfig;

/// The commented example printed by `switchboard config example`.
pub const EXAMPLE: &str = include_str!("example.toml");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub numbers: NumbersConfig,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub smpp: Vec<SmppConfig>,
    #[serde(default)]
    pub modem: Vec<ModemConfig>,
    #[serde(default)]
    pub route: Vec<RouteConfig>,
    #[serde(default)]
    pub im: ImConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Where the HTTP API listens.
    pub listen: SocketAddr,
    /// How the API is reached from outside (links in webhooks and pages).
    pub public_url: String,
    /// Seconds a client has to send the head of a request. A connection
    /// kept alive between requests is closed when the next head does not
    /// come in time either.
    pub header_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            header_timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub path: PathBuf,
    /// SQLite `synchronous` level: "full" (default: an accepted message
    /// survives power loss) or "normal" (survives a process crash; the last
    /// commits may be lost on power loss).
    pub synchronous: Synchronous,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("switchboard.db"),
            synchronous: Synchronous::Full,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NumbersConfig {
    /// ISO 3166 region used to read national numbers ("0170 1234567").
    pub default_region: String,
}

impl Default for NumbersConfig {
    fn default() -> Self {
        NumbersConfig {
            default_region: "DE".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// How long a message is tried when the request gives no validity.
    pub validity_secs: u64,
    /// First retry delay after a temporary failure; doubles per try.
    pub retry_min_secs: u64,
    /// Longest delay between two tries.
    pub retry_max_secs: u64,
    /// After a submit got no response, how long to wait for a delivery
    /// report before sending again.
    pub uncertain_hold_secs: u64,
    /// How long the parts of a received long message wait for the rest.
    pub mo_part_timeout_secs: u64,
    /// Whether a phone's STOP also ends the operator API's messages to it
    /// (stored failed, `recipient_opted_out`). The IM side's always end.
    pub opt_out_applies_to_api: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            validity_secs: 48 * 3600,
            retry_min_secs: 2,
            retry_max_secs: 600,
            uncertain_hold_secs: 120,
            mo_part_timeout_secs: 300,
            opt_out_applies_to_api: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and checks a config; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let parse_err = |message: String| ConfigError::Parse {
            path: path.to_owned(),
            message,
        };
        let mut value: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        env::expand(&mut value).map_err(|(key, message)| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            message,
        })?;
        let config: Config = toml::Value::Table(value)
            .try_into()
            .map_err(|e: toml::de::Error| parse_err(e.to_string()))?;
        config
            .check()
            .map_err(|(key, message)| ConfigError::Invalid {
                path: path.to_owned(),
                key,
                message,
            })?;
        Ok(config)
    }

    /// Checks that go beyond types: names, references, ranges.
    fn check(&self) -> Result<(), (String, String)> {
        if phonenumber::country::Id::from_str_ci(&self.numbers.default_region).is_none() {
            return Err((
                "numbers.default_region".into(),
                format!(
                    "'{}' is not an ISO 3166 region code such as \"DE\" or \"US\"",
                    self.numbers.default_region
                ),
            ));
        }
        if self.server.header_timeout_secs == 0 {
            return Err((
                "server.header_timeout_secs".into(),
                "must be at least 1".into(),
            ));
        }
        let d = &self.delivery;
        if d.retry_min_secs == 0 || d.retry_min_secs > d.retry_max_secs {
            return Err((
                "delivery.retry_min_secs".into(),
                "must be at least 1 and not above delivery.retry_max_secs".into(),
            ));
        }
        self.im.check()?;
        let mut names = std::collections::HashSet::new();
        for (i, s) in self.smpp.iter().enumerate() {
            if s.name.is_empty() || !names.insert(s.name.as_str()) {
                return Err((
                    format!("smpp[{i}].name"),
                    format!(
                        "'{}' is empty or used twice; every link needs its own name",
                        s.name
                    ),
                ));
            }
            if s.window == 0 {
                return Err((format!("smpp[{i}].window"), "must be at least 1".into()));
            }
        }
        let mut devices = std::collections::HashMap::new();
        for (i, m) in self.modem.iter().enumerate() {
            if m.name.is_empty() || !names.insert(m.name.as_str()) {
                return Err((
                    format!("modem[{i}].name"),
                    format!(
                        "'{}' is empty or already names an [[smpp]] link or another [[modem]]; \
                         every link needs its own name",
                        m.name
                    ),
                ));
            }
            m.validate()
                .map_err(|e| (format!("modem[{i}].{}", e.key), e.problem))?;
            if let Some(other) = devices.insert(m.device.trim(), m.name.as_str()) {
                return Err((
                    format!("modem[{i}].device"),
                    format!(
                        "'{}' is also the device of [[modem]] '{other}'; one port carries one modem",
                        m.device
                    ),
                ));
            }
            if m.daily_limit == Some(0) {
                return Err((
                    format!("modem[{i}].daily_limit"),
                    "must be at least 1 (leave it out for no limit)".into(),
                ));
            }
        }
        routes::check(&self.route, &names)
    }
}

/// `phonenumber` keeps regions as an enum; this reads one case-insensitively.
trait RegionExt: Sized {
    fn from_str_ci(s: &str) -> Option<Self>;
}

impl RegionExt for phonenumber::country::Id {
    fn from_str_ci(s: &str) -> Option<Self> {
        s.to_ascii_uppercase().parse().ok()
    }
}

#[cfg(test)]
mod tests;
