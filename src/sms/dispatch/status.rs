//! What every handler last said about itself, for the API and /healthz.

use super::pool::{LinkKind, LinkSpec};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use switchboard_protocol::{HandlerState, HandlerStatus, RadioStatus, Registration};

#[derive(Debug, Clone, Serialize)]
pub struct HandlerView {
    pub name: String,
    pub kind: LinkKind,
    pub state: HandlerState,
    pub detail: String,
    pub capacity: u32,
    pub in_flight: u32,
    pub since: i64,
    /// A modem's radio: signal, registration, operator, model, profile and
    /// the line's number (API key holders are the gateway's operators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radio: Option<RadioView>,
    /// A modem's SIM limit, and the SMS parts it sent today (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_today: Option<u64>,
    /// Set while a modem is at its daily limit and is passed over.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub at_daily_limit: bool,
}

/// [`RadioStatus`] as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RadioView {
    pub signal_dbm: Option<i32>,
    pub csq: Option<u8>,
    pub registration: Registration,
    pub operator: Option<String>,
    pub model: Option<String>,
    pub profile: Option<String>,
    pub line: Option<String>,
}

impl From<&RadioStatus> for RadioView {
    fn from(r: &RadioStatus) -> Self {
        RadioView {
            signal_dbm: r.signal_dbm,
            csq: r.csq,
            registration: r.registration,
            operator: r.operator.clone(),
            model: r.model.clone(),
            profile: r.profile.clone(),
            line: r.line.as_ref().map(|p| p.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusBoard(Arc<RwLock<Vec<HandlerView>>>);

impl StatusBoard {
    pub fn new(links: &[LinkSpec]) -> StatusBoard {
        StatusBoard(Arc::new(RwLock::new(
            links
                .iter()
                .map(|l| HandlerView {
                    name: l.handle.id.to_string(),
                    kind: l.kind,
                    state: HandlerState::Down,
                    detail: "starting".into(),
                    capacity: 0,
                    in_flight: 0,
                    since: crate::store::now_ms(),
                    radio: None,
                    daily_limit: l.daily_limit,
                    sent_today: (l.kind == LinkKind::Modem).then_some(0),
                    at_daily_limit: false,
                })
                .collect(),
        )))
    }

    pub fn set(&self, name: &str, s: &HandlerStatus) {
        if let Ok(mut v) = self.0.write()
            && let Some(h) = v.iter_mut().find(|h| h.name == name)
        {
            if h.state != s.state {
                h.since = crate::store::now_ms();
            }
            h.state = s.state;
            h.detail = s.detail.clone();
            h.capacity = s.capacity;
            // A status without radio keeps the last known one: the radio
            // does not change because the port is being reopened.
            if let Some(r) = &s.radio {
                h.radio = Some(r.into());
            }
        }
    }

    pub fn set_in_flight(&self, name: &str, n: u32) {
        if let Ok(mut v) = self.0.write()
            && let Some(h) = v.iter_mut().find(|h| h.name == name)
        {
            h.in_flight = n;
        }
    }

    pub fn set_sent_today(&self, name: &str, n: u64, at_limit: bool) {
        if let Ok(mut v) = self.0.write()
            && let Some(h) = v.iter_mut().find(|h| h.name == name)
        {
            h.sent_today = Some(n);
            h.at_daily_limit = at_limit;
        }
    }

    pub fn snapshot(&self) -> Vec<HandlerView> {
        self.0.read().map(|v| v.clone()).unwrap_or_default()
    }
}
