//! The HTTP API (JSON under /api/v1), health and metrics.

mod auth;
mod calls;
mod error;
mod hooks;
mod http_server;
mod im;
mod paging;
mod read;
mod send;
mod system;

pub use auth::{KeyCache, new_key};
pub use http_server::serve;

use crate::model::phone::NumberParser;
use crate::ops::metrics::Metrics;
use crate::sms::dispatch::Dispatcher;
use crate::store::Store;
use axum::Router;
use axum::routing::{delete, get, post};
use std::sync::Arc;

/// What every handler reaches: shared, so a request's copy of it (axum hands
/// each handler its own) is one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState(Arc::new(app))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The handles the API's handlers use, built once at start-up
/// (`app::start`): the store for reads, the outbox for every SMS accepted,
/// the dispatcher for status and call control, the IM side for the users'
/// API. Nothing here is per request.
pub struct App {
    pub store: Store,
    pub dispatcher: Dispatcher,
    pub metrics: Arc<Metrics>,
    pub keys: Arc<KeyCache>,
    pub numbers: NumberParser,
    /// Where every SMS the API accepts goes.
    pub outbox: crate::sms::outbox::Outbox,
    pub im: Arc<crate::im::Im>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/messages",
            get(read::list_messages).post(send::send),
        )
        .route("/api/v1/messages/{id}", get(read::get_message))
        .route("/api/v1/webhooks", get(hooks::list).post(hooks::create))
        .route("/api/v1/webhooks/{id}", delete(hooks::delete))
        .route("/api/v1/calls", get(calls::list))
        .route("/api/v1/calls/{id}/{action}", post(calls::control))
        .route("/api/v1/handlers", get(system::handlers))
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .merge(im::routes())
        // Batches of 1,000 long messages fit; anything larger is refused.
        .layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024))
        .with_state(state)
}
