//! Reading messages: one outbound message with its whole story, and the
//! received ones page by page.

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use crate::model::ids;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

pub async fn get_message(
    State(app): State<AppState>,
    _key: ApiKey,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Received messages carry a prefix, so the two directions never
    // share an id.
    if id.starts_with(ids::INBOUND_PREFIX) {
        let n = ids::parse_inbound(&id).ok_or_else(|| ApiError::not_found("message"))?;
        let list = app
            .store
            .read(|c| crate::store::list_inbound(c, n - 1, 1))
            .map_err(ApiError::unavailable)?;
        let m = list
            .into_iter()
            .next()
            .filter(|m| m.row == n)
            .ok_or_else(|| ApiError::not_found("message"))?;
        return Ok(Json(inbound_json(m)));
    }
    let n: i64 = id.parse().map_err(|_| ApiError::not_found("message"))?;
    let v = app
        .store
        .read(|c| crate::store::get_outbound(c, n))
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::not_found("message"))?;
    Ok(Json(serde_json::to_value(v).unwrap_or_default()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
}

pub async fn list_messages(
    State(app): State<AppState>,
    _key: ApiKey,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let q = super::error::query(query)?;
    let limit = super::paging::limit(q.limit)?;
    match q.direction.as_deref() {
        Some("in") => {
            let after = super::paging::after(q.after.as_deref(), ids::INBOUND_PREFIX)?;
            let list = app
                .store
                .read(|c| crate::store::list_inbound(c, after, limit))
                .map_err(ApiError::unavailable)?;
            let next = list.last().map_or(after, |m| m.row).to_string();
            let msgs: Vec<_> = list.into_iter().map(inbound_json).collect();
            Ok(Json(
                serde_json::json!({ "messages": msgs, "next_cursor": next }),
            ))
        }
        None | Some("out") => {
            let before = q.before.unwrap_or(i64::MAX);
            let views = app
                .store
                .read(|c| {
                    let ids = crate::store::list_outbound(c, before, limit)?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        if let Some(mut v) = crate::store::get_outbound(c, id)? {
                            v.history.clear();
                            out.push(v);
                        }
                    }
                    Ok(out)
                })
                .map_err(ApiError::unavailable)?;
            let next = views.last().map(|v| v.id.clone());
            Ok(Json(
                serde_json::json!({ "messages": views, "next_before": next }),
            ))
        }
        Some(other) => Err(ApiError::field(
            "direction",
            format!("'{other}' is neither \"in\" nor \"out\""),
        )),
    }
}

fn inbound_json(m: crate::store::InboundView) -> serde_json::Value {
    serde_json::to_value(m).unwrap_or_default()
}
