//! The gateway against an SMSC nobody on the team wrote: the npm `smpp`
//! package in server mode (tests/peers/smsc/server.js). Needs Node.js and
//! `npm ci --prefix tests/peers/smsc`; without them these tests fail.

mod common;

use common::*;
use serde_json::{Value, json};
use switchboard_protocol::text::{self, Coding};

const LINK: &str = "node";

async fn setup() -> (NodePeer, Gateway) {
    let peer = NodePeer::start(&[
        "--system-id",
        "switchboard",
        "--password",
        "secret",
        "--dlr-delay-ms",
        "50",
    ])
    .await;
    // Missing parts are waited for 1 s, so a part the gateway failed to
    // recognise would show up as an extra message within PART_FLUSH_WAIT.
    let gw = Gateway::start(&format!(
        "{}\n{}",
        delivery(5, 1),
        smpp_link(LINK, peer.smpp_port, "")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    (peer, gw)
}

/// The submit_sm the peer received for one destination (digits).
async fn submits_for(peer: &NodePeer, dest: &str) -> Vec<Value> {
    peer.submits()
        .await
        .into_iter()
        .filter(|s| s["destination_addr"] == dest)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_submitted_and_reported_delivered() {
    let (peer, gw) = setup().await;
    let text = "Hello node-smpp, this is switchboard";
    let id = gw.api.send_text("+491701234567", text).await;
    let m = gw
        .api
        .wait_all_in_state(std::slice::from_ref(&id), "delivered", 30 * SECOND)
        .await
        .remove(0);
    let subs = submits_for(&peer, "491701234567").await;
    assert_eq!(subs.len(), 1, "{subs:?}");
    let s = &subs[0];
    assert_eq!(s["command_status"], 0, "{s}");
    assert_eq!(s["dest_addr_ton"], 1, "{s}");
    assert_eq!(s["data_coding"], 0, "{s}");
    assert_ne!(
        s["registered_delivery"].as_u64().unwrap_or(0) & 1,
        0,
        "a receipt is asked for: {s}"
    );
    let part = raw_part_from_peer(s);
    assert_eq!(text::decode(Coding::Gsm7, &part.short_message), text);
    let parts = m["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 1, "{m}");
    assert_eq!(parts[0]["network_id"], s["message_id"], "{m}");
    assert_eq!(parts[0]["report"], "delivered", "{m}");
    assert_eq!(m["route"], LINK, "{m}");
    // The receipt was answered OK.
    let delivers = peer.get("/delivers").await;
    let dlrs: Vec<&Value> = delivers
        .as_array()
        .expect("delivers")
        .iter()
        .filter(|d| d["kind"] == "dlr")
        .collect();
    assert!(
        !dlrs.is_empty() && dlrs.iter().all(|d| d["command_status"] == 0),
        "{dlrs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_texts_are_concatenated_and_extension_characters_kept() {
    let (peer, gw) = setup().await;
    let ucs2 = ucs2_long_text();
    let gsm = gsm_long_text("node-long");
    let ext = "Price: 5€ [a] {b} ^c";
    let ids = vec![
        gw.api.send_text("+491700000001", &ucs2).await,
        gw.api.send_text("+491700000002", &gsm).await,
        gw.api.send_text("+491700000003", ext).await,
    ];
    gw.api
        .wait_all_in_state(&ids, "delivered", 30 * SECOND)
        .await;
    for (dest, t, coding) in [
        ("491700000001", &ucs2, Coding::Ucs2),
        ("491700000002", &gsm, Coding::Gsm7),
    ] {
        let subs = submits_for(&peer, dest).await;
        assert!(subs.iter().all(|s| s["command_status"] == 0), "{subs:?}");
        let parts: Vec<RawPart> = subs.iter().map(raw_part_from_peer).collect();
        check_concatenated(&parts, t, coding);
    }
    let subs = submits_for(&peer, "491700000003").await;
    assert_eq!(subs.len(), 1, "{subs:?}");
    let p = raw_part_from_peer(&subs[0]);
    assert_eq!(p.data_coding, 0, "{:?}", subs[0]);
    assert_eq!(p.esm_class & 0x40, 0, "{:?}", subs[0]);
    assert_eq!(text::decode(Coding::Gsm7, &p.short_message), ext);
}

/// POST /mo at the peer, which must take it.
async fn mo(peer: &NodePeer, body: Value) {
    let (status, v) = peer.post("/mo", &body).await;
    assert_eq!(status, 200, "SMSC peer refused {body}: {v}");
}

/// Waits until every MO deliver_sm the peer sent is answered; returns them.
async fn mo_delivers_answered(peer: &NodePeer, n: usize) -> Vec<Value> {
    eventually(
        &format!("{n} MO deliver_sm answered"),
        30 * SECOND,
        || async move {
            let d = peer.get("/delivers").await;
            let mos: Vec<Value> = d
                .as_array()
                .expect("delivers")
                .iter()
                .filter(|d| d["kind"] == "mo")
                .cloned()
                .collect();
            if mos.len() >= n && mos.iter().all(|d| !d["command_status"].is_null()) {
                Ok(mos)
            } else {
                Err(format!("{mos:?}"))
            }
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_messages_single_and_in_three_parts_out_of_order() {
    let (peer, gw) = setup().await;
    // A single GSM message and a single UCS-2 one.
    mo(
        &peer,
        json!({ "from": "491709876543", "to": "12345", "text": "Hello from a node phone" }),
    )
    .await;
    mo(
        &peer,
        json!({ "from": "491709876544", "to": "12345", "text": "Emoji 😀 and Ümläut" }),
    )
    .await;
    let list = wait_inbound(&gw, 2).await;
    let find = |t: &str| list.iter().find(|m| m["text"] == t).cloned();
    let a = find("Hello from a node phone").unwrap_or_else(|| panic!("GSM MO missing: {list:?}"));
    assert_eq!(a["from"], "+491709876543", "{a}");
    assert_eq!(a["to"], "12345", "{a}");
    assert_eq!(a["complete"], true, "{a}");
    assert!(
        find("Emoji 😀 and Ümläut").is_some(),
        "UCS-2 MO missing or garbled: {list:?}"
    );

    // Three parts with one 8-bit reference, sent 3, 1, 2.
    let full: String = (0..400)
        .map(|i| char::from(b'A' + (i % 26) as u8))
        .collect();
    let chunks = [&full[..153], &full[153..306], &full[306..]];
    let udh = |seq: u8| format!("0500037a03{seq:02x}");
    let part = |seq: u8| {
        json!({
            "from": "491709876545", "to": "12345", "data_coding": 0,
            "text": chunks[seq as usize - 1], "udh_hex": udh(seq),
        })
    };
    for seq in [3u8, 1, 2] {
        mo(&peer, part(seq)).await;
    }
    let list = wait_inbound(&gw, 3).await;
    let joined: Vec<&Value> = list
        .iter()
        .filter(|m| m["from"] == "+491709876545")
        .collect();
    assert_eq!(
        joined.len(),
        1,
        "three parts made {} messages: {joined:?}",
        joined.len()
    );
    assert_eq!(joined[0]["text"], full.as_str(), "{}", joined[0]);
    assert_eq!(joined[0]["parts"], 3, "{}", joined[0]);
    assert_eq!(joined[0]["complete"], true, "{}", joined[0]);
    mo_delivers_answered(&peer, 5).await;

    // The SMSC sends part 1 again: still one message.
    mo(&peer, part(1)).await;
    let mos = mo_delivers_answered(&peer, 6).await;
    assert!(
        mos.iter().all(|d| d["command_status"] == 0),
        "every MO deliver_sm answered OK: {mos:?}"
    );
    tokio::time::sleep(PART_FLUSH_WAIT).await;
    let list = gw.api.inbound_all().await;
    assert_eq!(list.len(), 3, "a resent part made a new message: {list:?}");
}

/// Two long messages from one phone with the same 8-bit reference (its
/// counter wrapped) are two messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_concatenation_reference_starts_a_new_message() {
    let (peer, gw) = setup().await;
    let part = |text: &str, seq: u8| {
        json!({
            "from": "491709876548", "to": "12345", "data_coding": 0,
            "text": text, "udh_hex": format!("0500037b02{seq:02x}"),
        })
    };
    mo(&peer, part("First message, part one. ", 1)).await;
    mo(&peer, part("First message, part two.", 2)).await;
    let list = wait_inbound(&gw, 1).await;
    assert_eq!(
        list[0]["text"], "First message, part one. First message, part two.",
        "{list:?}"
    );
    mo(&peer, part("Second message, part one. ", 1)).await;
    mo(&peer, part("Second message, part two.", 2)).await;
    let mos = mo_delivers_answered(&peer, 4).await;
    let answers: Vec<&Value> = mos.iter().map(|d| &d["command_status"]).collect();
    let list = eventually(
        "the second message",
        PART_FLUSH_WAIT + 10 * SECOND,
        || async {
            let list = gw.api.inbound_all().await;
            if list.len() >= 2 {
                Ok(list)
            } else {
                Err(format!(
                    "{list:?}; the SMSC's deliver_sm were answered {answers:?}"
                ))
            }
        },
    )
    .await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        list[1]["text"], "Second message, part one. Second message, part two.",
        "{list:?}"
    );
}
