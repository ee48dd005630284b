//! The routing service and the inbox: offline → SMS, busy → inbox with
//! urgent passing, blinded senders dropped silently and seeing the
//! recipient offline, profiles switching the routing, rules that need the
//! missing email handler refused, receipts, and inbox read/delete/history.

mod common;
mod im_support;

use im_support::*;
use serde_json::json;
use std::time::Duration;

const P_ALICE: &str = "+491702220001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_rules_and_profiles_decide_where_a_message_goes() {
    let w = World::start("").await;
    for u in ["alice", "bob", "carol"] {
        w.add_user(u);
    }
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    let carol = w.login("carol").await;
    w.bind(&alice, P_ALICE, 1).await;
    let mut bob_events = bob.events().await;

    // Offline → inbox and SMS; the receipts follow it to the phone.
    let (s, sent) = bob
        .post(
            "/api/v1/im/messages",
            &json!({"to": "alice", "text": "are you in?", "receipt": true}),
        )
        .await;
    assert_eq!(s, 202, "{sent}");
    let id = sent["id"].as_str().expect("id").to_owned();
    assert_eq!(w.nth_sms(P_ALICE, 2).await, "bob: are you in?");
    let r = bob_events.next("receipt").await;
    assert_eq!(
        (r["id"].as_str(), r["state"].as_str()),
        (Some(id.as_str()), Some("stored"))
    );
    bob_events
        .next_where("receipt", |r| r["state"] == "delivered_phone")
        .await;
    let (_, view) = bob.get(&format!("/api/v1/im/messages/{id}")).await;
    let states: Vec<&str> = view["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert_eq!(states, ["stored", "delivered_phone"], "{view}");

    // Online and available → her client, not her phone.
    let mut alice_events = alice.events().await;
    bob.post(
        "/api/v1/im/messages",
        &json!({"to": "alice", "text": "now?", "receipt": true}),
    )
    .await;
    assert_eq!(alice_events.next("message").await["text"], "now?");
    bob_events
        .next_where("receipt", |r| r["state"] == "delivered_client")
        .await;

    // Busy → inbox only; urgent passes.
    alice.presence("busy").await;
    bob.send("alice", "not urgent").await;
    alice_events
        .none("message", Duration::from_millis(800))
        .await;
    let (s, v) = bob
        .post(
            "/api/v1/im/messages",
            &json!({"to": "alice", "text": "URGENT", "urgent": true}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let m = alice_events.next("message").await;
    assert_eq!(
        (m["text"].as_str(), m["urgent"].as_bool()),
        (Some("URGENT"), Some(true))
    );
    w.no_more_sms(P_ALICE, 2).await;

    // Blinded: carol's messages vanish without her knowing, and she sees
    // Alice offline while bob sees her busy.
    alice.presence("available").await;
    let (s, _) = alice.put("/api/v1/lists/blinded/carol", &json!({})).await;
    assert_eq!(s, 204);
    let (_, p) = carol.get("/api/v1/presence/alice").await;
    assert_eq!(p["status"], "offline", "{p}");
    let (_, p) = bob.get("/api/v1/presence/alice").await;
    assert_eq!(p["status"], "available", "{p}");
    let mut carol_events = carol.events().await;
    let (s, v) = carol
        .post(
            "/api/v1/im/messages",
            &json!({"to": "alice", "text": "let me in", "receipt": true}),
        )
        .await;
    assert_eq!((s, v["state"].as_str()), (202, Some("accepted")), "{v}");
    assert_eq!(carol_events.next("receipt").await["state"], "stored");
    alice_events
        .none("message", Duration::from_millis(800))
        .await;
    let (_, inbox) = alice.get("/api/v1/inbox").await;
    assert!(!inbox.to_string().contains("let me in"), "{inbox}");
    w.no_more_sms(P_ALICE, 2).await;

    // A profile that sends everything to the phone; switching changes routing.
    let (s, v) = alice
        .put(
            "/api/v1/profiles/travel",
            &json!({"rules": [
                {"if": {"from": ["user:bob"]}, "then": ["sms"]},
                {"then": ["inbox"]}
            ]}),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (_, v) = alice
        .post("/api/v1/profiles/travel/activate", &json!({}))
        .await;
    assert_eq!(v["active"], "travel");
    bob.send("alice", "on the road?").await;
    assert_eq!(w.nth_sms(P_ALICE, 3).await, "bob: on the road?");
    alice_events
        .none("message", Duration::from_millis(500))
        .await;
    alice
        .post("/api/v1/profiles/default/activate", &json!({}))
        .await;
    bob.send("alice", "back at the desk").await;
    assert_eq!(
        alice_events.next("message").await["text"],
        "back at the desk"
    );

    // A stock reply, and an email rule refused until the handler exists.
    let (s, _) = alice
        .put("/api/v1/rules", &json!({"rules": [
            {"if": {"from": ["unknown"]}, "then": ["inbox", "reply"], "reply": "I only read this in the evening"}
        ]}))
        .await;
    assert_eq!(s, 200);
    bob.send("alice", "hello stranger").await;
    let r = bob_events
        .next_where("message", |m| m["auto_reply"] == true)
        .await;
    assert_eq!(
        (r["from"].as_str(), r["text"].as_str()),
        (
            Some("alice@sb.test"),
            Some("I only read this in the evening")
        )
    );
    let (s, e) = alice
        .put("/api/v1/rules", &json!({"rules": [{"then": ["email"]}]}))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["field"], "rules[0].then[0]", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("email handler"),
        "{e}"
    );
    let (s, e) = alice
        .put("/api/v1/rules", &json!({"rules": [{"then": ["reply"]}]}))
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("rules[0].reply")),
        "{e}"
    );

    // The inbox: unread, read, delete, with history.
    let (_, unread) = alice.get("/api/v1/inbox?unread=true").await;
    let list = unread["messages"].as_array().expect("messages").clone();
    assert!(list.iter().any(|m| m["text"] == "not urgent"), "{unread}");
    let first = list[0]["id"].as_str().unwrap().to_owned();
    let (s, _) = alice
        .post(&format!("/api/v1/inbox/{first}/read"), &json!({}))
        .await;
    assert_eq!(s, 204);
    let (_, after) = alice.get("/api/v1/inbox?unread=true").await;
    assert!(
        !after.to_string().contains(&format!("\"{first}\"")),
        "{after}"
    );
    let (s, _) = alice.delete(&format!("/api/v1/inbox/{first}")).await;
    assert_eq!(s, 204);
    let (s, _) = alice.get(&format!("/api/v1/inbox/{first}")).await;
    assert_eq!(s, 404);
    let (s, _) = bob.get(&format!("/api/v1/inbox/{first}")).await;
    assert_eq!(s, 404, "another user's message is not found");
    let (_, all) = alice.get("/api/v1/inbox").await;
    let some = all["messages"][0]["id"].as_str().unwrap().to_owned();
    let (_, one) = alice.get(&format!("/api/v1/inbox/{some}")).await;
    assert_eq!(one["history"][0]["what"], "added", "{one}");

    w.assert_private(&[("alice", P_ALICE)], &[P_ALICE]);
}
