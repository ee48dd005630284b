//! Sending an IM to an IM ID, and what became of it (the sender's view).

use super::contacts::named;
use super::{error, store_err, user};
use crate::im::directory::users;
use crate::im::inbox::store as inbox;
use crate::im::routing::{self, Message};
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Send {
    to: String,
    text: String,
    #[serde(default)]
    urgent: bool,
    #[serde(default)]
    receipt: bool,
}

pub async fn send(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = user(&app, &headers, None)?;
    let req: Send = parse_json(&body)?;
    if req.text.trim().is_empty() {
        return Err(ApiError::field("text", "is empty"));
    }
    if req.text.chars().count() > 4000 {
        return Err(ApiError::field("text", "at most 4000 characters"));
    }
    let to = named(&app, "to", &req.to)?;
    let id = routing::deliver(
        &app.im,
        Message {
            sender: &me,
            recipient: &to,
            text: &req.text,
            urgent: req.urgent,
            receipt: req.receipt,
            from_phone: None,
        },
    )
    .await
    .map_err(store_err)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "id": inbox::show_id(id), "to": app.im.full(&to.name), "state": "accepted" })),
    ))
}

/// A message the user sent: the receipts so far. What the recipient did
/// with it (read, deleted, dropped) is theirs and not shown.
pub async fn sent(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "not_found",
            "you sent no message with this id",
        )
    };
    let n = inbox::read_id(&id).ok_or_else(not_found)?;
    let found = app
        .store
        .read(|c| {
            let Some(m) = inbox::get(c, n)?.filter(|m| m.sender == me.id) else {
                return Ok(None);
            };
            let to = users::by_id(c, m.user)?;
            Ok(Some((m.clone(), to, inbox::events(c, n)?)))
        })
        .map_err(store_err)?;
    let (m, to, events) = found.ok_or_else(not_found)?;
    let receipts: Vec<Value> = events
        .iter()
        .filter_map(|(what, at)| {
            let shown = match what.as_str() {
                "added" | "dropped" => "stored",
                "delivered_client" | "delivered_phone" => what.as_str(),
                _ => return None,
            };
            Some(json!({ "state": shown, "at": at }))
        })
        .collect();
    Ok(Json(json!({
        "id": inbox::show_id(m.id),
        "to": to.map(|u| app.im.full(&u.name)),
        "text": m.text,
        "urgent": m.urgent,
        "receipts": receipts,
    })))
}
