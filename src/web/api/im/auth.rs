//! Login with IM ID and password (argon2), bearer tokens per user.

use super::store_err;
use crate::im::directory::{ImId, User, password, tokens};
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// The user a request's token belongs to: `Authorization: Bearer sbu_…`,
/// or `?token=` (for `EventSource`, which cannot set headers).
pub fn user(
    app: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<User, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let token = header.or(query_token).ok_or_else(|| {
        ApiError::unauthorized(
            "log in (POST /api/v1/login) and send the token as 'Authorization: Bearer <token>'",
        )
    })?;
    if !token.starts_with(tokens::PREFIX) {
        return Err(ApiError::unauthorized(
            "this is not a user token (they start 'sbu_'); operator API keys do not work here",
        ));
    }
    let h = tokens::hash(token);
    app.store
        .read(|c| tokens::user_by_token(c, &h))
        .map_err(store_err)?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "this token is not known, was logged out, or its user is disabled; log in again",
            )
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    id: String,
    password: String,
}

pub async fn login(State(app): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let req: Login = parse_json(&body)?;
    let wrong = || ApiError::unauthorized("wrong IM ID or password");
    let name = ImId::parse(&req.id, &app.im.config.cluster).map_err(|_| wrong())?;
    let found = app
        .store
        .read(|c| crate::im::directory::users::password_hash(c, &name))
        .map_err(store_err)?;
    let Some((id, hash)) = found else {
        return Err(wrong());
    };
    let pw = req.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(wrong());
    }
    let (token, h) = tokens::new_token();
    let at = app.im.now();
    app.store
        .exec(move |c| tokens::insert(c, &h, id, at))
        .await
        .map_err(store_err)?;
    tracing::info!(user = %name, "user logged in");
    Ok(Json(json!({ "token": token, "id": app.im.full(&name) })))
}

pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    user(&app, &headers, None)?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let h = tokens::hash(token);
    app.store
        .exec(move |c| tokens::revoke(c, &h))
        .await
        .map_err(store_err)?;
    Ok(StatusCode::NO_CONTENT)
}
