//! SMS from the IM side go into the durable outbound queue, the same path
//! as `POST /api/v1/messages`: stored first, then handed to the dispatcher.

use super::Im;
use crate::sms::dispatch::Job;
use crate::store::{NewOutbound, accept_outbound};
use rusqlite::Connection;
use switchboard_protocol::{Body, MessageId, PhoneNumber, Priority, text};

/// The API key id recorded on SMS the IM side sends (no operator's key).
const IM_SENDER: i64 = 0;

/// An SMS ready to store: its row and its route.
#[derive(Debug, Clone)]
pub struct Prepared {
    row: NewOutbound,
    route: usize,
}

/// Builds the SMS; `None` (logged) when no route covers the number.
pub fn prepare(im: &Im, to: &PhoneNumber, body: &str, report: bool) -> Option<Prepared> {
    let Some(route) = im.dispatcher.route_for(to) else {
        tracing::warn!(to = ?to, "no [[route]] covers this number; the SMS is not sent");
        return None;
    };
    // The dispatcher's own clock decides expiry.
    let now = crate::store::now_ms();
    Some(Prepared {
        row: NewOutbound {
            api_key_id: IM_SENDER,
            idempotency_key: None,
            to: to.clone(),
            from: None,
            body: Body::Text {
                text: body.to_owned(),
            },
            report,
            priority: Priority::Normal,
            valid_until: now + (im.validity_secs as i64) * 1000,
            concat_ref: crate::sms::concat_ref::next(),
            total_parts: text::plan(body).parts.len().min(255) as u8,
            created_at: now,
        },
        route,
    })
}

/// Stores the SMS inside a larger write; `queue` it after the commit.
pub fn store(c: &Connection, p: &Prepared) -> rusqlite::Result<MessageId> {
    let accepted = accept_outbound(c, std::slice::from_ref(&p.row))?;
    accepted
        .first()
        .map(|a| a.id)
        .ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// Hands a stored SMS to the dispatcher.
pub fn queue(im: &Im, id: MessageId, p: Prepared) {
    im.dispatcher
        .submit(vec![Job::accepted(id, p.row, p.route)]);
}

/// Stores and queues one SMS on its own.
pub async fn send(im: &Im, to: &PhoneNumber, body: String) {
    let Some(p) = prepare(im, to, &body, false) else {
        return;
    };
    let stored = p.clone();
    match im.store.exec(move |c| store(c, &stored)).await {
        Ok(id) => queue(im, id, p),
        Err(e) => tracing::error!(error = %e, to = ?to, "cannot store an SMS to a phone"),
    }
}
