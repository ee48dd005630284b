//! Carrying out a decision: keep in the inbox, push to the recipient's
//! clients, forward to their phone by SMS, answer with a stock reply, or
//! drop. A blinded sender's message is dropped without telling them: they
//! get the same answer and receipt as for a recipient who is offline.

use super::decide::{Facts, decide};
use super::profiles;
use super::rules::Action;
use super::texts;
use crate::im::Im;
use crate::im::bindings::store as bindings;
use crate::im::directory::User;
use crate::im::inbox::receipts;
use crate::im::inbox::store as inbox;
use crate::im::presence::contacts::{self, ListKind};
use crate::im::presence::{self};
use crate::im::{phone_state, to_phone};
use crate::model::render;
use crate::sms::outbox::{NewSms, Origin, Outbox};
use crate::store::StoreError;
use serde_json::json;
use switchboard_protocol::PhoneNumber;

/// A message on its way to one user.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub sender: &'a User,
    pub recipient: &'a User,
    pub text: &'a str,
    pub urgent: bool,
    /// The sender wants receipts.
    pub receipt: bool,
    /// The sender's phone when the message came by SMS (for a stock reply).
    pub from_phone: Option<&'a PhoneNumber>,
}

/// Routes a message; returns its inbox id (what the sender is shown).
pub async fn deliver(im: &Im, m: Message<'_>) -> Result<i64, StoreError> {
    let now = im.now();
    let (sender, recipient) = (m.sender.id, m.recipient.id);
    let (blinded, group, rules, phone) = im.store.read(|c| {
        Ok((
            contacts::is_listed(c, recipient, ListKind::Blinded, sender)?,
            contacts::group_of(c, recipient, sender)?,
            profiles::rules(c, recipient, &m.recipient.profile)?.unwrap_or_default(),
            bindings::phone_of(c, recipient)?,
        ))
    })?;
    let facts = Facts {
        status: presence::effective(im, m.recipient),
        sender: m.sender.name.as_str(),
        group: group.as_deref(),
        phone_only: m.sender.phone_only,
        urgent: m.urgent,
        hour: ((now.div_euclid(3_600_000)).rem_euclid(24)) as u8,
    };
    let decision = decide(&rules, &facts);
    let dropped = blinded || decision.actions.contains(&Action::Drop);
    let text = m.text.to_owned();
    let (urgent, receipt) = (m.urgent, m.receipt);
    let sms = match (&phone, dropped || !decision.actions.contains(&Action::Sms)) {
        (Some(p), false) => {
            let body = render::sms(&texts::Forwarded {
                from: m.sender.name.as_str(),
                text: m.text,
            });
            let sms = NewSms {
                report: true,
                ..NewSms::text(p.clone(), body)
            };
            match im.outbox.prepare(Origin::Gateway, sms) {
                Ok(s) => Some((p.clone(), s)),
                Err(e) => {
                    tracing::warn!(error = %e, "the forward to the recipient's phone is not sent");
                    None
                }
            }
        }
        _ => None,
    };
    let sticky_until = now + (im.config.sticky_reply_secs as i64) * 1000;
    let to_store = sms.clone();
    let (id, outbound) = im
        .store
        .exec(move |c| {
            let id = inbox::add(c, recipient, sender, &text, urgent, receipt, dropped, now)?;
            let mut outbound = None;
            if let Some((phone, s)) = &to_store
                && !phone_state::stopped(c, phone)?
                && let Some(o) = Outbox::store(c, s)?
            {
                inbox::set_outbound(c, id, o.0)?;
                inbox::history(c, id, "sent_sms", now)?;
                phone_state::set_sticky(c, phone, sender, sticky_until)?;
                outbound = Some(o);
            }
            Ok((id, outbound))
        })
        .await?;
    if let (Some(o), Some((_, s))) = (outbound, sms) {
        im.outbox.queue(o, s);
    }
    if m.receipt {
        receipts::emit(im, sender, id, "stored");
    }
    if dropped {
        return Ok(id);
    }
    if decision.actions.contains(&Action::Clients) {
        let event = json!({
            "id": inbox::show_id(id),
            "from": im.full(&m.sender.name),
            "text": m.text,
            "urgent": m.urgent,
            "at": now,
        });
        if im.hub.send(recipient, "message", event) > 0 {
            let r = im
                .store
                .exec(move |c| inbox::history(c, id, "delivered_client", now))
                .await;
            if let Err(e) = r {
                tracing::error!(error = %e, "cannot record a delivery to a client");
            }
            if m.receipt {
                receipts::emit(im, sender, id, "delivered_client");
            }
        }
    }
    if decision.actions.contains(&Action::Reply)
        && let Some(text) = &decision.reply
    {
        stock_reply(im, &m, text).await;
    }
    Ok(id)
}

/// The recipient's stock reply goes back to the sender: to their clients,
/// and by SMS (throttled) when the message came from a phone.
async fn stock_reply(im: &Im, m: &Message<'_>, text: &str) {
    im.hub.send(
        m.sender.id,
        "message",
        json!({
            "from": im.full(&m.recipient.name),
            "text": text,
            "auto_reply": true,
            "at": im.now(),
        }),
    );
    if let Some(phone) = m.from_phone {
        let body = render::sms(&texts::AutoReply {
            from: m.recipient.name.as_str(),
            text,
        });
        let kind = format!("reply:{}", m.recipient.id.0);
        to_phone::auto_reply(im, phone, &kind, body).await;
    }
}
