//! What the handler's tasks share for its whole life (across reconnects).

use crate::acks::AckTable;
use crate::config::SmppConfig;
use crate::link::Note;
use crate::pause::PauseGate;
use crate::pdu_build::BuildOptions;
use crate::token_bucket::TokenBucket;
use std::sync::atomic::{AtomicU64, Ordering};
use switchboard_protocol::{Envelope, Event, HandlerId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
pub struct Shared {
    pub cfg: SmppConfig,
    pub id: HandlerId,
    events: mpsc::UnboundedSender<Envelope>,
    pub build: BuildOptions,
    pub bucket: Option<TokenBucket>,
    pub pause: PauseGate,
    pub acks: AckTable,
    /// Set at shutdown: submits not yet written give up.
    pub closing: CancellationToken,
    next_connection: AtomicU64,
    notes: mpsc::UnboundedSender<Note>,
}

impl Shared {
    pub fn new(
        cfg: SmppConfig,
        id: HandlerId,
        events: mpsc::UnboundedSender<Envelope>,
        notes: mpsc::UnboundedSender<Note>,
    ) -> Self {
        let build = BuildOptions {
            long_messages: cfg.long_messages,
            request_dlr_always: cfg.request_dlr_always,
            default_source: cfg.default_source_address(),
        };
        // Burst of one: SMSCs count per second or finer and refuse bursts.
        let bucket = cfg.tps.map(|tps| TokenBucket::new(tps, 1));
        Shared {
            cfg,
            id,
            events,
            build,
            bucket,
            pause: PauseGate::default(),
            acks: AckTable::default(),
            closing: CancellationToken::new(),
            next_connection: AtomicU64::new(1),
            notes,
        }
    }

    /// Sends an event to the host. If the host is gone there is nobody to
    /// tell, and the handler stops when its command channel closes.
    pub fn emit(&self, event: Event) {
        let _ = self.events.send(Envelope {
            handler: self.id.clone(),
            event,
        });
    }

    /// `[[smpp]] 'name'`, how details and logs name this link.
    pub fn link(&self) -> String {
        format!("[[smpp]] '{}'", self.cfg.name)
    }

    /// `host:port`.
    pub fn peer(&self) -> String {
        format!("{}:{}", self.cfg.host, self.cfg.port)
    }

    /// Tells the handler task something about the link.
    pub fn note(&self, note: Note) {
        let _ = self.notes.send(note);
    }

    pub fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}
