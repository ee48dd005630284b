//! What the IM side sends a phone of its own accord.

use crate::im::Im;
use crate::im::phone_state;
use switchboard_protocol::PhoneNumber;

/// An automatic reply: not after STOP, and at most one per hour per kind.
pub async fn auto_reply(im: &Im, phone: &PhoneNumber, kind: &str, body: String) {
    if body.is_empty() {
        return;
    }
    let now = im.now();
    let (p, k) = (phone.clone(), kind.to_owned());
    let may = im
        .store
        .exec(move |c| {
            Ok(!phone_state::stopped(c, &p)? && phone_state::take_autoreply(c, &p, &k, now)?)
        })
        .await;
    match may {
        Ok(true) => im.outbox.send_own(phone, body).await,
        Ok(false) => tracing::debug!(kind, "automatic reply throttled or stopped"),
        Err(e) => tracing::error!(error = %e, "cannot record an automatic reply"),
    }
}
