//! Sending: what the API accepts arrives at the SMSC as the right PDUs and
//! its delivery report shows up on the message; what it refuses is refused
//! with a useful error and stores nothing.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use switchboard_protocol::text::{self, Coding};
use switchboard_sim::Smsc;

const LINK: &str = "sim";

async fn setup() -> (Smsc, Gateway) {
    let sim = start_sim(|_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        smpp_link(LINK, sim.local_addr().port(), "")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    (sim, gw)
}

/// The accepted submits the simulator got for one destination (digits).
fn accepted_for(sim: &Smsc, dest: &str) -> Vec<switchboard_sim::SubmitRecord> {
    sim.accepted()
        .into_iter()
        .filter(|r| r.dest_addr == dest)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_message_reaches_the_smsc_and_its_report_marks_it_delivered() {
    let (sim, gw) = setup().await;
    let text = "Hello from the integration tests";
    let v = gw
        .api
        .send(&json!({ "to": "+491701234567", "text": text, "report": true }))
        .await;
    assert_eq!(v["state"], "queued", "{v}");
    assert_eq!(v["parts"], 1, "{v}");
    let id = id_of(&v);

    let m = gw
        .api
        .wait_all_in_state(std::slice::from_ref(&id), "delivered", 30 * SECOND)
        .await
        .remove(0);
    let subs = accepted_for(&sim, "491701234567");
    assert_eq!(subs.len(), 1, "one submit_sm at the SMSC: {subs:?}");
    let sub = &subs[0];
    assert_eq!(sub.text, text);
    assert_eq!(sub.data_coding, 0, "a GSM text goes with data_coding 0");
    assert_eq!(sub.dest_ton, 1, "international destination");
    assert_ne!(sub.registered_delivery & 1, 0, "a report is asked for");

    assert_eq!(m["text"], text, "{m}");
    assert_eq!(m["to"], "+491701234567", "{m}");
    assert_eq!(m["route"], LINK, "{m}");
    let parts = m["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 1, "{m}");
    assert_eq!(
        parts[0]["network_id"].as_str(),
        sub.message_id.as_deref(),
        "the part carries the id the SMSC gave: {m}"
    );
    assert_eq!(parts[0]["report"], "delivered", "{m}");
    assert_eq!(parts[0]["route"], LINK, "{m}");
    let events: Vec<&str> = m["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["event"].as_str())
        .collect();
    for e in ["accepted", "submitted", "report", "delivered"] {
        assert!(events.contains(&e), "history lacks '{e}': {events:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_texts_arrive_as_correct_concatenated_parts() {
    let (sim, gw) = setup().await;
    let ucs2 = ucs2_long_text();
    let gsm = gsm_long_text("long-gsm");
    assert_eq!(gsm.chars().count(), 400);
    let ucs2_id = gw.api.send_text("+491700000001", &ucs2).await;
    let gsm_id = gw.api.send_text("+491700000002", &gsm).await;
    gw.api
        .wait_all_in_state(&[ucs2_id.clone(), gsm_id.clone()], "delivered", 30 * SECOND)
        .await;

    for (dest, t, coding, id) in [
        ("491700000001", &ucs2, Coding::Ucs2, &ucs2_id),
        ("491700000002", &gsm, Coding::Gsm7, &gsm_id),
    ] {
        let parts: Vec<RawPart> = accepted_for(&sim, dest)
            .iter()
            .map(RawPart::from_sim)
            .collect();
        let n = check_concatenated(&parts, t, coding);
        let m = gw.api.message(id).await;
        assert_eq!(
            m["total_parts"], n,
            "the API counts the parts the SMSC got: {m}"
        );
        let reported = m["parts"].as_array().expect("parts");
        assert_eq!(reported.len(), n, "{m}");
        assert!(reported.iter().all(|p| p["report"] == "delivered"), "{m}");
        // The simulator joins them the same way a handset would.
        let shown: Vec<_> = sim
            .messages()
            .into_iter()
            .filter(|r| r.dest_addr == dest)
            .collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(shown[0].complete && shown[0].text == *t, "{shown:?}");
    }
    // 400 septets with two extension characters need 3 parts of <= 153.
    assert_eq!(gw.api.message(&gsm_id).await["total_parts"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gsm_extension_characters_arrive_intact() {
    let (sim, gw) = setup().await;
    let text = "Price: 5€ [a] {b} ^c ~d |e| \\f";
    let id = gw.api.send_text("+491700000003", text).await;
    let m = gw
        .api
        .wait_all_in_state(&[id], "delivered", 30 * SECOND)
        .await
        .remove(0);
    assert_eq!(m["text"], text);
    let subs = accepted_for(&sim, "491700000003");
    assert_eq!(subs.len(), 1, "{subs:?}");
    let s = &subs[0];
    assert_eq!(
        s.data_coding, 0,
        "fits GSM 03.38 with the extension table, so data_coding 0"
    );
    assert_eq!(s.esm_class & 0x40, 0, "a single SMS has no UDH");
    assert_eq!(text::decode(Coding::Gsm7, &s.short_message), text);
    // € is ESC 0x65 in the extension table, not a Latin-1 or UTF-8 byte.
    assert!(
        s.short_message.windows(2).any(|w| w == [0x1b, 0x65]),
        "{:02x?}",
        s.short_message
    );
    assert_eq!(
        s.short_message.len(),
        text::septet_count(text).expect("GSM"),
        "one septet per byte"
    );
}

async fn outbound_ids(gw: &Gateway) -> Vec<String> {
    gw.api
        .outbound_all()
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The request must be refused with a 4xx JSON error whose `field` (or,
/// for an unknown field, whose text) names `field`.
async fn refused(gw: &Gateway, body: Value, field: &str) -> Value {
    let (status, v) = gw.api.post("/api/v1/messages", &body).await;
    assert!(
        (400..500).contains(&status),
        "{body} was answered {status}: {v}"
    );
    assert!(v.is_object(), "error body is not JSON: {v}");
    let named = v["field"].as_str() == Some(field)
        || v["message"].as_str().is_some_and(|m| m.contains(field));
    assert!(named, "the error for {body} does not name '{field}': {v}");
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message in {v}"
    );
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_naming_the_field_and_store_nothing() {
    let (sim, gw) = setup().await;
    // One good message first, so "nothing stored" is checked against a
    // non-empty list.
    let first = gw.api.send_text("+491700000010", "the only message").await;
    let before = outbound_ids(&gw).await;
    assert_eq!(before, vec![first.clone()]);

    let e = refused(&gw, json!({ "to": "+49 12ab", "text": "x" }), "to").await;
    assert_eq!(e["field"], "to", "{e}");
    refused(&gw, json!({ "to": "not a number", "text": "x" }), "to").await;
    refused(&gw, json!({ "to": "+999 1234567", "text": "x" }), "to").await;
    refused(&gw, json!({ "text": "x" }), "to").await;
    let e = refused(&gw, json!({ "to": "+491700000011", "text": "" }), "text").await;
    assert_eq!(e["field"], "text", "{e}");
    refused(
        &gw,
        json!({ "to": "+491700000011", "text": "x", "colour": "red" }),
        "colour",
    )
    .await;
    refused(
        &gw,
        json!({ "to": "+491700000011", "text": "x", "priority": "urgent" }),
        "priority",
    )
    .await;
    refused(
        &gw,
        json!({ "to": "+491700000011", "text": "x", "validity_secs": 5 }),
        "validity_secs",
    )
    .await;
    refused(&gw, json!({ "to": "+491700000011", "text": 5 }), "text").await;
    let (status, v) = gw
        .api
        .post("/api/v1/messages", &json!("just a string"))
        .await;
    assert!((400..500).contains(&status), "{status} {v}");

    // A batch with one bad message stores none of them.
    let batch = json!({ "messages": [
        { "to": "+491700000012", "text": "good 1" },
        { "to": "+491700000013", "text": "good 2" },
        { "to": "+49 1", "text": "bad" },
        { "to": "+491700000014", "text": "good 3" },
    ]});
    let e = refused(&gw, batch, "messages[2].to").await;
    assert_eq!(e["field"], "messages[2].to", "{e}");
    let batch = json!({ "messages": [
        { "to": "+491700000012", "text": "good 1" },
        { "to": "+491700000013", "text": "" },
    ]});
    refused(&gw, batch, "messages[1].text").await;
    let batch = json!({ "messages": [
        { "to": "+491700000012", "text": "good 1" },
        { "to": "+491700000013", "text": "good 2", "colour": "red" },
    ]});
    refused(&gw, batch, "colour").await;

    assert_eq!(
        outbound_ids(&gw).await,
        before,
        "a refused request stored something"
    );
    // Nothing refused reached the SMSC either.
    gw.api
        .wait_all_in_state(&before, "delivered", 30 * SECOND)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dests: HashSet<String> = sim.submits().into_iter().map(|r| r.dest_addr).collect();
    assert_eq!(
        dests,
        HashSet::from(["491700000010".to_owned()]),
        "unexpected submits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_key_are_refused() {
    let (_sim, gw) = setup().await;
    let body = json!({ "to": "+491700000020", "text": "x" });
    let wrong = format!("Bearer {}x", gw.key);
    for auth in [
        Auth::None,
        Auth::Header("Bearer sb_not_a_real_key"),
        Auth::Header(&wrong),
        Auth::Header(&gw.key),
    ] {
        let (status, v) = gw
            .api
            .request(reqwest::Method::POST, "/api/v1/messages", Some(&body), auth)
            .await;
        assert_eq!(status, 401, "POST with {auth:?}: {v}");
        assert_eq!(v["error"], "unauthorized", "{v}");
        for path in [
            "/api/v1/messages",
            "/api/v1/messages/1",
            "/api/v1/handlers",
            "/api/v1/webhooks",
        ] {
            let (status, v) = gw.api.request(reqwest::Method::GET, path, None, auth).await;
            assert_eq!(status, 401, "GET {path} with {auth:?}: {v}");
        }
        // The key is checked first: without one, a bad id is not told apart.
        let (status, v) = gw
            .api
            .request(reqwest::Method::DELETE, "/api/v1/webhooks/x", None, auth)
            .await;
        assert_eq!(status, 401, "DELETE with a bad id with {auth:?}: {v}");
    }
    assert!(
        gw.api.outbound_all().await.is_empty(),
        "an unauthorised request stored a message"
    );
    // Health and metrics need no key.
    let (status, _) = gw.api.get_text("/healthz").await;
    assert_eq!(status, 200);
    let (status, _) = gw.api.get_text("/metrics").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_sends_only_once() {
    let (sim, gw) = setup().await;
    let body = json!({ "to": "+491700000030", "text": "only once please", "idempotency_key": "order-4711" });
    let a = gw.api.send(&body).await;
    let b = gw.api.send(&body).await;
    assert_eq!(
        id_of(&a),
        id_of(&b),
        "the same key gave two messages: {a} {b}"
    );
    let id = id_of(&a);
    gw.api
        .wait_all_in_state(std::slice::from_ref(&id), "delivered", 30 * SECOND)
        .await;
    // Sent again after delivery: still the same message, nothing new sent.
    let c = gw.api.send(&body).await;
    assert_eq!(id_of(&c), id, "{c}");
    // In a batch too.
    let d = gw.api.send(&json!({ "messages": [body.clone()] })).await;
    assert_eq!(d["messages"][0]["id"], id.as_str(), "{d}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        accepted_for(&sim, "491700000030").len(),
        1,
        "{:?}",
        sim.submits()
    );
    assert_eq!(gw.api.outbound_all().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_100_is_all_delivered() {
    let (sim, gw) = setup().await;
    let msgs: Vec<(String, String)> = (0..100)
        .map(|i| {
            (
                format!("+4917010{i:05}"),
                format!("batch message {i:03} of 100"),
            )
        })
        .collect();
    let ids = gw.api.send_batch(&msgs).await;
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        100,
        "ids are not distinct: {ids:?}"
    );
    let done = gw
        .api
        .wait_all_in_state(&ids, "delivered", 60 * SECOND)
        .await;
    for ((to, text), m) in msgs.iter().zip(&done) {
        assert_eq!(m["to"], to.as_str(), "{m}");
        assert_eq!(m["text"], text.as_str(), "{m}");
    }
    let mut at_smsc: HashMap<String, usize> = HashMap::new();
    for r in sim.accepted() {
        *at_smsc.entry(r.text).or_default() += 1;
    }
    for (_, text) in &msgs {
        assert_eq!(
            at_smsc.get(text),
            Some(&1),
            "'{text}' reached the SMSC {:?} times",
            at_smsc.get(text)
        );
    }
}

/// A raw connection to the API that has sent `bytes`.
async fn connect_and_send(addr: &str, bytes: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(bytes).await.expect("write");
    conn
}

/// Reads `conn` until the server closes it; what it sent before.
async fn read_until_closed(conn: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(30 * SECOND, conn.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the server kept the connection open: {got:?}");
    String::from_utf8_lossy(&got).into_owned()
}

/// A client that never completes a request's head is cut off after
/// `server.header_timeout_secs`, and so is a connection left idle after
/// its answer; other clients are served all the while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_after_the_header_timeout() {
    let gw = Gateway::start_configured("header_timeout_secs = 1", "", "full").await;
    let addr = gw.api.base.trim_start_matches("http://").to_owned();
    let mut slow = connect_and_send(&addr, b"GET /healthz HTTP/1.1\r\nHost: sb\r\n").await;
    let mut idle = connect_and_send(&addr, b"GET /healthz HTTP/1.1\r\nHost: sb\r\n\r\n").await;
    let (status, _) = gw.api.get_text("/healthz").await;
    assert_eq!(status, 200, "another client is served meanwhile");

    let started = std::time::Instant::now();
    let answered = read_until_closed(&mut idle).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let cut = read_until_closed(&mut slow).await;
    assert!(
        !cut.contains(" 200 "),
        "an incomplete request was answered: {cut}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "closed before the timeout"
    );
    let (status, _) = gw.api.get_text("/healthz").await;
    assert_eq!(status, 200);
}
