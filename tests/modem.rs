//! GSM modems end to end: the real `switchboard` binary drives simulated
//! modems through real pseudo-terminals (tokio-serial on a tty path), and
//! everything is checked through the API and at the simulated modem:
//! sending (7-bit, UCS-2 with emoji, multipart) with status reports,
//! receiving (single and multipart out of order), calls (missed, withheld,
//! answered), and the radio state in GET /api/v1/handlers.

mod common;

use common::modem::*;
use common::*;
use serde_json::{Value, json};
use switchboard_protocol::text::Coding;
use switchboard_sim::modem::{
    IncomingCall, IncomingSms, Profile, RingEnd, SimCaller, StatusReportSpec, Transport,
};

const LINE: &str = "+4915901234567";
const PHONE: &str = "+491701234567";

/// Waits until every message is out: submitted (no report was asked for,
/// so a modem's SMS stays there) or delivered.
async fn wait_sent(gw: &Gateway, ids: &[String]) -> Vec<Value> {
    eventually(
        &format!("{} message(s) sent", ids.len()),
        60 * SECOND,
        || async move {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let m = gw.api.message(id).await;
                if m["state"] != "submitted" && m["state"] != "delivered" {
                    return Err(format!("message {id} is {} ({m})", m["state"]));
                }
                out.push(m);
            }
            Ok(out)
        },
    )
    .await
}

/// The parts of a message as the API shows them: (network id, report).
fn parts(m: &Value) -> Vec<(String, String)> {
    m["parts"]
        .as_array()
        .unwrap_or_else(|| panic!("no parts in {m}"))
        .iter()
        .map(|p| {
            (
                p["network_id"].as_str().unwrap_or_default().to_owned(),
                p["report"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_sent_through_a_modem_arrive_decoded_and_reports_mark_them_delivered() {
    let sim = start_modem(Profile::Huawei, LINE, |_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        modem_table("gsm0", &sim.device(), "")
    ))
    .await;
    gw.api.wait_link_up("gsm0").await;

    let short = "Hello from switchboard €[]{}^ @ä";
    let emoji = "Grüße 👋 und 😀";
    let long = gsm_long_text("three parts");
    let long_ucs2 = ucs2_long_text();
    let mut ids = Vec::new();
    for text in [short, emoji, long.as_str(), long_ucs2.as_str()] {
        let v = gw
            .api
            .send(&json!({ "to": PHONE, "text": text, "report": true }))
            .await;
        ids.push(id_of(&v));
    }
    let done = gw
        .api
        .wait_all_in_state(&ids, "delivered", 60 * SECOND)
        .await;

    // What the modem was given, decoded by the simulator's own PDU reader.
    let sent = sim.sent();
    let find = |text: &str| {
        sent.iter()
            .find(|s| s.text == text)
            .unwrap_or_else(|| panic!("the modem never sent {text:?}; it sent {sent:#?}"))
    };
    let s = find(short);
    assert_eq!((s.coding, s.total, s.to.as_str()), (Coding::Gsm7, 1, PHONE));
    assert!(s.status_report, "a report was asked for: {s:?}");
    let e = find(emoji);
    assert_eq!((e.coding, e.total), (Coding::Ucs2, 1));
    let l = find(&long);
    assert_eq!((l.coding, l.total), (Coding::Gsm7, 3), "{l:?}");
    let u = find(&long_ucs2);
    assert_eq!(u.coding, Coding::Ucs2);
    // 66 units (the emoji is not split), 67, then the rest.
    assert_eq!(u.total, 3, "{u:?}");
    assert_eq!(sent.len(), 4, "{sent:#?}");
    // Each part's report came back to the part with its reference.
    for (m, s) in done.iter().zip([s, e, l, u]) {
        assert_eq!(m["route"], "gsm0", "{m}");
        let want: Vec<(String, String)> = s
            .mrs
            .iter()
            .map(|mr| (format!("{mr}@{}", &PHONE[1..]), "delivered".to_owned()))
            .collect();
        assert_eq!(parts(m), want, "{m}");
    }
    // The parts of one long message share one reference, and the parts
    // joined give the text (checked by `sent()`, which joins them).
    let parts = sim.sent_parts();
    let refs: Vec<_> = parts
        .iter()
        .filter(|p| p.concat.is_some_and(|c| c.total == 3) && p.coding == Coding::Gsm7)
        .map(|p| p.concat.map(|c| c.reference))
        .collect();
    assert_eq!(refs.len(), 3);
    assert!(refs.windows(2).all(|w| w[0] == w[1]), "{refs:?}");

    // The modem's radio as the handlers list shows it.
    let h = eventually("radio info for gsm0", 30 * SECOND, || async {
        let h = handler(&gw, "gsm0").await;
        if h["radio"]["operator"].is_string() && h["radio"]["line"].is_string() {
            Ok(h)
        } else {
            Err(h.to_string())
        }
    })
    .await;
    assert_eq!(h["kind"], "modem", "{h}");
    let r = &h["radio"];
    assert_eq!(r["operator"], "Telekom.de", "{h}");
    assert_eq!(r["registration"], "home", "{h}");
    assert_eq!(r["line"], LINE, "{h}");
    assert_eq!(r["profile"], "huawei", "{h}");
    assert!(r["signal_dbm"].as_i64().is_some_and(|d| d < 0), "{h}");
    assert!(r["model"].as_str().is_some_and(|m| !m.is_empty()), "{h}");
    // The day's count (published with the other gauges once a second).
    let parts_sent = 1 + 1 + 3 + u.total as u64;
    eventually("gsm0's count of the day", 10 * SECOND, || async {
        let h = handler(&gw, "gsm0").await;
        if h["sent_today"] == parts_sent {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_are_matched_to_their_parts_and_failures_end_the_message() {
    let sim = start_modem(Profile::Simcom, LINE, |c| c.auto_status_reports = false).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        modem_table("gsm0", &sim.device(), "profile = \"simcom\"")
    ))
    .await;
    gw.api.wait_link_up("gsm0").await;
    let other = "+491709876543";
    let mut ids = Vec::new();
    for (to, text) in [(PHONE, "first"), (PHONE, "second"), (other, "third")] {
        let v = gw
            .api
            .send(&json!({ "to": to, "text": text, "report": true }))
            .await;
        ids.push(id_of(&v));
    }
    gw.api
        .wait_all_in_state(&ids, "submitted", 30 * SECOND)
        .await;
    let sent = sim.sent();
    let mr = |text: &str| {
        sent.iter()
            .find(|s| s.text == text)
            .map(|s| s.mrs[0])
            .unwrap_or_else(|| panic!("{text:?} not sent: {sent:?}"))
    };
    // The second is delivered, the third fails, out of order; the first
    // stays waiting: a report names its part by (modem, recipient, MR).
    sim.inject_status_report(StatusReportSpec {
        mr: mr("third"),
        recipient: other.into(),
        status: 0x41,
    })
    .unwrap();
    sim.inject_status_report(StatusReportSpec {
        mr: mr("second"),
        recipient: PHONE.into(),
        status: 0,
    })
    .unwrap();
    gw.api
        .wait_all_in_state(&ids[1..2], "delivered", 30 * SECOND)
        .await;
    let failed = gw
        .api
        .wait_all_in_state(&ids[2..3], "failed", 30 * SECOND)
        .await;
    assert!(
        failed[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("delivery report")),
        "{}",
        failed[0]
    );
    assert_eq!(gw.api.message(&ids[0]).await["state"], "submitted");
    sim.inject_status_report(StatusReportSpec {
        mr: mr("first"),
        recipient: PHONE.into(),
        status: 0,
    })
    .unwrap();
    gw.api
        .wait_all_in_state(&ids[..1], "delivered", 30 * SECOND)
        .await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_received_by_a_modem_are_listed_including_multipart_out_of_order() {
    let sim = start_modem(Profile::Quectel, LINE, |_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        modem_table("gsm0", &sim.device(), "")
    ))
    .await;
    gw.api.wait_link_up("gsm0").await;

    sim.inject_sms(PHONE, "Hi gateway, one part €").unwrap();
    let long = gsm_long_text("received");
    let n = sim
        .inject_parts(IncomingSms {
            parts_order: Some(vec![2, 0, 1]),
            ..IncomingSms::text(PHONE, &long)
        })
        .unwrap();
    assert_eq!(n, 3);
    let emoji = ucs2_long_text();
    sim.inject_parts(IncomingSms {
        parts_order: Some(vec![1, 2, 0]),
        ..IncomingSms::text("+447700900123", &emoji)
    })
    .unwrap();

    let list = wait_inbound(&gw, 3).await;
    assert_eq!(list.len(), 3, "{list:#?}");
    let find = |text: &str| {
        list.iter()
            .find(|m| m["text"] == text)
            .unwrap_or_else(|| panic!("{text:?} not received: {list:#?}"))
    };
    let one = find("Hi gateway, one part €");
    assert_eq!(one["from"], PHONE, "{one}");
    assert_eq!(one["route"], "gsm0", "{one}");
    assert_eq!(one["parts"], 1, "{one}");
    let three = find(&long);
    assert_eq!(
        (three["parts"].as_u64(), three["complete"].as_bool()),
        (Some(3), Some(true))
    );
    let u = find(&emoji);
    assert_eq!(u["coding"], "ucs2", "{u}");
    assert_eq!(u["from"], "+447700900123", "{u}");
    // Stored before deleted: the SIM holds nothing once all is on disk.
    eventually("the SIM storage emptied", 30 * SECOND, || async {
        let left = sim.stored();
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("{left:?}"))
        }
    })
    .await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_listed_missed_with_caller_and_rings_withheld_and_answered() {
    let sim = start_modem(Profile::Huawei, LINE, |_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        modem_table("gsm0", &sim.device(), "")
    ))
    .await;
    gw.api.wait_link_up("gsm0").await;

    sim.inject_call(IncomingCall::from_number(PHONE, 3))
        .unwrap();
    let calls = wait_calls(&gw, 1, |c| c["ended_at"].is_i64()).await;
    let c = &calls[0];
    assert_eq!(c["outcome"], "missed", "{c}");
    assert_eq!(c["missed"], true, "{c}");
    assert_eq!(c["caller"], PHONE, "{c}");
    assert_eq!(c["caller_type"], "number", "{c}");
    assert_eq!(c["rings"], 3, "{c}");
    assert_eq!(c["line"], LINE, "{c}");
    assert_eq!(c["direction"], "in", "{c}");
    assert_eq!(c["route"], "gsm0", "{c}");
    assert!(c["started_at"].as_i64() <= c["ended_at"].as_i64(), "{c}");

    sim.inject_call(IncomingCall::withheld(2)).unwrap();
    let calls = wait_calls(&gw, 2, |c| c["ended_at"].is_i64()).await;
    let w = &calls[1];
    assert_eq!(w["caller_type"], "withheld", "{w}");
    assert_eq!(w["caller"], Value::Null, "{w}");
    assert_eq!(w["outcome"], "missed", "{w}");
    assert_eq!(w["rings"], 2, "{w}");

    // A call the operator answers (through the API) is not missed.
    sim.inject_call(IncomingCall {
        caller: SimCaller::Number("+33612345678".into()),
        rings: 50,
        end: RingEnd::Forever,
        hangup_after_answer_ms: Some(500),
    })
    .unwrap();
    let calls = wait_calls(&gw, 3, |_| true).await;
    assert_eq!(calls[2]["outcome"], "ringing", "{}", calls[2]);
    let ringing = calls[2]["id"].as_str().unwrap_or_default().to_owned();
    let (status, v) = gw
        .api
        .post(&format!("/api/v1/calls/{ringing}/answer"), &json!({}))
        .await;
    assert_eq!(status, 202, "{v}");
    let calls = wait_calls(&gw, 3, |c| c["ended_at"].is_i64()).await;
    let a = &calls[2];
    assert_eq!(a["outcome"], "answered", "{a}");
    assert_eq!(a["missed"], false, "{a}");
    assert!(a["answered_at"].is_i64(), "{a}");
    assert_eq!(a["caller"], "+33612345678", "{a}");
    assert!(
        sim.calls().iter().any(|c| c.answered),
        "the modem was told to answer: {:?}",
        sim.calls()
    );
    // Ended calls cannot be answered again.
    let (status, v) = gw
        .api
        .post(&format!("/api/v1/calls/{ringing}/answer"), &json!({}))
        .await;
    assert_eq!(status, 409, "{v}");
    // Paging: one call per page, in order.
    let (_, p1) = gw.api.get("/api/v1/calls?limit=1").await;
    let (_, p2) = gw
        .api
        .get(&format!(
            "/api/v1/calls?limit=1&after={}",
            p1["next_cursor"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(p1["calls"][0]["id"], calls[0]["id"], "{p1}");
    assert_eq!(p2["calls"][0]["id"], calls[1]["id"], "{p2}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_fails_over_from_a_hung_modem_to_the_smsc_and_from_an_unplugged_one_to_another_modem()
 {
    let smsc = start_sim(|_| {}).await;
    let hangs = start_modem(Profile::Huawei, LINE, |_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}\n{}\n[[route]]\nprefix = \"+\"\nvia = [\"gsm0\", \"smsc\"]\n",
        fast_delivery(2),
        modem_table("gsm0", &hangs.device(), ""),
        smpp_link("smsc", smsc.local_addr().port(), ""),
    ))
    .await;
    gw.api.wait_link_up("gsm0").await;
    gw.api.wait_link_up("smsc").await;
    let first = gw.api.send_text(PHONE, "through the modem").await;
    let m = &wait_sent(&gw, &[first]).await[0];
    assert_eq!(m["route"], "gsm0", "{m}");

    // The modem stops answering: what is sent meanwhile goes to the SMSC,
    // including a message handed to the modem just as it hung.
    hangs.update_faults(|f| f.hang = true);
    let during = gw.api.send_text(PHONE, "sent as it hung").await;
    wait_link_state(&gw, "gsm0", "down", 40 * SECOND).await;
    let mut ids = vec![during];
    for i in 0..5 {
        ids.push(
            gw.api
                .send_text(PHONE, &format!("while the modem is dead {i}"))
                .await,
        );
    }
    let done = gw
        .api
        .wait_all_in_state(&ids, "delivered", 60 * SECOND)
        .await;
    for m in &done {
        assert_eq!(m["route"], "smsc", "{m}");
    }
    assert_eq!(smsc.accepted_count(), 6);
    hangs.stop().await;
    drop(gw);

    // Two modems in a pool: one is pulled out, the other carries the
    // traffic; plugged back in, it is picked up again without a restart.
    let a = start_modem(Profile::Quectel, LINE, |_| {}).await;
    let b = start_modem(Profile::Huawei, "+4915907654321", |_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}\n{}\n[[route]]\nprefix = \"+\"\nvia = [\"gsm-a\", \"gsm-b\"]\n",
        fast_delivery(2),
        modem_table("gsm-a", &a.device(), ""),
        modem_table("gsm-b", &b.device(), ""),
    ))
    .await;
    gw.api.wait_link_up("gsm-a").await;
    gw.api.wait_link_up("gsm-b").await;
    a.unplug();
    wait_link_state(&gw, "gsm-a", "down", 40 * SECOND).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            gw.api
                .send_text(PHONE, &format!("while a is unplugged {i}"))
                .await,
        );
    }
    for m in wait_sent(&gw, &ids).await {
        assert_eq!(m["route"], "gsm-b", "{m}");
    }
    a.replug().await.unwrap();
    gw.api.wait_link_up("gsm-a").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(gw.api.send_text(PHONE, &format!("both again {i}")).await);
    }
    wait_sent(&gw, &ids).await;
    assert!(
        a.sent().iter().any(|s| s.text.starts_with("both again")),
        "the replugged modem takes its share again: {:?}",
        a.sent()
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modem_at_its_daily_limit_passes_its_traffic_to_the_next_and_the_count_survives_a_restart()
 {
    let a = start_modem(Profile::Huawei, LINE, |_| {}).await;
    let b = start_modem(Profile::Simcom, "+4915907654321", |_| {}).await;
    let mut gw = Gateway::start(&format!(
        "{}\n{}\n{}\n[[route]]\nprefix = \"+\"\nvia = [\"gsm-a\", \"gsm-b\"]\n",
        fast_delivery(2),
        modem_table("gsm-a", &a.device(), "daily_limit = 3"),
        modem_table("gsm-b", &b.device(), ""),
    ))
    .await;
    gw.api.wait_link_up("gsm-a").await;
    gw.api.wait_link_up("gsm-b").await;
    // A 2-part message and 8 single ones: gsm-a takes at most 3 parts.
    let mut ids = vec![gw.api.send_text(PHONE, &"x".repeat(200)).await];
    for i in 0..8 {
        ids.push(gw.api.send_text(PHONE, &format!("limited {i}")).await);
    }
    wait_sent(&gw, &ids).await;
    let on_a = a.sent_parts().len();
    assert_eq!(on_a, 3, "gsm-a sent {:?}", a.sent());
    assert_eq!(b.sent_parts().len(), 10 - on_a, "{:?}", b.sent());
    // The count as GET /api/v1/handlers shows it (published once a second).
    eventually("gsm-a shown at its limit", 10 * SECOND, || async {
        let h = handler(&gw, "gsm-a").await;
        let seen = (
            h["sent_today"].as_u64(),
            h["daily_limit"].as_u64(),
            h["at_daily_limit"].as_bool(),
        );
        if seen == (Some(3), Some(3), Some(true)) {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;

    // kill -9 and start again: the day's count is in the store.
    gw.restart().await;
    gw.api.wait_link_up("gsm-a").await;
    gw.api.wait_link_up("gsm-b").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(gw.api.send_text(PHONE, &format!("after restart {i}")).await);
    }
    for m in wait_sent(&gw, &ids).await {
        assert_eq!(m["route"], "gsm-b", "{m}");
    }
    assert_eq!(a.sent_parts().len(), 3);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modem_served_over_tcp_as_by_ser2net_sends_and_receives() {
    let sim = start_modem(Profile::Simcom, LINE, |c| {
        c.transport = Transport::Tcp {
            listen: "127.0.0.1:0".parse().expect("address"),
        };
    })
    .await;
    let device = sim.device();
    assert!(device.starts_with("tcp://127.0.0.1:"), "{device}");
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        modem_table("remote", &device, "")
    ))
    .await;
    gw.api.wait_link_up("remote").await;
    let v = gw
        .api
        .send(&json!({ "to": PHONE, "text": "over TCP", "report": true }))
        .await;
    let m = &gw
        .api
        .wait_all_in_state(&[id_of(&v)], "delivered", 30 * SECOND)
        .await[0];
    assert_eq!(m["route"], "remote", "{m}");
    assert!(sim.sent().iter().any(|s| s.text == "over TCP"));
    sim.inject_sms(PHONE, "back over TCP").unwrap();
    let list = wait_inbound(&gw, 1).await;
    assert_eq!(list[0]["text"], "back over TCP", "{list:?}");
    sim.stop().await;
}
