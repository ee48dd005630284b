//! A received SMS, once stored: who sent it, then the commands.

use crate::bus::{Fact, Subscription, follow};
use crate::im::Im;
use rusqlite::OptionalExtension;
use std::sync::Arc;
use switchboard_protocol::{Address, MessageId, PhoneNumber};

/// How far back (in received SMS) a start looks for unhandled ones.
const REPLAY_WINDOW: i64 = 100_000;

/// Handles a stored SMS and records it as handled.
pub async fn handle(im: &Im, id: MessageId) {
    route(im, id).await;
    let r = im
        .store
        .exec_unsynced(move |c| {
            c.prepare_cached("INSERT OR IGNORE INTO im_inbound_handled (id) VALUES (?1)")?
                .execute([id.0])?;
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "cannot record a received SMS as handled");
    }
}

/// Received SMS stored in the last hour before this start but not handled
/// (a crash between the two commits), oldest first. Forgets old records.
pub async fn unhandled(im: &Im) -> Vec<MessageId> {
    let started = crate::store::now_ms();
    let r = im
        .store
        .exec_unsynced(move |c| {
            let top: i64 =
                c.query_row("SELECT coalesce(max(id), 0) FROM inbound", [], |r| r.get(0))?;
            let from = top - REPLAY_WINDOW;
            c.execute("DELETE FROM im_inbound_handled WHERE id <= ?1", [from])?;
            c.prepare(
                "SELECT id FROM inbound WHERE id > ?1 AND received_at BETWEEN ?2 AND ?3
                   AND id NOT IN (SELECT id FROM im_inbound_handled) ORDER BY id",
            )?
            .query_map(rusqlite::params![from, started - 3_600_000, started], |r| {
                Ok(MessageId(r.get(0)?))
            })?
            .collect()
        })
        .await;
    r.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot look for received SMS left unhandled");
        Vec::new()
    })
}

async fn route(im: &Im, id: MessageId) {
    let row = im.store.read(|c| {
        c.prepare_cached("SELECT from_addr, to_addr, text FROM inbound WHERE id = ?1")?
            .query_row([id.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()
    });
    let (from, to, text) = match row {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, message = id.0, "cannot read a received SMS");
            return;
        }
    };
    let Some(phone) = phone_of(im, &from) else {
        tracing::debug!(
            message = id.0,
            "received SMS from an address that is not a phone number"
        );
        return;
    };
    let to = serde_json::from_str::<Address>(&to)
        .map(|a| a.wire().to_owned())
        .unwrap_or_default();
    let target = im.config.virtual_target(&to);
    super::handle(im, &phone, &text, target).await;
}

/// The sender as a phone number, when it is one.
fn phone_of(im: &Im, stored: &str) -> Option<PhoneNumber> {
    match serde_json::from_str::<Address>(stored).ok()? {
        Address::International(p) => Some(p),
        Address::National(n) | Address::Other(n) if n.len() > 8 => im
            .numbers
            .parse(&format!("+{n}"))
            .or_else(|_| im.numbers.parse(&n))
            .ok(),
        _ => None,
    }
}

/// Follows the bus: each stored SMS is handled in its own task (they only
/// meet in the store). Received SMS left unhandled (a crash between the two
/// commits, or the bus running ahead of this task) are caught up from the
/// store.
pub fn spawn(im: Arc<Im>, sub: Subscription) {
    let (a, b) = (im.clone(), im);
    tokio::spawn(follow(
        sub,
        move |why| {
            let im = a.clone();
            async move {
                let left = unhandled(&im).await;
                if !left.is_empty() {
                    tracing::warn!(
                        count = left.len(),
                        ?why,
                        "handling received SMS left unhandled"
                    );
                }
                for id in left {
                    handle(&im, id).await;
                }
            }
        },
        move |fact| {
            let im = b.clone();
            async move {
                if let Fact::SmsStored { id } = fact {
                    tokio::spawn(async move { handle(&im, id).await });
                }
            }
        },
    ));
}
