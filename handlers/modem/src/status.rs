//! The status the host sees: state, a detail for people, capacity and what
//! the radio knows.

use crate::emit::Emitter;
use switchboard_protocol::{Capability, Event, HandlerState, HandlerStatus, RadioStatus};

pub const CAPABILITIES: [Capability; 4] = [
    Capability::SendSms,
    Capability::ReceiveSms,
    Capability::DeliveryReports,
    Capability::VoiceCalls,
];

/// Publishes status changes only, so health checks that find nothing new
/// stay quiet.
#[derive(Debug, Default)]
pub struct Publisher {
    last: Option<HandlerStatus>,
}

impl Publisher {
    pub fn publish(
        &mut self,
        emitter: &Emitter,
        state: HandlerState,
        detail: String,
        capacity: u32,
        radio: &RadioStatus,
    ) {
        let capacity = if state == HandlerState::Down {
            0
        } else {
            capacity
        };
        let status = HandlerStatus {
            state,
            detail,
            capabilities: CAPABILITIES.to_vec(),
            capacity,
            radio: Some(radio.clone()),
        };
        if self.last.as_ref() == Some(&status) {
            return;
        }
        match state {
            HandlerState::Down => {
                tracing::warn!(modem = %emitter.id, detail = %status.detail, "modem down")
            }
            _ => {
                tracing::info!(modem = %emitter.id, detail = %status.detail, ?state, "modem status")
            }
        }
        self.last = Some(status.clone());
        emitter.emit(Event::Status(status));
    }

    pub fn down(&mut self, emitter: &Emitter, detail: String, radio: &RadioStatus) {
        self.publish(emitter, HandlerState::Down, detail, 0, radio);
    }
}
