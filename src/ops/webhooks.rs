//! Sends webhook calls from the outbox: signed with HMAC-SHA256 so the
//! receiver can check they come from us, retried with backoff until a 2xx
//! answer or the last try.
//!
//! Signature header: `X-Switchboard-Signature: t=<unix seconds>,v1=<hex>`,
//! where hex = HMAC-SHA256(secret, "<t>.<body>"). Including the time lets
//! receivers refuse replays.

use crate::ops::metrics::Metrics;
use crate::store::{Store, WebhookDue, WriteOp, now_ms};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tries before a call is given up (about a day with the backoff below).
const MAX_ATTEMPTS: u32 = 15;
const CONCURRENCY: usize = 16;

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Delay after `attempts` failed tries: 5 s doubling, at most 2 h.
fn retry_after(attempts: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1 << attempts.min(12)).min(7200))
}

pub fn spawn(store: Store, metrics: Arc<Metrics>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the webhook HTTP client; webhooks stay queued");
                return;
            }
        };
        let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
        let gate = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        loop {
            let due = store
                .read(|c| crate::store::due_webhooks(c, now_ms(), 200))
                .unwrap_or_default();
            for d in due {
                if !busy
                    .lock()
                    .map(|mut b| b.insert(d.delivery_id))
                    .unwrap_or(false)
                {
                    continue;
                }
                let Ok(permit) = gate.clone().acquire_owned().await else {
                    return;
                };
                let (client, store, metrics, busy) =
                    (client.clone(), store.clone(), metrics.clone(), busy.clone());
                tokio::spawn(async move {
                    deliver(&client, &store, &metrics, &d).await;
                    if let Ok(mut b) = busy.lock() {
                        b.remove(&d.delivery_id);
                    }
                    drop(permit);
                });
            }
            let next = store.read(crate::store::next_webhook_due).ok().flatten();
            let wait = match next {
                Some(at) => Duration::from_millis((at - now_ms()).clamp(50, 60_000) as u64),
                None => Duration::from_secs(60),
            };
            tokio::select! {
                _ = store.webhook_wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}

async fn deliver(client: &reqwest::Client, store: &Store, metrics: &Metrics, d: &WebhookDue) {
    let t = now_ms() / 1000;
    let event = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let result = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("x-switchboard-event", event)
        .header("x-switchboard-delivery", d.delivery_id.to_string())
        .header(
            "x-switchboard-signature",
            format!("t={t},v1={}", signature(&d.secret, t, &d.payload)),
        )
        .body(d.payload.clone())
        .send()
        .await;
    let error = match result {
        Ok(r) if r.status().is_success() => None,
        Ok(r) => Some(format!("answered {}", r.status())),
        Err(e) => Some(format!("could not be reached: {e}")),
    };
    let attempts = d.attempts + 1;
    let next = match &error {
        None => {
            metrics.webhooks_delivered.fetch_add(1, Relaxed);
            None
        }
        Some(e) => {
            metrics.webhooks_failed.fetch_add(1, Relaxed);
            if attempts >= MAX_ATTEMPTS {
                tracing::warn!(delivery = d.delivery_id, error = %e, "webhook call given up after {attempts} tries");
                None
            } else {
                tracing::debug!(delivery = d.delivery_id, error = %e, "webhook call failed; will retry");
                Some(now_ms() + retry_after(attempts).as_millis() as i64)
            }
        }
    };
    // Waiting for the commit keeps the row from being picked up again
    // before its new state is stored.
    let delivered = error.is_none();
    if let Err(e) = store
        .call(|done| WriteOp::WebhookResult {
            delivery_id: d.delivery_id,
            delivered,
            error,
            next_attempt_at: next,
            done,
        })
        .await
    {
        tracing::error!(error = %e, "cannot record a webhook call");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") from RFC 4231-style vectors.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert_eq!(signature("key", 1, "x"), signature("key", 1, "x"));
        assert_ne!(signature("key", 1, "x"), signature("key", 2, "x"));
    }

    #[test]
    fn retries_back_off() {
        assert_eq!(retry_after(1), Duration::from_secs(10));
        assert_eq!(retry_after(20), Duration::from_secs(7200));
    }
}
