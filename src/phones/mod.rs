//! What a phone texts the gateway: messages to IM IDs and the commands
//! HELP, REG, NICK, STOP, START, WHO and STATUS.

mod commands;
pub use commands::start_refusal;
mod inbound;
pub use inbound::spawn;
pub mod parse;
pub mod replies;

use crate::im::Im;
use crate::im::directory::{ImId, User, users};
use crate::im::phone_state;
use crate::im::routing::{self, Message};
use crate::im::to_phone::auto_reply;
use parse::Texted;
use switchboard_protocol::PhoneNumber;

/// Handles one received SMS from a phone; `virtual_target`: it was sent to
/// a user's virtual number, so a text that is no command is for them.
pub async fn handle(im: &Im, phone: &PhoneNumber, text: &str, virtual_target: Option<&str>) {
    let texted = match (parse::parse(text), virtual_target) {
        (Texted::To { .. } | Texted::Maybe { .. } | Texted::Bare(_), Some(id)) => Texted::To {
            id: id.to_owned(),
            text: text.trim().to_owned(),
        },
        (t, _) => t,
    };
    let me = match im.store.read(|c| sender_of(c, phone)) {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, from = ?phone, "cannot look up who sent an SMS");
            return;
        }
    };
    match texted {
        Texted::Help => commands::help(im, phone, me.as_ref()).await,
        Texted::Stop => commands::stop(im, phone, true).await,
        Texted::Start => commands::stop(im, phone, false).await,
        Texted::Who => commands::who(im, phone).await,
        Texted::Status => commands::status(im, phone, me.as_ref()).await,
        Texted::Reg(id) => commands::reg(im, phone, &id).await,
        Texted::Nick(name) => commands::nick(im, phone, me.as_ref(), &name).await,
        Texted::To { id, text } => message(im, phone, me, Some(id), text, true).await,
        Texted::Maybe { id, text } => message(im, phone, me, Some(id), text, false).await,
        Texted::Bare(text) => message(im, phone, me, None, text, false).await,
    }
}

/// The enabled user bound to the phone.
fn sender_of(c: &rusqlite::Connection, phone: &PhoneNumber) -> rusqlite::Result<Option<User>> {
    let Some(id) = crate::im::bindings::store::user_of(c, phone)? else {
        return Ok(None);
    };
    Ok(users::by_id(c, id)?.filter(|u| !u.disabled))
}

async fn message(
    im: &Im,
    phone: &PhoneNumber,
    me: Option<User>,
    id: Option<String>,
    text: String,
    explicit: bool,
) {
    let me = match me {
        Some(u) => u,
        None if im.config.phone_only_users => match commands::give_phone_only_id(im, phone).await {
            Some(u) => u,
            None => return,
        },
        None => {
            let body = replies::render(&replies::Help { me: None });
            auto_reply(im, phone, "help", body).await;
            return;
        }
    };
    let cluster = im.config.cluster.clone();
    let now = im.now();
    let found = im.store.read(|c| {
        let named = match &id {
            Some(typed) => match ImId::parse(typed, &cluster) {
                Ok(n) => users::by_name(c, &n)?.filter(|u| !u.disabled),
                Err(_) => None,
            },
            None => None,
        };
        let sticky = match phone_state::sticky(c, phone, now)? {
            Some((u, _)) => users::by_id(c, u)?.filter(|u| !u.disabled),
            None => None,
        };
        let similar = match (&named, &id) {
            (None, Some(typed)) => users::similar(c, typed.split('@').next().unwrap_or(typed))?,
            _ => None,
        };
        Ok((named, sticky, similar))
    });
    let (named, sticky, similar) = match found {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "cannot look up the recipient of an SMS");
            return;
        }
    };
    let (recipient, body) = match (named, id) {
        (Some(u), _) => (u, text),
        // `word more words` without a sticky reply: a typo of an ID gets
        // the suggestion, anything else the question who it is for.
        (None, Some(_)) if !explicit && sticky.is_none() && similar.is_none() => {
            let body = replies::render(&replies::NoRecipient);
            auto_reply(im, phone, "no_recipient", body).await;
            return;
        }
        (None, Some(typed)) if explicit || sticky.is_none() => {
            let local = typed.split('@').next().unwrap_or(&typed).to_owned();
            let similar = similar.map(|s| s.to_string());
            let body = replies::render(&replies::UnknownId {
                typed: &local,
                similar: similar.as_deref(),
            });
            auto_reply(im, phone, "unknown_id", body).await;
            return;
        }
        // `word more words` where `word` is no ID: the whole text is a
        // reply to the last writer.
        (None, Some(typed)) => match sticky {
            Some(u) => (u, format!("{typed} {text}")),
            None => return,
        },
        (None, None) => match sticky {
            Some(u) => (u, text),
            None => {
                let body = replies::render(&replies::NoRecipient);
                auto_reply(im, phone, "no_recipient", body).await;
                return;
            }
        },
    };
    if body.trim().is_empty() {
        let body = replies::render(&replies::EmptyMessage {
            id: recipient.name.as_str(),
        });
        reply(im, phone, body).await;
        return;
    }
    let r = routing::deliver(
        im,
        Message {
            sender: &me,
            recipient: &recipient,
            text: &body,
            urgent: false,
            receipt: false,
            from_phone: Some(phone),
        },
    )
    .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "cannot route a message from a phone");
    }
}

/// An answer to something the phone asked (a command): sent even after
/// STOP, as the answer to STOP itself is.
pub async fn reply(im: &Im, phone: &PhoneNumber, body: String) {
    if !body.is_empty() {
        im.outbox.send_own(phone, body).await;
    }
}

/// Used by the commands: the user a full or local ID names.
pub(crate) fn find(im: &Im, typed: &str) -> Result<Option<User>, String> {
    let name = ImId::parse(typed, &im.config.cluster).map_err(|e| e.to_string())?;
    im.store
        .read(|c| users::by_name(c, &name))
        .map(|u| u.filter(|u| !u.disabled))
        .map_err(|e| e.to_string())
}
