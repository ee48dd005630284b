//! Binding the user's phone: a code by SMS, confirmed here.

use super::{error, store_err, user};
use crate::im::bindings::codes::{self, Verdict};
use crate::im::bindings::store::{self as bindings, Confirmed};
use crate::im::phone_state;
use crate::phones::replies;
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn get(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let phone = app
        .store
        .read(|c| bindings::phone_of(c, me.id))
        .map_err(store_err)?;
    // The user's own number: shown to its owner only.
    Ok(Json(json!({ "phone": phone.map(|p| p.to_string()) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Start {
    phone: String,
}

pub async fn start(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = user(&app, &headers, None)?;
    let req: Start = parse_json(&body)?;
    let phone = app
        .im
        .numbers
        .parse(&req.phone)
        .map_err(|e| ApiError::field("phone", format!("'{}' {e}", req.phone)))?;
    if !app.outbox.covers(&phone) {
        return Err(ApiError::field(
            "phone",
            "no [[route]] of this gateway reaches this number",
        ));
    }
    let code = codes::new_code();
    let (u, p, cd, now, cap) = (
        me.id,
        phone.clone(),
        code.clone(),
        app.im.now(),
        app.im.config.code_daily_cap,
    );
    let r = app
        .store
        .exec(move |c| {
            if phone_state::stopped(c, &p)? {
                return Ok(None);
            }
            bindings::start(c, u, &p, &cd, now, cap).map(Some)
        })
        .await
        .map_err(store_err)?;
    match r {
        None => Err(error(
            StatusCode::CONFLICT,
            "phone_stopped",
            "this number texted STOP; it gets no SMS until it texts START",
        )),
        Some(Err(refusal)) => {
            let status = match refusal {
                bindings::StartRefused::Taken => StatusCode::CONFLICT,
                bindings::StartRefused::Send(_) => StatusCode::TOO_MANY_REQUESTS,
            };
            let kind = match refusal {
                bindings::StartRefused::Taken => "phone_taken",
                bindings::StartRefused::Send(codes::SendRefused::TooSoon(_)) => "too_soon",
                bindings::StartRefused::Send(codes::SendRefused::DailyCap) => "daily_cap",
            };
            Err(error(status, kind, crate::phones::start_refusal(refusal)))
        }
        Some(Ok(())) => {
            let full = app.im.full(&me.name);
            let text = replies::render(&replies::Code {
                id: &full,
                code: &code,
            });
            app.im.outbox.send_own(&phone, text).await;
            Ok((
                StatusCode::ACCEPTED,
                Json(
                    json!({ "sent": true, "expires_in_secs": codes::LIFE_MS / 1000, "tries": codes::MAX_TRIES }),
                ),
            ))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Confirm {
    code: String,
}

pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let req: Confirm = parse_json(&body)?;
    let (u, now) = (me.id, app.im.now());
    let r = app
        .store
        .exec(move |c| bindings::confirm(c, u, &req.code, now))
        .await
        .map_err(store_err)?;
    let refuse = |kind, msg: String| Err(error(StatusCode::UNPROCESSABLE_ENTITY, kind, msg));
    match r {
        Confirmed::Bound(p) => {
            tracing::info!(user = %me.name, phone = ?p, "phone bound");
            Ok(Json(json!({ "phone": p.to_string() })))
        }
        Confirmed::NoCode => refuse(
            "no_code",
            "no code is waiting; ask for one with POST /api/v1/bindings or REG by SMS".into(),
        ),
        Confirmed::Taken => Err(error(
            StatusCode::CONFLICT,
            "phone_taken",
            "this number is bound to another IM ID",
        )),
        Confirmed::Refused(Verdict::Wrong { tries_left }) => {
            refuse("wrong_code", format!("wrong code; {tries_left} tries left"))
        }
        Confirmed::Refused(Verdict::Expired) => refuse(
            "code_expired",
            "the code expired (codes last 5 minutes); ask for a new one".into(),
        ),
        Confirmed::Refused(_) => refuse(
            "code_exhausted",
            "too many wrong tries; this code is dead, ask for a new one".into(),
        ),
    }
}

pub async fn remove(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    let gone = app
        .store
        .exec(move |c| bindings::unbind(c, me.id))
        .await
        .map_err(store_err)?;
    if gone {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no phone is bound to your IM ID",
        ))
    }
}
