//! Health, metrics and the links' state.

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use switchboard_protocol::HandlerState;

/// 200 while the store answers; says which links are up. A link being down
/// does not make the daemon unhealthy (messages queue), so it stays 200.
pub async fn healthz(State(app): State<AppState>) -> impl IntoResponse {
    let store_ok = app
        .store
        .read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
        .is_ok();
    let links = app.dispatcher.status.snapshot();
    let up = links.iter().filter(|l| l.state == HandlerState::Up).count();
    let body = serde_json::json!({
        "status": if store_ok { "ok" } else { "store_unavailable" },
        "links_up": up,
        "links": links.len(),
    });
    let code = if store_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let links: Vec<_> = (app.dispatcher.status.snapshot().into_iter())
        .map(|l| (l.name, l.state))
        .collect();
    let mut text = app.metrics.render(&links);
    if let Ok(counts) = app.store.read(crate::store::outbound_state_counts) {
        text.push_str("# HELP switchboard_outbound_messages Stored outbound messages by state\n# TYPE switchboard_outbound_messages gauge\n");
        for (state, n) in counts {
            text.push_str(&format!(
                "switchboard_outbound_messages{{state=\"{state}\"}} {n}\n"
            ));
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

pub async fn handlers(
    State(app): State<AppState>,
    _key: ApiKey,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        serde_json::json!({ "handlers": app.dispatcher.status.snapshot() }),
    ))
}
