//! Receipts for the sender: stored, delivered to a client, delivered to
//! the phone (from the delivery report of the SMS that carried it).

use super::store::{self, show_id};
use crate::im::Im;
use crate::im::directory::UserId;
use crate::store::OutState;
use serde_json::json;
use switchboard_protocol::MessageId;

pub fn emit(im: &Im, sender: UserId, message: i64, state: &str) {
    im.hub.send(
        sender,
        "receipt",
        json!({ "id": show_id(message), "state": state }),
    );
}

/// An SMS ended: when it carried an inbox message, record it and tell a
/// sender who asked.
pub async fn sms_finished(im: &Im, outbound: MessageId, state: OutState) {
    let what = match state {
        OutState::Delivered => "delivered_phone",
        OutState::Failed | OutState::Expired => "phone_failed",
        _ => return,
    };
    let at = im.now();
    let r = im
        .store
        .exec(move |c| {
            let Some(m) = store::by_outbound(c, outbound.0)? else {
                return Ok(None);
            };
            store::history(c, m.id, what, at)?;
            Ok(Some(m))
        })
        .await;
    match r {
        Ok(Some(m)) if m.receipt && what == "delivered_phone" => emit(im, m.sender, m.id, what),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot record a delivery to a phone"),
    }
}
