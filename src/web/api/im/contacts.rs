//! Contacts with groups (adding someone tells them, if configured), and
//! the blinded and seeing lists.

use super::{error, store_err, user};
use crate::im::directory::{ImId, User, users};
use crate::im::presence::{
    self,
    contacts::{self, ListKind},
};
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// The enabled user an ID in a request names.
pub fn named(app: &AppState, field: &str, typed: &str) -> Result<User, ApiError> {
    let name = ImId::parse(typed, &app.im.config.cluster)
        .map_err(|e| ApiError::field(field, e.to_string()))?;
    app.store
        .read(|c| users::by_name(c, &name))
        .map_err(store_err)?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no user '{typed}' here"),
            )
        })
}

pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let im = app.im.clone();
    let list = app
        .store
        .read(|c| {
            let mut out = Vec::new();
            for (id, _, group) in contacts::list(c, me.id)? {
                if let Some(u) = users::by_id(c, id)? {
                    let mut v = presence::view(c, &im, &u, me.id)?;
                    v["group"] = json!(group);
                    out.push(v);
                }
            }
            Ok(out)
        })
        .map_err(store_err)?;
    Ok(Json(json!({ "contacts": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddContact {
    id: String,
    #[serde(default)]
    group: String,
}

pub async fn add(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = user(&app, &headers, None)?;
    let req: AddContact = parse_json(&body)?;
    if req.group.chars().count() > 64 {
        return Err(ApiError::field("group", "at most 64 characters"));
    }
    let other = named(&app, "id", &req.id)?;
    if other.id == me.id {
        return Err(ApiError::field("id", "is your own IM ID"));
    }
    let (o, t, g, at) = (me.id, other.id, req.group.clone(), app.im.now());
    let new = app
        .store
        .exec(move |c| contacts::add(c, o, t, &g, at))
        .await
        .map_err(store_err)?;
    if new && app.im.config.notify_contact_added {
        app.im.hub.send(
            other.id,
            "contact.added",
            json!({ "by": app.im.full(&me.name) }),
        );
    }
    let v = app
        .store
        .read(|c| presence::view(c, &app.im, &other, me.id))
        .map_err(store_err)?;
    let mut v = v;
    v["group"] = json!(req.group);
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(v),
    ))
}

pub async fn remove(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    let other = named(&app, "id", &id)?;
    let (o, t) = (me.id, other.id);
    let gone = app
        .store
        .exec(move |c| contacts::remove(c, o, t))
        .await
        .map_err(store_err)?;
    if gone {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("'{id}' is not in your contacts"),
        ))
    }
}

fn kind(k: &str) -> Result<ListKind, ApiError> {
    match k {
        "blinded" => Ok(ListKind::Blinded),
        "seeing" => Ok(ListKind::Seeing),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "the lists are 'blinded' and 'seeing'",
        )),
    }
}

pub async fn list_kind(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(k): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let kind = kind(&k)?;
    let names = app
        .store
        .read(|c| contacts::listed(c, me.id, kind))
        .map_err(store_err)?;
    let ids: Vec<String> = names.iter().map(|n| app.im.full(n)).collect();
    Ok(Json(json!({ "list": k, "ids": ids })))
}

pub async fn list_add(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((k, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(app, headers, k, id, true).await
}

pub async fn list_remove(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((k, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(app, headers, k, id, false).await
}

async fn set(
    app: AppState,
    headers: HeaderMap,
    k: String,
    id: String,
    on: bool,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    let kind = kind(&k)?;
    let other = named(&app, "id", &id)?;
    let (o, t) = (me.id, other.id);
    app.store
        .exec(move |c| contacts::set_listed(c, o, kind, t, on))
        .await
        .map_err(store_err)?;
    // What the other user sees of me may have changed.
    presence::publish(&app.im, me.id);
    Ok(StatusCode::NO_CONTENT)
}
