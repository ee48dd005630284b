//! `GET /api/v1/events`: the client's event stream (server-sent events):
//! messages, receipts, presence of contacts, contact and binding notices.
//! While a stream is open its user is online.

use super::user;
use crate::im::Im;
use crate::im::presence::{self, hub};
use crate::web::api::AppState;
use crate::web::api::error::ApiError;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    token: Option<String>,
}

/// The connection, held by the stream: dropped when the client goes.
struct Client {
    im: Arc<Im>,
    conn: hub::Connection,
    rx: mpsc::UnboundedReceiver<hub::ClientEvent>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.im.hub.disconnect(&self.conn) {
            presence::publish(&self.im, self.conn.user);
        }
    }
}

pub async fn stream(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let me = user(&app, &headers, q.token.as_deref())?;
    let (conn, rx, first) = app.im.hub.connect(me.id);
    let im = app.im.clone();
    if first {
        presence::publish(&im, me.id);
    }
    let hello = serde_json::json!({ "id": im.full(&me.name) });
    let client = Client { im, conn, rx };
    let first_event = futures::stream::once(async move {
        Ok::<_, Infallible>(Event::default().event("ready").data(hello.to_string()))
    });
    let rest = futures::stream::unfold(client, |mut c| async move {
        let e = c.rx.recv().await?;
        let ev = Event::default().event(e.kind).data(e.data.to_string());
        Some((Ok(ev), c))
    });
    use futures::StreamExt;
    Ok(Sse::new(first_event.chain(rest))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
