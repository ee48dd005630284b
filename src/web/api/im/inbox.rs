//! The user's inbox: list (unread or all), one message with its history,
//! mark read, delete.

use super::{error, store_err, user};
use crate::im::Im;
use crate::im::directory::{UserId, users};
use crate::im::inbox::store::{self as inbox, Stored};
use crate::web::api::AppState;
use crate::web::api::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    unread: bool,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

fn view(c: &Connection, im: &Im, m: &Stored) -> rusqlite::Result<Value> {
    let from = users::by_id(c, m.sender)?.map(|u| im.full(&u.name));
    Ok(json!({
        "id": inbox::show_id(m.id),
        "from": from,
        "text": m.text,
        "urgent": m.urgent,
        "state": m.state,
        "at": m.created_at,
    }))
}

pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let q = crate::web::api::error::query(query)?;
    let before = match q.before.as_deref() {
        Some(b) => inbox::read_id(b)
            .ok_or_else(|| ApiError::field("before", "is not a message id such as m-17"))?,
        None => i64::MAX,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let im = app.im.clone();
    let (items, next) = app
        .store
        .read(|c| {
            let list = inbox::list(c, me.id, q.unread, before, limit)?;
            let next = (list.len() as u32 == limit)
                .then(|| list.last().map(|m| inbox::show_id(m.id)))
                .flatten();
            let items = list
                .iter()
                .map(|m| view(c, &im, m))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((items, next))
        })
        .map_err(store_err)?;
    Ok(Json(json!({ "messages": items, "next_before": next })))
}

fn own(c: &Connection, me: UserId, id: i64) -> rusqlite::Result<Option<Stored>> {
    Ok(inbox::get(c, id)?.filter(|m| m.user == me && m.state != "deleted"))
}

fn not_found() -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "no message with this id in your inbox",
    )
}

pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let n = inbox::read_id(&id).ok_or_else(not_found)?;
    let im = app.im.clone();
    let v = app
        .store
        .read(|c| {
            let Some(m) = own(c, me.id, n)? else {
                return Ok(None);
            };
            let mut v = view(c, &im, &m)?;
            let history: Vec<Value> = inbox::events(c, n)?
                .into_iter()
                .map(|(what, at)| json!({ "what": what, "at": at }))
                .collect();
            v["history"] = json!(history);
            Ok(Some(v))
        })
        .map_err(store_err)?;
    v.map(Json).ok_or_else(not_found)
}

async fn set(
    app: AppState,
    headers: HeaderMap,
    id: String,
    state: &'static str,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    let n = inbox::read_id(&id).ok_or_else(not_found)?;
    let at = app.im.now();
    let exists = app
        .store
        .read(|c| own(c, me.id, n))
        .map_err(store_err)?
        .is_some();
    if !exists {
        return Err(not_found());
    }
    app.store
        .exec(move |c| inbox::set_state(c, me.id, n, state, at))
        .await
        .map_err(store_err)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn read(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set(app, headers, id, "read").await
}

pub async fn delete(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set(app, headers, id, "deleted").await
}
