//! `GET /api/v1/calls`: the calls the modem lines saw, oldest first, page
//! by page like received messages; and answering or hanging up a call
//! that is still going on.

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use crate::model::calls::CallOutcome;
use crate::model::ids;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_protocol::{CallCommand, CallId};

/// Calls carry this prefix on their id, so they are never taken for
/// messages.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallsQuery {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

pub async fn list(
    State(app): State<AppState>,
    _key: ApiKey,
    query: Result<Query<CallsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let q = super::error::query(query)?;
    let limit = super::paging::limit(q.limit)?;
    let after = super::paging::after(q.after.as_deref(), ids::CALL_PREFIX)?;
    let list = app
        .store
        .read(|c| crate::store::list_calls(c, after, limit))
        .map_err(ApiError::unavailable)?;
    let next = list
        .last()
        .map_or_else(|| ids::call(after), |c| c.id.clone());
    Ok(Json(
        serde_json::json!({ "calls": list, "next_cursor": next }),
    ))
}

/// `POST /api/v1/calls/{id}/answer` and `.../hangup`: 202 once the command
/// is handed to the line; the call's row shows what came of it. Hanging up
/// a call that is still ringing refuses it (it counts as missed).
pub async fn control(
    State(app): State<AppState>,
    _key: ApiKey,
    Path((id, action)): Path<(String, String)>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    // A bare row id is taken too, as it always was.
    let n = ids::parse_call(&id)
        .or_else(|| id.parse().ok())
        .ok_or_else(|| ApiError::not_found("call"))?;
    let (handler, call_id, open) = app
        .store
        .read(|c| crate::store::call_target(c, n))
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::not_found("call"))?;
    let call = parse_call_id(&call_id).ok_or_else(|| ApiError::not_found("call"))?;
    if !open {
        return Err(ApiError::conflict("the call has ended"));
    }
    let ringing = app
        .store
        .read(|c| crate::store::list_calls(c, n - 1, 1))
        .map_err(ApiError::unavailable)?
        .first()
        .is_some_and(|v| v.outcome == CallOutcome::Ringing);
    let command = match action.as_str() {
        "answer" => CallCommand::Answer { call },
        "hangup" if ringing && matches!(call, CallId::Incoming(_)) => CallCommand::Reject { call },
        "hangup" => CallCommand::HangUp { call: Some(call) },
        other => {
            return Err(ApiError::field(
                "action",
                format!("'{other}' is neither \"answer\" nor \"hangup\""),
            ));
        }
    };
    app.dispatcher.call(handler, command);
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "id": ids::call(n), "action": action })),
    ))
}

/// Reads a call id as `CallId`'s Display writes it.
fn parse_call_id(s: &str) -> Option<CallId> {
    if let Some(n) = s.strip_prefix("incoming-") {
        return n.parse().ok().map(CallId::Incoming);
    }
    s.strip_prefix("placed-")?.parse().ok().map(CallId::Placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_ids_read_back() {
        for id in [CallId::Incoming(7), CallId::Placed(12)] {
            assert_eq!(parse_call_id(&id.to_string()), Some(id));
        }
        assert_eq!(parse_call_id("incoming-x"), None);
    }
}
