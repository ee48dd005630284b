//! `[im]`: the IM side of the gateway (users, bindings, routing).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImConfig {
    /// Received SMS are read as messages to IM IDs and commands; off, the
    /// gateway is an SMS gateway only.
    pub enabled: bool,
    /// The name after `@` in full IM IDs (`alice@<cluster>`).
    pub cluster: String,
    /// A phone that texts without a binding is given an IM ID of its own
    /// (a phone-only user) instead of only a HELP reply.
    pub phone_only_users: bool,
    /// How long a text without an IM ID goes to the last IM ID that wrote
    /// to the phone.
    pub sticky_reply_secs: u64,
    /// Adding someone as a contact tells them.
    pub notify_contact_added: bool,
    /// One-time codes a number may be sent per day.
    pub code_daily_cap: u32,
    /// Phone numbers a user may check by contact matching per day.
    pub match_daily_quota: u32,
    /// For tests: `POST /api/v1/admin/clock` moves the gateway's clock on.
    pub test_clock: bool,
    /// Per-user virtual numbers: an SMS to this destination address (a
    /// short code with a suffix, a modem line) goes straight to the IM ID.
    pub virtual_numbers: Vec<VirtualNumber>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualNumber {
    /// The destination address as the network gives it (`1234501`).
    pub address: String,
    /// The IM ID it stands for (`alice`).
    pub id: String,
}

impl Default for ImConfig {
    fn default() -> Self {
        ImConfig {
            enabled: false,
            cluster: "switchboard.local".into(),
            phone_only_users: false,
            sticky_reply_secs: 3600,
            notify_contact_added: true,
            code_daily_cap: 5,
            match_daily_quota: 5000,
            test_clock: false,
            virtual_numbers: Vec::new(),
        }
    }
}

impl ImConfig {
    pub fn check(&self) -> Result<(), (String, String)> {
        let ok = !self.cluster.is_empty()
            && self
                .cluster
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !ok {
            return Err((
                "im.cluster".into(),
                format!(
                    "'{}' is not a cluster name: letters, digits, '.' and '-' only",
                    self.cluster
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, v) in self.virtual_numbers.iter().enumerate() {
            let digits = v.address.trim_start_matches('+');
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || !seen.insert(digits)
            {
                return Err((
                    format!("im.virtual_numbers[{i}].address"),
                    format!("'{}' is not digits, or is used twice", v.address),
                ));
            }
            if let Err(e) = crate::im::directory::ImId::parse(&v.id, &self.cluster) {
                return Err((
                    format!("im.virtual_numbers[{i}].id"),
                    format!("'{}': {e}", v.id),
                ));
            }
        }
        if self.code_daily_cap == 0 {
            return Err(("im.code_daily_cap".into(), "must be at least 1".into()));
        }
        Ok(())
    }
}

impl ImConfig {
    /// The IM ID a destination address stands for, if it is a virtual number.
    pub fn virtual_target(&self, to: &str) -> Option<&str> {
        let to = to.trim_start_matches('+');
        self.virtual_numbers
            .iter()
            .find(|v| v.address.trim_start_matches('+') == to)
            .map(|v| v.id.as_str())
    }
}
