//! A received SMS, once stored: who sent it, then the commands.

use super::Im;
use rusqlite::OptionalExtension;
use switchboard_protocol::{Address, MessageId, PhoneNumber};

pub async fn handle(im: &Im, id: MessageId) {
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
    crate::sms_commands::handle(im, &phone, &text, target).await;
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
