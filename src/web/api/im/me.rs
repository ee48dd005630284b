//! The user's own account, their presence, and another's as they see it.

use super::{error, store_err, user};
use crate::im::bindings::store as bindings;
use crate::im::directory::ImId;
use crate::im::directory::users::{self, Field};
use crate::im::presence;
use crate::model::presence::{Status, Visibility};
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn get_me(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let phone = app
        .store
        .read(|c| bindings::phone_of(c, me.id))
        .map_err(store_err)?;
    Ok(Json(json!({
        "id": app.im.full(&me.name),
        // The user's own number: shown to its owner only.
        "phone": phone.map(|p| p.to_string()),
        "phone_only": me.phone_only,
        "status": me.status.as_str(),
        "effective_status": presence::effective(&app.im, &me).as_str(),
        "text": me.status_text,
        "visibility": me.visibility.as_str(),
        "discoverable": me.discoverable,
        "profile": me.profile,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MePatch {
    #[serde(default)]
    discoverable: Option<bool>,
    #[serde(default)]
    visibility: Option<Visibility>,
}

pub async fn patch_me(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let req: MePatch = parse_json(&body)?;
    let id = me.id;
    app.store
        .exec(move |c| {
            if let Some(d) = req.discoverable {
                users::set_field(c, id, Field::Discoverable, if d { "1" } else { "0" })?;
            }
            if let Some(v) = req.visibility {
                users::set_field(c, id, Field::Visibility, v.as_str())?;
            }
            Ok(())
        })
        .await
        .map_err(store_err)?;
    presence::publish(&app.im, me.id);
    get_me(State(app), headers).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresenceSet {
    status: String,
    #[serde(default)]
    text: Option<String>,
}

pub async fn set_presence(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let req: PresenceSet = parse_json(&body)?;
    let status = Status::parse(&req.status).ok_or_else(|| {
        ApiError::field(
            "status",
            format!(
                "'{}' is none of available, busy, away, offline, invisible",
                req.status
            ),
        )
    })?;
    if let Some(t) = &req.text
        && t.chars().count() > 140
    {
        return Err(ApiError::field("text", "at most 140 characters"));
    }
    let id = me.id;
    app.store
        .exec(move |c| {
            users::set_field(c, id, Field::Status, status.as_str())?;
            if let Some(t) = &req.text {
                users::set_field(c, id, Field::StatusText, t)?;
            }
            Ok(())
        })
        .await
        .map_err(store_err)?;
    presence::publish(&app.im, me.id);
    get_me(State(app), headers).await
}

pub async fn presence_of(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let name = ImId::parse(&id, &app.im.config.cluster)
        .map_err(|e| ApiError::field("id", e.to_string()))?;
    let im = app.im.clone();
    let v = app
        .store
        .read(
            |c| match users::by_name(c, &name)?.filter(|u| !u.disabled) {
                Some(owner) => presence::view(c, &im, &owner, me.id).map(Some),
                None => Ok(None),
            },
        )
        .map_err(store_err)?;
    v.map(Json).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no user '{id}' here"),
        )
    })
}
