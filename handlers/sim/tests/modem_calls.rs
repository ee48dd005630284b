//! Calls through the simulated modem: ring sequences per profile, answer,
//! dial outcomes, +CHLD bookkeeping.

mod modem_client;

use modem_client::Client;
use std::time::Duration;
use switchboard_sim::modem::{
    CallEnd, DialOutcome, IncomingCall, ModemSim, ModemSimConfig, Profile,
};

async fn start(profile: Profile) -> (ModemSim, Client) {
    let mut cfg = ModemSimConfig::for_tests(profile);
    cfg.boot_urcs = false;
    cfg.timing.ring_interval_ms = 40;
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    c.cmd("AT+CMEE=1").await;
    (sim, c)
}

#[tokio::test]
async fn huawei_missed_call_rings_with_clip_then_cend() {
    let (sim, mut c) = start(Profile::Huawei).await;
    c.cmd("AT+CLIP=1;+CRC=1").await;
    sim.inject_call(IncomingCall::from_number("+491701234567", 3))
        .unwrap();
    let r = c.expect("^CEND:1,0,104,16\r\n").await;
    assert_eq!(r.matches("+CRING: VOICE").count(), 3, "{r:?}");
    assert_eq!(
        r.matches("+CLIP: \"+491701234567\",145,,,,0").count(),
        3,
        "{r:?}"
    );
    assert!(sim.wait_calls_ended(1, Duration::from_secs(1)).await);
    let call = &sim.calls()[0];
    assert_eq!(call.end, Some(CallEnd::Missed));
    assert_eq!(call.rings, 3);
    assert!(!call.answered);
    sim.stop().await;
}

#[tokio::test]
async fn generic_withheld_call_just_stops_ringing() {
    let (sim, mut c) = start(Profile::Generic).await;
    c.cmd("AT+CLIP=1").await;
    sim.inject_call(IncomingCall::withheld(2)).unwrap();
    c.expect("RING\r\n\r\n+CLIP: \"\",128,,,,1\r\n").await;
    c.expect("+CLIP: \"\",128,,,,1\r\n").await;
    assert!(sim.wait_calls_ended(1, Duration::from_secs(1)).await);
    let rest = c.quiet_for(Duration::from_millis(100)).await;
    assert_eq!(rest, "", "a generic modem says nothing at the end");
    assert_eq!(sim.calls()[0].number, None);
    sim.stop().await;
}

#[tokio::test]
async fn simcom_missed_call_and_quectel_no_carrier() {
    let (sim, mut c) = start(Profile::Simcom).await;
    c.cmd("AT+CLIP=1").await;
    sim.inject_call(IncomingCall::from_number("+491701234567", 1))
        .unwrap();
    c.expect("+CLIP: \"+491701234567\",145,\"\",0,\"\",0").await;
    let r = c.expect("+491701234567\r\n").await;
    assert!(r.contains("MISSED_CALL: "), "{r:?}");
    sim.stop().await;

    let (sim, mut c) = start(Profile::Quectel).await;
    sim.inject_call(IncomingCall::from_number("+491701234567", 1))
        .unwrap();
    c.expect("RING\r\n").await;
    c.expect("NO CARRIER\r\n").await;
    sim.stop().await;
}

#[tokio::test]
async fn answered_call_is_not_missed() {
    let (sim, mut c) = start(Profile::Huawei).await;
    let mut call = IncomingCall::from_number("+491701234567", 10);
    call.hangup_after_answer_ms = Some(50);
    let idx = sim.inject_call_wait(call).await.unwrap();
    assert_eq!(idx, 1);
    c.expect("RING\r\n").await;
    let r = c.cmd("ATA").await;
    assert!(r.contains("OK"));
    c.expect("^CONN:1,0").await;
    assert!(
        c.cmd("AT+CLCC")
            .await
            .contains("+CLCC: 1,1,0,0,0,\"+491701234567\",145")
    );
    assert!(c.cmd("AT+VTS=1").await.contains("OK"));
    c.expect("^CEND:1,").await;
    let call = &sim.calls()[0];
    assert!(call.answered);
    assert_eq!(call.end, Some(CallEnd::RemoteHangup));
    assert_eq!(call.dtmf, "1");
    // Nothing ringing now.
    assert!(c.cmd("ATA").await.contains("NO CARRIER"));
    sim.stop().await;
}

#[tokio::test]
async fn rejected_call_with_chup() {
    let (sim, mut c) = start(Profile::Simcom).await;
    sim.inject_call(IncomingCall::from_number("+491701234567", 50))
        .unwrap();
    c.expect("RING\r\n").await;
    assert!(c.cmd("AT+CHUP").await.contains("OK"));
    assert_eq!(sim.calls()[0].end, Some(CallEnd::Rejected));
    sim.stop().await;
}

#[tokio::test]
async fn dial_outcomes_and_huawei_progress() {
    let (sim, mut c) = start(Profile::Huawei).await;
    sim.set_dial_outcome("+491700000001", DialOutcome::Busy { after_ms: 10 });
    sim.set_dial_outcome("491700000002", DialOutcome::NoAnswer { after_ms: 30 });
    sim.set_dial_outcome(
        "+491700000003",
        DialOutcome::Answer {
            after_ms: 20,
            hangup_after_ms: Some(30),
        },
    );
    assert!(c.cmd("ATD+491700000001;").await.contains("OK"));
    c.expect("^CEND:1,0,104,17").await;
    assert!(c.cmd("ATD+491700000002;").await.contains("OK"));
    c.expect("^CONF:1").await;
    c.expect("^CEND:1,0,104,19").await;
    assert!(c.cmd("ATD+491700000003;").await.contains("OK"));
    let r = c.expect("^CEND:1,").await;
    let orig = r.find("^ORIG:1,0").unwrap();
    let conf = r.find("^CONF:1").unwrap();
    let conn = r.find("^CONN:1,0").unwrap();
    assert!(orig < conf && conf < conn, "{r:?}");
    let ends: Vec<_> = sim.calls().iter().map(|c| c.end).collect();
    assert_eq!(
        ends,
        [
            Some(CallEnd::Busy),
            Some(CallEnd::NoAnswer),
            Some(CallEnd::RemoteHangup)
        ]
    );
    assert!(c.cmd("ATD+491700000003").await.contains("NO CARRIER"));
    sim.stop().await;
}

#[tokio::test]
async fn generic_busy_and_no_answer_are_result_codes() {
    let (sim, mut c) = start(Profile::Generic).await;
    sim.set_dial_outcome("+491700000001", DialOutcome::Busy { after_ms: 10 });
    sim.set_dial_outcome("+491700000002", DialOutcome::NoAnswer { after_ms: 10 });
    c.cmd("ATD+491700000001;").await;
    c.expect("\r\nBUSY\r\n").await;
    c.cmd("ATD+491700000002;").await;
    c.expect("\r\nNO ANSWER\r\n").await;
    sim.stop().await;
}

fn clcc(r: &str) -> Vec<String> {
    r.split("\r\n")
        .filter(|l| l.starts_with("+CLCC:"))
        .map(|l| {
            // index, state, multiparty
            let f: Vec<&str> = l[7..].split(',').collect();
            format!("{}:{}:{}", f[0], f[2], f[4])
        })
        .collect()
}

#[tokio::test]
async fn dial_hold_dial_join_bookkeeping() {
    let (sim, mut c) = start(Profile::Quectel).await;
    sim.set_dial_outcome(
        "+491700000001",
        DialOutcome::Answer {
            after_ms: 5,
            hangup_after_ms: None,
        },
    );
    c.cmd("ATD+491700000001;").await;
    assert!(
        sim.wait_for(Duration::from_secs(1), |s| s.calls()[0].answered)
            .await
    );
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:0:0"]);
    c.cmd("AT+CHLD=2").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:1:0"]);
    c.cmd("ATD+491700000002;").await;
    assert!(
        sim.wait_for(Duration::from_secs(2), |s| s.calls().len() == 2
            && s.calls()[1].answered)
            .await
    );
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:1:0", "2:0:0"]);
    c.cmd("AT+CHLD=2").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:0:0", "2:1:0"]);
    c.cmd("AT+CHLD=3").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:0:1", "2:0:1"]);
    assert!(c.cmd("AT+CHLD=3").await.contains("+CME ERROR: 3"));
    c.cmd("AT+CHLD=11").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["2:0:0"]);
    c.cmd("ATH").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), Vec::<String>::new());
    let calls = sim.calls();
    assert!(calls.iter().all(|c| c.joined && c.held));
    assert!(calls.iter().all(|c| c.end == Some(CallEnd::LocalHangup)));
    let log = sim.at_log();
    let seq: Vec<&str> = log
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("ATD") || l.starts_with("AT+CHLD") || *l == "ATH")
        .collect();
    assert_eq!(
        seq,
        [
            "ATD+491700000001;",
            "AT+CHLD=2",
            "ATD+491700000002;",
            "AT+CHLD=2",
            "AT+CHLD=3",
            "AT+CHLD=3",
            "AT+CHLD=11",
            "ATH"
        ]
    );
    sim.stop().await;
}

#[tokio::test]
async fn waiting_call_accepted_with_chld2() {
    let (sim, mut c) = start(Profile::Simcom).await;
    c.cmd("AT+CCWA=1").await;
    c.cmd("ATD+491700000009;").await;
    assert!(
        sim.wait_for(Duration::from_secs(2), |s| s.calls()[0].answered)
            .await
    );
    c.expect("VOICE CALL: BEGIN").await;
    sim.inject_call(IncomingCall::from_number("+491701234567", 20))
        .unwrap();
    c.expect("+CCWA: \"+491701234567\",145,1").await;
    c.cmd("AT+CHLD=2").await;
    assert_eq!(clcc(&c.cmd("AT+CLCC").await), ["1:1:0", "2:0:0"]);
    assert!(sim.calls()[1].answered);
    sim.stop().await;
}

#[tokio::test]
async fn clcc_urcs_follow_an_outgoing_call() {
    let (sim, mut c) = start(Profile::Simcom).await;
    sim.set_dial_outcome(
        "+491700000001",
        DialOutcome::Answer {
            after_ms: 20,
            hangup_after_ms: None,
        },
    );
    c.cmd("AT+CLCC=1").await;
    let r = c.cmd("ATD+491700000001;").await;
    assert!(r.contains("OK"));
    let r = r + &c.expect("VOICE CALL: BEGIN\r\n").await + &c.expect("+CLCC: 1,0,0,").await;
    let dialing = r.find("+CLCC: 1,0,2,0,0,\"+491700000001\",145").unwrap();
    let alerting = r.find("+CLCC: 1,0,3,").unwrap();
    assert!(dialing < alerting, "{r:?}");
    let r = c.cmd("ATH").await;
    let r = r + &c.expect("+CLCC: 1,0,6,").await;
    assert!(r.contains("VOICE CALL: END: 0000"), "{r:?}");
    sim.stop().await;
}
