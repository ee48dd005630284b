//! Presence: two clients, one watches the other; status changes arrive
//! live; invisible looks offline; adding a contact tells them; the seeing
//! list mode shows presence only to those on it.

mod common;
mod im_support;

use im_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_sees_status_changes_live_and_invisible_looks_offline() {
    let w = World::start("").await;
    w.add_user("alice");
    w.add_user("bob");
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    let mut a = alice.events().await;
    let (s, v) = bob
        .post("/api/v1/contacts", &json!({"id": "alice", "group": "work"}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["group"].as_str()),
        (Some("available"), Some("work"))
    );
    assert_eq!(a.next("contact.added").await["by"], "bob@sb.test");

    let mut b = bob.events().await;
    let (s, _) = alice
        .put(
            "/api/v1/presence",
            &json!({"status": "busy", "text": "in a meeting"}),
        )
        .await;
    assert_eq!(s, 200);
    let p = b.next("presence").await;
    assert_eq!(
        (p["id"].as_str(), p["status"].as_str(), p["text"].as_str()),
        (Some("alice@sb.test"), Some("busy"), Some("in a meeting"))
    );
    alice.presence("away").await;
    assert_eq!(b.next("presence").await["status"], "away");
    alice.presence("invisible").await;
    let p = b.next("presence").await;
    assert_eq!(
        (p["status"].as_str(), p["text"].as_str()),
        (Some("offline"), Some("")),
        "{p}"
    );
    let (_, c) = bob.get("/api/v1/contacts").await;
    assert_eq!(c["contacts"][0]["status"], "offline", "{c}");
    let (_, me) = alice.get("/api/v1/me").await;
    assert_eq!(me["effective_status"], "invisible", "{me}");

    alice.presence("available").await;
    assert_eq!(b.next("presence").await["status"], "available");
    drop(a);
    assert_eq!(
        b.next("presence").await["status"],
        "offline",
        "her last client went"
    );
    let _a = alice.events().await;
    assert_eq!(b.next("presence").await["status"], "available");

    // Only the seeing list sees her.
    let (s, _) = alice
        .call(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&json!({"visibility": "seeing_list"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b.next("presence").await["status"], "offline");
    let (s, _) = alice.put("/api/v1/lists/seeing/bob", &json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(b.next("presence").await["status"], "available");
    let (_, l) = alice.get("/api/v1/lists/seeing").await;
    assert_eq!(l["ids"], json!(["bob@sb.test"]));
}
