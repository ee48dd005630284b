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
            // An IM user's SMS never reaches a phone that texted STOP.
            honour_opt_out: true,
        },
        route,
    })
}

/// Stores the SMS inside a larger write; `queue` it after the commit.
/// `None`: the phone texted STOP, so the SMS was stored already failed and
/// is not to be queued.
pub fn store(c: &Connection, p: &Prepared) -> rusqlite::Result<Option<MessageId>> {
    let accepted = accept_outbound(c, std::slice::from_ref(&p.row))?;
    let a = accepted
        .first()
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok(a.ended.is_none().then_some(a.id))
}

/// Hands a stored SMS to the dispatcher.
pub fn queue(im: &Im, id: MessageId, p: Prepared) {
    im.dispatcher
        .submit(vec![Job::accepted(id, p.row, p.route)]);
}

/// Stores and queues one SMS of the gateway's own on its own: an answer
/// the phone asked for (the one to STOP included) goes even after STOP;
/// the automatic replies and codes that use this check STOP themselves.
pub async fn send(im: &Im, to: &PhoneNumber, body: String) {
    let Some(mut p) = prepare(im, to, &body, false) else {
        return;
    };
    p.row.honour_opt_out = false;
    let stored = p.clone();
    match im.store.exec(move |c| store(c, &stored)).await {
        Ok(Some(id)) => queue(im, id, p),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, to = ?to, "cannot store an SMS to a phone"),
    }
}
