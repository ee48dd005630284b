//! The HTTP control API the CLI and the demo use.

mod common;

use common::*;
use rusmpp::CommandStatus;
use serde_json::Value;
use switchboard_sim::SmscConfig;

#[tokio::test]
async fn control_api_injects_reports_sets_faults_and_drops() {
    let smsc = start(SmscConfig {
        control_listen: Some("127.0.0.1:0".parse().unwrap()),
        ..config()
    })
    .await;
    let api = smsc.control_addr().expect("control API bound");
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;

    let (status, body) = http(
        api,
        "POST",
        "/mo",
        Some(r#"{"from":"+491701234567","to":"12345","text":"hi"}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["parts"], 1);
    assert_eq!(v["receivers_bound"], 1);
    let d = c.expect_deliver().await;
    assert_eq!(short_message(&d), b"hi");
    c.ack(d.sequence_number(), CommandStatus::EsmeRok).await;

    c.submit_text("counted", 0).await;
    c.expect().await;
    let (status, body) = http(api, "GET", "/stats", None).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["submits"], 1);
    assert_eq!(v["accepted"], 1);
    assert_eq!(v["binds"], 1);
    assert_eq!(v["mo_sent"], 1);

    let (status, body) = http(api, "GET", "/messages", None).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["text"], "counted");

    let (status, body) = http(api, "POST", "/faults", Some(r#"{"throttle_rate":1.0}"#)).await;
    assert_eq!(status, 200, "{body}");
    c.submit_text("throttled", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRthrottled);

    let (status, body) = http(api, "POST", "/drop", None).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["dropped"], 1);
    assert!(c.closed(SECOND).await);
    smsc.stop().await;
}

#[tokio::test]
async fn bad_json_names_the_field() {
    let smsc = start(SmscConfig {
        control_listen: Some("127.0.0.1:0".parse().unwrap()),
        ..config()
    })
    .await;
    let api = smsc.control_addr().unwrap();
    let cases = [
        ("/faults", r#"{"throttle_rate":"lots"}"#, "throttle_rate"),
        ("/faults", r#"{"throtle_rate":1}"#, "throtle_rate"),
        ("/faults", r#"{"fail_rate":2}"#, "fail_rate"),
        ("/mo", r#"{"from":"+491701234567","to":"1"}"#, "text"),
        (
            "/mo",
            r#"{"from":"+491701234567","to":"1","text":5}"#,
            "text",
        ),
        ("/mo", r#"{"from":"+49x","to":"1","text":"x"}"#, "from"),
        (
            "/mo",
            r#"{"from":"+491701234567","to":"1","text":"x","parts_order":[4]}"#,
            "parts_order",
        ),
        ("/mo", "not json", "bad JSON"),
    ];
    for (path, body, field) in cases {
        let (status, answer) = http(api, "POST", path, Some(body)).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        let v: Value = serde_json::from_str(&answer).unwrap();
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(field), "{path} {body}: {msg}");
    }
    assert_eq!(smsc.faults(), switchboard_sim::Faults::default());
    smsc.stop().await;
}
