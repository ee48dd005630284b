//! What every handler last said about itself, for the API and /healthz.

use serde::Serialize;
use std::sync::{Arc, RwLock};
use switchboard_protocol::{HandlerHandle, HandlerState, HandlerStatus};

#[derive(Debug, Clone, Serialize)]
pub struct HandlerView {
    pub name: String,
    pub state: HandlerState,
    pub detail: String,
    pub capacity: u32,
    pub in_flight: u32,
    pub since: i64,
}

#[derive(Debug, Clone)]
pub struct StatusBoard(Arc<RwLock<Vec<HandlerView>>>);

impl StatusBoard {
    pub fn new(handlers: &[HandlerHandle]) -> StatusBoard {
        StatusBoard(Arc::new(RwLock::new(
            handlers
                .iter()
                .map(|h| HandlerView {
                    name: h.id.to_string(),
                    state: HandlerState::Down,
                    detail: "starting".into(),
                    capacity: 0,
                    in_flight: 0,
                    since: crate::store::now_ms(),
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
        }
    }

    pub fn set_in_flight(&self, name: &str, n: u32) {
        if let Ok(mut v) = self.0.write()
            && let Some(h) = v.iter_mut().find(|h| h.name == name)
        {
            h.in_flight = n;
        }
    }

    pub fn snapshot(&self) -> Vec<HandlerView> {
        self.0.read().map(|v| v.clone()).unwrap_or_default()
    }
}
