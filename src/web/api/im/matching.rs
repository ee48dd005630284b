//! `POST /api/v1/match`: which of these numbers are users who allow being
//! found. The answer names positions in the request and IM IDs, never a
//! number; past the daily quota every request gets the same refusal.

use super::{error, store_err, user};
use crate::im::matching::{self, MAX_NUMBERS};
use crate::web::api::AppState;
use crate::web::api::error::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Match {
    numbers: Vec<String>,
}

pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let me = user(&app, &headers, None)?;
    let req: Match = parse_json(&body)?;
    if req.numbers.len() > MAX_NUMBERS {
        return Err(ApiError::field(
            "numbers",
            format!("at most {MAX_NUMBERS} numbers per request"),
        ));
    }
    // Numbers that do not read are simply not matched.
    let numbers: Vec<(usize, String)> = req
        .numbers
        .iter()
        .enumerate()
        .filter_map(|(i, n)| normalise(&app, n).map(|p| (i, p)))
        .collect();
    let (quota, now, asking) = (app.im.config.match_daily_quota, app.im.now(), me.id);
    let n = req.numbers.len() as u32;
    let granted = app
        .store
        .exec_unsynced(move |c| matching::take_quota(c, asking, n, quota, now))
        .await
        .map_err(store_err)?;
    if !granted {
        return Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exhausted",
            "contact matching is limited per day; try again tomorrow",
        ));
    }
    // A thousand lookups: off the async workers.
    let store = app.store.clone();
    let found =
        tokio::task::spawn_blocking(move || store.read(|c| matching::lookup(c, asking, &numbers)))
            .await
            .map_err(store_err)?
            .map_err(store_err)?;
    let matches: Vec<Value> = found
        .iter()
        .map(|(i, id)| json!({ "index": i, "id": app.im.full(id) }))
        .collect();
    Ok(Json(json!({ "matches": matches })))
}

/// E.164 as is (a number that is not valid matches nobody: bindings hold
/// valid numbers only); other forms through the number parser.
fn normalise(app: &AppState, n: &str) -> Option<String> {
    let plain = n
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
    if plain {
        return Some(n.to_owned());
    }
    app.im.numbers.parse(n).ok().map(|p| p.as_str().to_owned())
}
