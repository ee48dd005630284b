//! Counters and gauges for /metrics in the Prometheus text format. A
//! handful of atomics rendered by hand: the format is a few lines and a
//! metrics library would cost more than it saves here.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The gateway's counters and gauges, shared by every room that counts
/// (the outbox, the dispatcher, webhooks) as plain atomics, so counting
/// costs no lock and no allocation; [`Metrics::render`] writes them in
/// Prometheus' text format for `/metrics`. Counters only grow; gauges are
/// set by the dispatcher as its queue changes.
#[derive(Debug, Default)]
pub struct Metrics {
    pub accepted: AtomicU64,
    pub rejected: AtomicU64,
    pub submitted: AtomicU64,
    pub retries: AtomicU64,
    pub uncertain: AtomicU64,
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub expired: AtomicU64,
    pub reports: AtomicU64,
    pub orphan_reports: AtomicU64,
    pub received_parts: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub webhooks_failed: AtomicU64,
    pub queued: AtomicU64,
    pub in_flight: AtomicU64,
    pub held: AtomicU64,
}

impl Metrics {
    /// The Prometheus text; `links`: each link's name and state.
    pub fn render(&self, links: &[(String, switchboard_protocol::HandlerState)]) -> String {
        let mut out = String::with_capacity(2048);
        let counters: [(&str, &str, &AtomicU64); 13] = [
            (
                "switchboard_messages_accepted_total",
                "Messages accepted for sending: by the API and the gateway's own (IM, replies)",
                &self.accepted,
            ),
            (
                "switchboard_requests_rejected_total",
                "API requests refused for bad input",
                &self.rejected,
            ),
            (
                "switchboard_messages_submitted_total",
                "Messages whose every part a network accepted",
                &self.submitted,
            ),
            (
                "switchboard_submit_retries_total",
                "Tries that failed temporarily and were scheduled again",
                &self.retries,
            ),
            (
                "switchboard_submit_uncertain_total",
                "Submits that got no response in time",
                &self.uncertain,
            ),
            (
                "switchboard_messages_delivered_total",
                "Messages confirmed delivered by report",
                &self.delivered,
            ),
            (
                "switchboard_messages_failed_total",
                "Messages ended as failed",
                &self.failed,
            ),
            (
                "switchboard_messages_expired_total",
                "Messages ended because their validity ran out",
                &self.expired,
            ),
            (
                "switchboard_reports_total",
                "Delivery reports received",
                &self.reports,
            ),
            (
                "switchboard_reports_unmatched_total",
                "Delivery reports whose id matched no part when they came",
                &self.orphan_reports,
            ),
            (
                "switchboard_received_parts_total",
                "SMS and SMS parts received",
                &self.received_parts,
            ),
            (
                "switchboard_webhooks_delivered_total",
                "Webhook calls answered with 2xx",
                &self.webhooks_delivered,
            ),
            (
                "switchboard_webhooks_failed_total",
                "Webhook calls that failed (each try)",
                &self.webhooks_failed,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Relaxed)
            );
        }
        let gauges: [(&str, &str, &AtomicU64); 3] = [
            (
                "switchboard_queue_messages",
                "Messages waiting to be sent or retried",
                &self.queued,
            ),
            (
                "switchboard_in_flight_messages",
                "Messages handed to a link, outcome not yet stored",
                &self.in_flight,
            ),
            (
                "switchboard_held_messages",
                "Messages without submit response, waiting for a report",
                &self.held,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP switchboard_link_up Whether a link is up (1) or not (0)\n# TYPE switchboard_link_up gauge"
        );
        for (name, state) in links {
            let up = matches!(state, switchboard_protocol::HandlerState::Up) as u8;
            let _ = writeln!(
                out,
                "switchboard_link_up{{link=\"{}\"}} {up}",
                name.replace(['"', '\\', '\n'], "_")
            );
        }
        out
    }
}
