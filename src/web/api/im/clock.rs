//! `POST /api/v1/admin/clock {"advance_secs": N}` (operator key; only with
//! `[im] test_clock = true`): moves the IM side's clock on, so tests see
//! codes expire and caps reset without waiting.

use super::error;
use crate::web::api::AppState;
use crate::web::api::auth::ApiKey;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_secs: u64,
}

pub async fn advance(
    State(app): State<AppState>,
    _key: ApiKey,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if !app.im.config.test_clock {
        return Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "the clock can be moved only with [im] test_clock = true",
        ));
    }
    let req: Advance = parse_json(&body)?;
    let ms = i64::try_from(req.advance_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    app.im.clock.advance(ms);
    Ok(Json(json!({ "now": app.im.now() })))
}
