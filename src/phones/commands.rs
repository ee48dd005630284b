//! The commands a phone texts.

use super::{find, replies, reply};
use crate::im::Im;
use crate::im::bindings::codes::{self, SendRefused};
use crate::im::bindings::store::{self as bindings, StartRefused};
use crate::im::directory::{ImId, User, users};
use crate::im::phone_state;
use rand::Rng;
use serde_json::json;
use switchboard_protocol::PhoneNumber;

pub async fn help(im: &Im, phone: &PhoneNumber, me: Option<&User>) {
    let full = me.map(|u| im.full(&u.name));
    reply(
        im,
        phone,
        replies::render(&replies::Help {
            me: full.as_deref(),
        }),
    )
    .await;
}

pub async fn stop(im: &Im, phone: &PhoneNumber, on: bool) {
    let p = phone.clone();
    if let Err(e) = im
        .store
        .exec(move |c| phone_state::set_stopped(c, &p, on))
        .await
    {
        tracing::error!(error = %e, "cannot record STOP/START");
        return;
    }
    let body = if on {
        replies::render(&replies::Stopped)
    } else {
        replies::render(&replies::Started)
    };
    reply(im, phone, body).await;
}

pub async fn who(im: &Im, phone: &PhoneNumber) {
    let now = im.now();
    let r = im.store.read(|c| {
        Ok(match phone_state::sticky(c, phone, now)? {
            Some((u, until)) => users::by_id(c, u)?.map(|u| (u, until)),
            None => None,
        })
    });
    let (last, minutes) = match r {
        Ok(Some((u, until))) => (Some(im.full(&u.name)), (until - now + 59_999) / 60_000),
        Ok(None) => (None, 0),
        Err(e) => {
            tracing::error!(error = %e, "cannot answer WHO");
            return;
        }
    };
    let body = replies::render(&replies::Who {
        last: last.as_deref(),
        minutes,
    });
    reply(im, phone, body).await;
}

pub async fn status(im: &Im, phone: &PhoneNumber, me: Option<&User>) {
    let stopped = im
        .store
        .read(|c| phone_state::stopped(c, phone))
        .unwrap_or(false);
    let full = me.map(|u| im.full(&u.name));
    let body = replies::render(&replies::StatusReply {
        me: full.as_deref(),
        phone_only: me.is_some_and(|u| u.phone_only),
        stopped,
    });
    reply(im, phone, body).await;
}

/// `REG alice`: the phone is sent a code that Alice enters in her account.
pub async fn reg(im: &Im, phone: &PhoneNumber, typed: &str) {
    if typed.is_empty() {
        reply(im, phone, replies::render(&replies::RegUsage)).await;
        return;
    }
    let refuse = |reason: String| {
        replies::render(&replies::RegRefused {
            id: typed,
            reason: &reason,
        })
    };
    let user = match find(im, typed) {
        Ok(Some(u)) if !u.phone_only => u,
        Ok(_) => {
            reply(
                im,
                phone,
                refuse("there is no such IM ID here. Check the spelling.".into()),
            )
            .await;
            return;
        }
        Err(e) => {
            reply(im, phone, refuse(e)).await;
            return;
        }
    };
    let code = codes::new_code();
    let (u, p, cd, now, cap) = (
        user.id,
        phone.clone(),
        code.clone(),
        im.now(),
        im.config.code_daily_cap,
    );
    let r = im
        .store
        .exec(move |c| bindings::start(c, u, &p, &cd, now, cap))
        .await;
    let full = im.full(&user.name);
    let body = match r {
        Ok(Ok(())) => {
            im.hub.send(
                user.id,
                "binding.requested",
                json!({
                    "message": "A phone texted REG with your IM ID and was sent a code. \
                                To bind it, enter the code: POST /api/v1/bindings/confirm",
                }),
            );
            replies::render(&replies::Code {
                id: &full,
                code: &code,
            })
        }
        Ok(Err(r)) => refuse(start_refusal(r)),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a binding code");
            return;
        }
    };
    reply(im, phone, body).await;
}

pub fn start_refusal(r: StartRefused) -> String {
    match r {
        StartRefused::Taken => "this number is bound to another IM ID.".into(),
        StartRefused::Send(SendRefused::TooSoon(s)) => {
            format!("a code was sent a moment ago; ask again in {s} s.")
        }
        StartRefused::Send(SendRefused::DailyCap) => {
            "this number was sent as many codes as allowed today; try again tomorrow.".into()
        }
    }
}

/// `NICK bob`: a phone-only user picks their name.
pub async fn nick(im: &Im, phone: &PhoneNumber, me: Option<&User>, typed: &str) {
    let refuse = |reason: &str| {
        replies::render(&replies::NickRefused {
            name: typed,
            reason,
        })
    };
    let Some(me) = me else {
        let msg = "this phone has no IM ID yet. Text REG <your id> to bind it to yours.";
        reply(im, phone, refuse(msg)).await;
        return;
    };
    if !me.phone_only {
        reply(
            im,
            phone,
            refuse("your IM ID is your account's; it does not change by SMS."),
        )
        .await;
        return;
    }
    let name = match ImId::parse(typed, &im.config.cluster) {
        Ok(n) => n,
        Err(e) => {
            reply(im, phone, refuse(&e.to_string())).await;
            return;
        }
    };
    let (id, n) = (me.id, name.clone());
    match im.store.exec(move |c| users::rename(c, id, &n)).await {
        Ok(true) => {
            let full = im.full(&name);
            reply(im, phone, replies::render(&replies::NickDone { me: &full })).await;
        }
        Ok(false) => reply(im, phone, refuse("this name is taken; try another.")).await,
        Err(e) => tracing::error!(error = %e, "cannot rename a phone-only user"),
    }
}

/// Gives an unbound phone an IM ID of its own (`phone-4821`), bound to it,
/// and welcomes it.
pub async fn give_phone_only_id(im: &Im, phone: &PhoneNumber) -> Option<User> {
    for _ in 0..5 {
        let n: u32 = rand::rng().random_range(1000..1_000_000);
        let Ok(name) = ImId::parse(&format!("phone{n}"), &im.config.cluster) else {
            continue;
        };
        let (p, nm, now) = (phone.clone(), name.clone(), im.now());
        let r = im
            .store
            .exec(move |c| {
                if let Some(existing) = bindings::user_of(c, &p)? {
                    return users::by_id(c, existing);
                }
                let Some(id) = users::create(c, &nm, None, true, now)? else {
                    return Ok(None);
                };
                bindings::bind(c, id, &p, now)?;
                users::by_id(c, id)
            })
            .await;
        match r {
            Ok(Some(u)) => {
                let full = im.full(&u.name);
                let body = replies::render(&replies::Welcome {
                    me: &full,
                    local: u.name.as_str(),
                });
                reply(im, phone, body).await;
                return Some(u);
            }
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(error = %e, "cannot make a phone-only user");
                return None;
            }
        }
    }
    None
}
