//! Presence: what a user set, whether a client is connected, and what each
//! other user is shown of it (blinded and seeing lists); changes go live to
//! the watchers' clients.

pub mod contacts;
pub mod hub;

use crate::im::Im;
use crate::im::directory::{User, UserId, users};
use crate::model::presence::{Status, Visibility};
use contacts::ListKind;
use rusqlite::Connection;
use serde_json::json;

/// The status that counts for routing the user's messages.
pub fn effective(im: &Im, user: &User) -> Status {
    Status::effective(user.status, im.hub.clients(user.id))
}

/// What `viewer` is shown of `owner`.
pub fn seen_by(c: &Connection, im: &Im, owner: &User, viewer: UserId) -> rusqlite::Result<Status> {
    if viewer == owner.id {
        return Ok(effective(im, owner));
    }
    if contacts::is_listed(c, owner.id, ListKind::Blinded, viewer)? {
        return Ok(Status::Offline);
    }
    if owner.visibility == Visibility::SeeingList
        && !contacts::is_listed(c, owner.id, ListKind::Seeing, viewer)?
    {
        return Ok(Status::Offline);
    }
    Ok(effective(im, owner).shown())
}

/// The presence as shown to a viewer, with the status text only when the
/// viewer sees the owner at all.
pub fn view(
    c: &Connection,
    im: &Im,
    owner: &User,
    viewer: UserId,
) -> rusqlite::Result<serde_json::Value> {
    let s = seen_by(c, im, owner, viewer)?;
    let text = if s == Status::Offline && viewer != owner.id {
        ""
    } else {
        owner.status_text.as_str()
    };
    Ok(json!({
        "id": owner.name.full(&im.config.cluster),
        "status": s.as_str(),
        "text": text,
    }))
}

/// Tells every connected watcher of `user` what they now see of them, and
/// the bus that it may have changed. Called after the change is committed
/// (or, for a client coming or going, after the hub changed).
pub fn publish(im: &Im, user: UserId) {
    im.bus
        .publish(crate::bus::Fact::PresenceChanged { user: user.0 });
    let r = im.store.read(|c| {
        let Some(owner) = users::by_id(c, user)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for w in contacts::watchers(c, user)? {
            if im.hub.clients(w) > 0 {
                out.push((w, view(c, im, &owner, w)?));
            }
        }
        Ok(out)
    });
    match r {
        Ok(list) => {
            for (w, v) in list {
                im.hub.send(w, "presence", v);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot publish a presence change"),
    }
}
