//! Receiving: SMS from phones (deliver_sm at the simulated SMSC) become
//! stored messages, multipart ones joined once, acknowledged only when
//! stored; webhooks report received messages and status changes, signed.

mod common;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_sim::{DeliveryKind, MoMessage, Smsc};

const LINK: &str = "sim";

async fn setup() -> (Smsc, Gateway) {
    let sim = start_sim(|_| {}).await;
    // Missing parts are waited for 1 s, so a part the gateway failed to
    // recognise would show up as an extra message within PART_FLUSH_WAIT.
    let gw = Gateway::start(&format!(
        "{}\n{}",
        delivery(3, 1),
        smpp_link(LINK, sim.local_addr().port(), "")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    (sim, gw)
}

fn mo(from: &str, text: &str) -> MoMessage {
    MoMessage {
        from: from.into(),
        to: "12345".into(),
        text: text.into(),
        ..MoMessage::default()
    }
}

/// The MO deliver_sm the simulator sent and how each was answered.
fn mo_acks(sim: &Smsc) -> Vec<switchboard_sim::MoAck> {
    sim.mo_acks()
        .into_iter()
        .filter(|a| a.kind == DeliveryKind::Mo)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_received_sms_is_stored_and_listed() {
    let (sim, gw) = setup().await;
    sim.inject_mo(mo("+491709876543", "Hello gateway, this is a phone"))
        .await
        .expect("inject");
    let list = wait_inbound(&gw, 1).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let m = &list[0];
    assert_eq!(m["text"], "Hello gateway, this is a phone", "{m}");
    assert_eq!(m["from"], "+491709876543", "{m}");
    assert_eq!(m["to"], "12345", "{m}");
    assert_eq!(m["parts"], 1, "{m}");
    assert_eq!(m["complete"], true, "{m}");
    let id = m["id"].as_str().expect("id");
    assert!(id.starts_with("in-"), "{m}");
    let one = gw.api.message(id).await;
    assert_eq!(one["text"], m["text"], "{one}");

    // The cursor pages on: after the last one there is nothing new, and a
    // second message shows up after it.
    let (_, page) = gw.api.get("/api/v1/messages?direction=in").await;
    let cursor = page["next_cursor"]
        .as_str()
        .expect("next_cursor")
        .to_owned();
    let (_, next) = gw
        .api
        .get(&format!("/api/v1/messages?direction=in&after={cursor}"))
        .await;
    assert_eq!(next["messages"].as_array().map(Vec::len), Some(0), "{next}");
    sim.inject_mo(mo("+491709876544", "Ünïcödé? No: ελληνικά"))
        .await
        .expect("inject");
    let after = eventually("the second message after the cursor", 30 * SECOND, || {
        let (api, cursor) = (&gw.api, &cursor);
        async move {
            let (_, v) = api
                .get(&format!("/api/v1/messages?direction=in&after={cursor}"))
                .await;
            match v["messages"].as_array() {
                Some(l) if !l.is_empty() => Ok(l.clone()),
                _ => Err(v.to_string()),
            }
        }
    })
    .await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["text"], "Ünïcödé? No: ελληνικά");
    assert!(
        mo_acks(&sim).iter().all(|a| a.status == Some(0)),
        "{:?}",
        sim.mo_acks()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_sms_out_of_order_and_resent_is_one_message() {
    let (sim, gw) = setup().await;
    let text = gsm_long_text("mo-3-parts");
    // Parts 3, 1, 2, then part 1 again (the SMSC resending it).
    let mut m = mo("+491709876545", &text);
    m.parts_order = Some(vec![2, 0, 1, 0]);
    assert_eq!(sim.inject_mo(m).await.expect("inject"), 4);
    let list = wait_inbound(&gw, 1).await;
    eventually("all 4 deliver_sm answered", 30 * SECOND, || async {
        let acks = mo_acks(&sim);
        if acks.len() == 4 && acks.iter().all(|a| a.status.is_some()) {
            Ok(())
        } else {
            Err(format!("{acks:?}"))
        }
    })
    .await;
    // Long enough for a part the gateway did not recognise as a resend to
    // be stored as an incomplete message of its own.
    tokio::time::sleep(PART_FLUSH_WAIT).await;
    let list2 = gw.api.inbound_all().await;
    assert_eq!(
        list2.len(),
        1,
        "the parts made more than one message: {list2:?}"
    );
    let got = &list[0];
    assert_eq!(got["text"], text.as_str(), "{got}");
    assert_eq!(got["parts"], 3, "{got}");
    assert_eq!(got["complete"], true, "{got}");
    assert_eq!(got["from"], "+491709876545", "{got}");
    let acks = mo_acks(&sim);
    assert!(
        acks.iter().all(|a| a.status == Some(0) && !a.timed_out),
        "every part, the resent one too, is acknowledged OK: {acks:?}"
    );
    let seqs: Vec<u8> = acks
        .iter()
        .filter_map(|a| a.concat.map(|c| c.seq))
        .collect();
    assert_eq!(
        seqs,
        [3, 1, 2, 1],
        "the simulator sent the parts in the order asked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_sms_with_a_part_missing_is_stored_incomplete_after_the_wait() {
    let (sim, gw) = setup().await;
    let text = gsm_long_text("mo-part-lost");
    let mut m = mo("+491709876546", &text);
    m.parts_order = Some(vec![0, 2]);
    sim.inject_mo(m).await.expect("inject");
    let list = eventually(
        "the incomplete message",
        PART_FLUSH_WAIT + 20 * SECOND,
        || async {
            let list = gw.api.inbound_all().await;
            if list.is_empty() {
                Err("nothing yet".to_owned())
            } else {
                Ok(list)
            }
        },
    )
    .await;
    assert_eq!(list.len(), 1, "{list:?}");
    let got = &list[0];
    assert_eq!(got["complete"], false, "{got}");
    assert_eq!(got["parts"], 3, "{got}");
    let shown = got["text"].as_str().expect("text");
    let chars: Vec<char> = text.chars().collect();
    let first: String = chars[..152].iter().collect();
    assert!(shown.starts_with(&first), "part 1 is not kept: {shown:?}");
    assert!(shown.contains("[…]"), "the gap is not marked: {shown:?}");
    assert!(
        mo_acks(&sim).iter().all(|a| a.status == Some(0)),
        "{:?}",
        sim.mo_acks()
    );
}

/// Phones number concatenated messages with an 8-bit reference, so the
/// 257th long SMS of a phone carries the reference of the 1st again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_concatenation_reference_starts_a_new_message() {
    let (sim, gw) = setup().await;
    let sender = "+491709876547";
    let first = gsm_long_text("first long message");
    let second = gsm_long_text("second long message");
    sim.inject_mo(mo(sender, &first)).await.expect("inject");
    // The simulator takes one reference per injected message: 255 more
    // and it is back at the first one's.
    for i in 0..255 {
        sim.inject_mo(mo("+491709870000", &format!("filler {i}")))
            .await
            .expect("inject");
    }
    wait_inbound(&gw, 256).await;
    sim.inject_mo(mo(sender, &second)).await.expect("inject");
    // inject_mo only queues: wait until both messages' parts went out.
    let refs: Vec<u16> = eventually("both messages' parts sent", 20 * SECOND, || async {
        let refs: Vec<u16> = mo_acks(&sim)
            .iter()
            .filter(|a| a.source_addr == sender.trim_start_matches('+'))
            .filter_map(|a| a.concat.map(|c| c.reference))
            .collect();
        if refs.len() >= 4 {
            Ok(refs)
        } else {
            Err(format!("parts sent so far: {refs:?}"))
        }
    })
    .await;
    assert!(
        refs.iter().all(|&r| r == refs[0]),
        "the test needs one reference for both: {refs:?}"
    );
    let from_sender = eventually(
        "the second long message",
        PART_FLUSH_WAIT + 20 * SECOND,
        || async {
            let list: Vec<Value> = gw
                .api
                .inbound_all()
                .await
                .into_iter()
                .filter(|m| m["from"] == sender)
                .collect();
            if list.len() >= 2 {
                return Ok(list);
            }
            let answered: Vec<_> = mo_acks(&sim)
                .iter()
                .filter(|a| a.source_addr == sender.trim_start_matches('+'))
                .map(|a| (a.concat.map(|c| (c.reference, c.seq)), a.status))
                .collect();
            Err(format!(
                "messages from {sender}: {list:?}; its deliver_sm (reference, seq) and answers: {answered:?}"
            ))
        },
    )
    .await;
    assert_eq!(from_sender.len(), 2, "{from_sender:?}");
    assert_eq!(from_sender[0]["text"], first.as_str());
    assert_eq!(from_sender[1]["text"], second.as_str());
    assert!(
        from_sender.iter().all(|m| m["complete"] == true),
        "{from_sender:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_received_sms_is_acknowledged_only_once_stored() {
    let (sim, mut gw) = setup().await;
    let n = 10;
    for i in 0..n {
        let from = format!("+4917098760{i:02}");
        let text = format!("durable MO number {i}");
        sim.inject_mo(mo(&from, &text)).await.expect("inject");
        // Watch for the SMSC seeing deliver_sm_resp OK; the moment it does,
        // the message must already be readable through the API.
        let digits = from.trim_start_matches('+').to_owned();
        let start = Instant::now();
        loop {
            let acked = mo_acks(&sim)
                .iter()
                .any(|a| a.source_addr == digits && a.status == Some(0));
            if acked {
                break;
            }
            assert!(
                start.elapsed() < 30 * SECOND,
                "MO {i} never acknowledged: {:?}",
                sim.mo_acks()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let list = gw.api.inbound_all().await;
        assert!(
            list.iter().any(|m| m["text"] == text.as_str()),
            "MO {i} was acknowledged to the SMSC before it was stored: {list:?}"
        );
    }
    // Everything acknowledged survives kill -9 and nothing is received twice.
    gw.restart().await;
    gw.api.wait_link_up(LINK).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let list = gw.api.inbound_all().await;
    assert_eq!(list.len(), n, "{list:?}");
    for i in 0..n {
        assert!(
            list.iter()
                .any(|m| m["text"] == format!("durable MO number {i}")),
            "{list:?}"
        );
    }
    let acks = mo_acks(&sim);
    assert_eq!(acks.len(), n, "a deliver_sm was sent again: {acks:?}");
    assert!(acks.iter().all(|a| a.status == Some(0)), "{acks:?}");
}

// ------------------------------------------------------------- webhooks

#[derive(Debug, Clone)]
struct Call {
    signature: String,
    event_header: String,
    body: String,
}

/// A tiny HTTP receiver that records every POST /hook.
async fn hook_receiver() -> (String, Arc<Mutex<Vec<Call>>>) {
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let sink = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                sink.lock().expect("calls").push(Call {
                    signature: h("x-switchboard-signature"),
                    event_header: h("x-switchboard-event"),
                    body,
                });
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

/// Checks `t=<secs>,v1=<hex>` against HMAC-SHA256(secret, "<t>.<body>").
fn signature_ok(secret: &str, header: &str, body: &str) -> Result<(), String> {
    let mut t = None;
    let mut v1 = None;
    for kv in header.split(',') {
        match kv.split_once('=') {
            Some(("t", v)) => t = Some(v.to_owned()),
            Some(("v1", v)) => v1 = Some(v.to_owned()),
            _ => {}
        }
    }
    let (t, v1) = match (t, v1) {
        (Some(t), Some(v)) => (t, v),
        _ => return Err(format!("signature header {header:?} lacks t= or v1=")),
    };
    let secs: i64 = t.parse().map_err(|_| format!("t={t} is not a number"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    if (now - secs).abs() > 300 {
        return Err(format!("t={secs} is far from now ({now})"));
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    let want = hex::decode(&v1).map_err(|e| format!("v1 is not hex: {e}"))?;
    mac.verify_slice(&want)
        .map_err(|_| format!("v1={v1} is not HMAC-SHA256(secret, \"{t}.<body>\")"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_report_received_messages_and_status_signed() {
    let (sim, gw) = setup().await;
    let (url, calls) = hook_receiver().await;
    let (status, hook) = gw
        .api
        .post(
            "/api/v1/webhooks",
            &json!({ "url": url, "events": ["received", "status"] }),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let secret = hook["secret"].as_str().expect("secret").to_owned();
    assert!(secret.len() >= 32, "a short secret: {hook}");
    let (status, bad) = gw
        .api
        .post(
            "/api/v1/webhooks",
            &json!({ "url": "ftp://x", "events": ["received"] }),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["field"], "url", "{bad}");
    let (status, bad) = gw
        .api
        .post(
            "/api/v1/webhooks",
            &json!({ "url": url, "events": ["sent"] }),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["field"], "events[0]", "{bad}");
    // An id that is no number names no webhook, in JSON like every answer.
    let (status, bad) = gw
        .api
        .request(
            reqwest::Method::DELETE,
            "/api/v1/webhooks/x",
            None,
            Auth::Key,
        )
        .await;
    assert_eq!(status, 404, "{bad}");
    assert_eq!(bad["error"], "not_found", "{bad}");

    sim.inject_mo(mo("+491709876599", "hook me please"))
        .await
        .expect("inject");
    let id = gw
        .api
        .send_text("+491700000099", "status hooks please")
        .await;
    gw.api
        .wait_all_in_state(std::slice::from_ref(&id), "delivered", 30 * SECOND)
        .await;

    let parsed = eventually(
        "a received and a delivered webhook call",
        60 * SECOND,
        || {
            let calls = calls.clone();
            let id = id.clone();
            async move {
                let list: Vec<(Call, Value)> = calls
                    .lock()
                    .expect("calls")
                    .iter()
                    .map(|c| {
                        (
                            c.clone(),
                            serde_json::from_str(&c.body).unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                let received = list.iter().any(|(_, v)| v["event"] == "message.received");
                let delivered = list.iter().any(|(_, v)| {
                    v["event"] == "message.status"
                        && v["id"] == id.as_str()
                        && v["state"] == "delivered"
                });
                if received && delivered {
                    Ok(list)
                } else {
                    Err(format!("{list:?}"))
                }
            }
        },
    )
    .await;
    for (c, v) in &parsed {
        signature_ok(&secret, &c.signature, &c.body)
            .unwrap_or_else(|e| panic!("call {}: {e}", c.body));
        assert!(
            signature_ok(&secret, &c.signature, &format!("{} ", c.body)).is_err(),
            "a changed body still verifies"
        );
        assert!(signature_ok("not-the-secret", &c.signature, &c.body).is_err());
        assert_eq!(
            v["event"].as_str(),
            Some(c.event_header.as_str()),
            "event header vs body: {}",
            c.body
        );
    }
    let rec = parsed
        .iter()
        .map(|(_, v)| v)
        .find(|v| v["event"] == "message.received")
        .expect("received");
    assert_eq!(rec["text"], "hook me please", "{rec}");
    assert_eq!(rec["from"], "+491709876599", "{rec}");
    assert_eq!(rec["to"], "12345", "{rec}");
    // The id in the call is one the API knows.
    let listed = gw.api.inbound_all().await;
    let rec_id = rec["id"].as_str().expect("id in the received event");
    assert!(
        listed.iter().any(|m| m["id"] == rec_id),
        "the received event's id {rec_id:?} is not an id of GET /api/v1/messages?direction=in: {listed:?}"
    );
    let states: Vec<&str> = parsed
        .iter()
        .filter(|(_, v)| v["event"] == "message.status" && v["id"] == id.as_str())
        .filter_map(|(_, v)| v["state"].as_str())
        .collect();
    assert!(
        states.contains(&"submitted") && states.contains(&"delivered"),
        "{states:?}"
    );
}
