//! A phone that texted STOP gets no SMS from the operator API either: the
//! message is accepted and ends at once, failed with `recipient_opted_out`,
//! visible in the API and in its `message.status` webhook; STOP survives a
//! restart, and START lifts it.

mod common;
mod im_support;

use common::*;
use im_support::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PHONE: &str = "+491701110042";

/// A receiver that records the body of every POST /hook.
async fn hook_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let calls: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let sink = sink.clone();
            async move {
                let v = serde_json::from_str(&body).unwrap_or(Value::Null);
                sink.lock().expect("calls").push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), calls)
}

/// Sends one text from the operator API; returns its id and the state the
/// answer gave.
async fn send(gw: &Gateway, text: &str) -> (String, String) {
    let v = gw.api.send(&json!({ "to": PHONE, "text": text })).await;
    (
        id_of(&v),
        v["state"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Checks the message ended failed because the phone opted out, and that
/// its status webhook said so.
async fn ended_opted_out(gw: &Gateway, hooks: &Arc<Mutex<Vec<Value>>>, id: &str) {
    let m = gw.api.message(id).await;
    assert_eq!(m["state"], "failed", "{m}");
    assert_eq!(m["reason"], "recipient_opted_out", "{m}");
    assert_eq!(m["attempts"], 0, "never tried: {m}");
    eventually(
        "the message.status webhook of the opted-out message",
        Duration::from_secs(20),
        || async {
            let calls = hooks.lock().expect("calls").clone();
            calls
                .iter()
                .find(|v| v["event"] == "message.status" && v["id"] == id)
                .cloned()
                .ok_or_else(|| format!("{calls:?}"))
        },
    )
    .await;
    let calls = hooks.lock().expect("calls").clone();
    let of_it: Vec<_> = calls.iter().filter(|v| v["id"] == id).collect();
    assert_eq!(of_it.len(), 1, "{calls:?}");
    assert_eq!(of_it[0]["state"], "failed", "{calls:?}");
    assert_eq!(of_it[0]["reason"], "recipient_opted_out", "{calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_the_apis_messages_visibly_across_a_restart_until_start() {
    let mut w = World::start("").await;
    let (url, hooks) = hook_receiver().await;
    let (status, hook) =
        w.gw.api
            .post(
                "/api/v1/webhooks",
                &json!({ "url": url, "events": ["status"] }),
            )
            .await;
    assert_eq!(status, 201, "{hook}");

    w.text(PHONE, "STOP").await;
    assert!(w.nth_sms(PHONE, 1).await.contains("no more SMS"));

    let (id, state) = send(&w.gw, "to a stopped phone").await;
    assert_eq!(state, "failed", "the API's answer says it at once");
    ended_opted_out(&w.gw, &hooks, &id).await;

    // STOP is in the database: it holds after a restart.
    w.gw.restart().await;
    w.gw.api.wait_link_up("sim").await;
    let (id, state) = send(&w.gw, "still stopped").await;
    assert_eq!(state, "failed");
    ended_opted_out(&w.gw, &hooks, &id).await;
    w.no_more_sms(PHONE, 1).await;

    w.text(PHONE, "START").await;
    assert!(w.nth_sms(PHONE, 2).await.contains("on again"));
    let (id, state) = send(&w.gw, "welcome back").await;
    assert_eq!(state, "queued");
    assert_eq!(w.nth_sms(PHONE, 3).await, "welcome back");
    w.gw.api
        .wait_all_in_state(
            std::slice::from_ref(&id),
            "delivered",
            Duration::from_secs(30),
        )
        .await;
}
