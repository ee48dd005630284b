//! The IM users' API: login, me, presence, contacts and lists, messages,
//! inbox, rules and profiles, bindings, contact matching and the event
//! stream. Authenticated by per-user tokens (`sbu_…`), not operator keys.

mod auth;
mod bindings;
mod clock;
mod contacts;
mod events;
mod inbox;
mod matching;
mod me;
mod messages;
mod rules;

pub use auth::user;

use super::AppState;
use super::error::ApiError;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post, put};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login", post(auth::login))
        .route("/api/v1/logout", post(auth::logout))
        .route("/api/v1/me", get(me::get_me).patch(me::patch_me))
        .route("/api/v1/presence", put(me::set_presence))
        .route("/api/v1/presence/{id}", get(me::presence_of))
        .route("/api/v1/contacts", get(contacts::list).post(contacts::add))
        .route(
            "/api/v1/contacts/{id}",
            axum::routing::delete(contacts::remove),
        )
        .route("/api/v1/lists/{kind}", get(contacts::list_kind))
        .route(
            "/api/v1/lists/{kind}/{id}",
            put(contacts::list_add).delete(contacts::list_remove),
        )
        .route("/api/v1/im/messages", post(messages::send))
        .route("/api/v1/im/messages/{id}", get(messages::sent))
        .route("/api/v1/inbox", get(inbox::list))
        .route("/api/v1/inbox/{id}", get(inbox::get).delete(inbox::delete))
        .route("/api/v1/inbox/{id}/read", post(inbox::read))
        .route("/api/v1/rules", get(rules::get_rules).put(rules::put_rules))
        .route("/api/v1/profiles", get(rules::list_profiles))
        .route(
            "/api/v1/profiles/{name}",
            put(rules::put_profile).delete(rules::delete_profile),
        )
        .route("/api/v1/profiles/{name}/activate", post(rules::activate))
        .route(
            "/api/v1/bindings",
            get(bindings::get)
                .post(bindings::start)
                .delete(bindings::remove),
        )
        .route("/api/v1/bindings/confirm", post(bindings::confirm))
        .route("/api/v1/match", post(matching::post))
        .route("/api/v1/events", get(events::stream))
        .route("/api/v1/admin/clock", post(clock::advance))
}

pub(crate) fn error(
    status: StatusCode,
    error: &'static str,
    message: impl Into<String>,
) -> ApiError {
    ApiError {
        status,
        error,
        field: None,
        message: message.into(),
    }
}

pub(crate) fn store_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::unavailable(e)
}
