//! Managing webhooks: `POST/GET /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`.

use super::AppState;
use super::auth::ApiKey;
use super::error::{ApiError, parse_json};
use crate::store::{WriteOp, now_ms};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rand::Rng;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewHook {
    url: String,
    #[serde(default)]
    events: Option<Vec<String>>,
}

pub async fn create(
    State(app): State<AppState>,
    _key: ApiKey,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let h: NewHook = parse_json(&body)?;
    let url = reqwest::Url::parse(&h.url)
        .map_err(|e| ApiError::field("url", format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::field("url", "must be an http:// or https:// URL"));
    }
    let events = h
        .events
        .unwrap_or_else(|| vec!["received".into(), "status".into()]);
    if events.is_empty() {
        return Err(ApiError::field(
            "events",
            "names no event; use \"received\" and/or \"status\"",
        ));
    }
    for (i, e) in events.iter().enumerate() {
        if e != "received" && e != "status" {
            return Err(ApiError::field(
                format!("events[{i}]"),
                format!("'{e}' is neither \"received\" nor \"status\""),
            ));
        }
    }
    let secret: String = {
        let mut rng = rand::rng();
        (0..32)
            .map(|_| format!("{:02x}", rng.random::<u8>()))
            .collect()
    };
    let joined = events.join(",");
    let (u, s) = (h.url.clone(), secret.clone());
    let id = app
        .store
        .call(|done| WriteOp::CreateWebhook {
            url: u,
            secret: s,
            events: joined,
            at: now_ms(),
            done,
        })
        .await
        .map_err(ApiError::unavailable)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "url": h.url, "events": events, "secret": secret })),
    ))
}

pub async fn list(
    State(app): State<AppState>,
    _key: ApiKey,
) -> Result<Json<serde_json::Value>, ApiError> {
    let hooks = app
        .store
        .read(crate::store::list_webhooks)
        .map_err(ApiError::unavailable)?;
    Ok(Json(serde_json::json!({ "webhooks": hooks })))
}

pub async fn delete(
    State(app): State<AppState>,
    _key: ApiKey,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Ids are numbers: any other is a webhook that does not exist.
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("webhook"))?;
    let gone = app
        .store
        .call(|done| WriteOp::DeleteWebhook { id, done })
        .await
        .map_err(ApiError::unavailable)?;
    if gone {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook"))
    }
}
