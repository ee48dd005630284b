//! Routing rules of the active profile, and the profiles themselves.

use super::{error, store_err, user};
use crate::im::directory::users::{self, Field};
use crate::im::routing::profiles;
use crate::im::routing::rules::{self, Rule};
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
struct Rules {
    rules: Vec<Rule>,
}

fn read_rules(body: &[u8]) -> Result<Vec<Rule>, ApiError> {
    let r: Rules = parse_json(body)?;
    rules::validate(&r.rules).map_err(|(f, m)| ApiError::field(f, m))?;
    Ok(r.rules)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if profiles::valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::field(
            "name",
            "a profile name is 1 to 32 letters, digits, '-' or '_'",
        ))
    }
}

pub async fn get_rules(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let r = app
        .store
        .read(|c| profiles::rules(c, me.id, &me.profile))
        .map_err(store_err)?
        .unwrap_or_default();
    Ok(Json(json!({ "profile": me.profile, "rules": r })))
}

pub async fn put_rules(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let r = read_rules(&body)?;
    let (id, p) = (me.id, me.profile.clone());
    app.store
        .exec(move |c| profiles::put(c, id, &p, &r))
        .await
        .map_err(store_err)?;
    get_rules(State(app), headers).await
}

pub async fn list_profiles(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let list = app
        .store
        .read(|c| profiles::list(c, me.id))
        .map_err(store_err)?;
    let list: Vec<Value> = list
        .into_iter()
        .map(|(name, rules)| json!({ "name": name, "rules": rules }))
        .collect();
    Ok(Json(json!({ "active": me.profile, "profiles": list })))
}

pub async fn put_profile(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    check_name(&name)?;
    let r = read_rules(&body)?;
    app.store
        .exec(move |c| profiles::put(c, me.id, &name, &r))
        .await
        .map_err(store_err)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_profile(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = user(&app, &headers, None)?;
    if name == me.profile {
        return Err(error(
            StatusCode::CONFLICT,
            "profile_active",
            "this profile is active; activate another before deleting it",
        ));
    }
    let gone = app
        .store
        .exec(move |c| profiles::delete(c, me.id, &name))
        .await
        .map_err(store_err)?;
    if gone {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no profile with this name",
        ))
    }
}

pub async fn activate(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    check_name(&name)?;
    let exists = name == profiles::DEFAULT
        || app
            .store
            .read(|c| profiles::rules(c, me.id, &name))
            .map_err(store_err)?
            .is_some();
    if !exists {
        return Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no profile with this name; create it with PUT /api/v1/profiles/{name}",
        ));
    }
    let n = name.clone();
    app.store
        .exec(move |c| users::set_field(c, me.id, Field::Profile, &n))
        .await
        .map_err(store_err)?;
    Ok(Json(json!({ "active": name })))
}
