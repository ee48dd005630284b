//! An outbound message as the dispatcher carries it between tries.

use crate::store::{NewOutbound, OpenMessage, UnixMs};
use switchboard_protocol::{
    Address, Body, HandlerId, MessageId, OutboundSms, PhoneNumber, Priority,
};

#[derive(Debug, Clone)]
pub struct Job {
    pub id: MessageId,
    pub to: PhoneNumber,
    pub from: Option<Address>,
    pub body: Body,
    pub report: bool,
    pub priority: Priority,
    pub valid_until: UnixMs,
    pub concat_ref: u16,
    pub total_parts: u8,
    /// Parts the network accepted on earlier tries.
    pub done_parts: Vec<u8>,
    /// Tries made so far.
    pub attempt: u32,
    /// Index into the route table.
    pub route: usize,
    /// The link of the last try, avoided on the next one when another is up.
    pub last_handler: Option<HandlerId>,
}

impl Job {
    /// A message just accepted (`id` from its commit), before its first try.
    pub fn accepted(id: MessageId, r: NewOutbound, route: usize) -> Job {
        Job {
            id,
            to: r.to,
            from: r.from,
            body: r.body,
            report: r.report,
            priority: r.priority,
            valid_until: r.valid_until,
            concat_ref: r.concat_ref,
            total_parts: r.total_parts,
            done_parts: Vec::new(),
            attempt: 0,
            route,
            last_handler: None,
        }
    }

    pub fn from_open(m: OpenMessage, route: usize) -> Job {
        Job {
            id: m.id,
            to: m.to,
            from: m.from,
            body: m.body,
            report: m.report,
            priority: m.priority,
            valid_until: m.valid_until,
            concat_ref: m.concat_ref,
            total_parts: m.total_parts,
            done_parts: m.done_parts,
            attempt: m.attempts,
            route,
            last_handler: m.route,
        }
    }

    pub fn command(&self) -> OutboundSms {
        OutboundSms {
            id: self.id,
            attempt: self.attempt,
            to: self.to.clone(),
            from: self.from.clone(),
            body: self.body.clone(),
            report: self.report,
            valid_until: u64::try_from(self.valid_until)
                .ok()
                .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)),
            priority: self.priority,
            concat_ref: self.concat_ref,
            skip_parts: self.done_parts.clone(),
        }
    }

    pub fn add_parts(&mut self, seqs: impl IntoIterator<Item = u8>) {
        for s in seqs {
            if !self.done_parts.contains(&s) {
                self.done_parts.push(s);
            }
        }
    }

    pub fn all_parts_done(&self) -> bool {
        self.done_parts.len() >= self.total_parts as usize
    }

    /// The part a try stopped at (the first not yet accepted).
    pub fn first_open_part(&self) -> Option<u8> {
        (1..=self.total_parts).find(|s| !self.done_parts.contains(s))
    }

    pub fn text_starts_with(&self, prefix: &str) -> bool {
        match &self.body {
            Body::Text { text } => {
                // Reports carry the first 20 characters, sometimes mangled
                // by the SMSC's own charset: compare the ASCII letters only.
                let norm = |s: &str| {
                    s.chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                };
                let p = norm(prefix);
                p.is_empty() || norm(text).starts_with(&p)
            }
            Body::Binary { .. } => true,
        }
    }
}
