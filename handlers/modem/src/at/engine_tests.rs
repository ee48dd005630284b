//! The engine against a scripted modem on an in-memory duplex stream.

use super::command::{AtCommand, AtError, EngineEvent, Expect, Kind};
use super::engine::{AtClient, Timeouts, start};
use super::final_result::{ErrorCode, FinalResult};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

fn timeouts() -> Timeouts {
    Timeouts {
        quick: Duration::from_millis(300),
        send: Duration::from_millis(600),
        call: Duration::from_millis(600),
        slow: Duration::from_millis(600),
    }
}

struct Modem {
    io: DuplexStream,
}

impl Modem {
    /// Reads what the engine wrote up to and including `end`.
    async fn read_until(&mut self, end: u8) -> String {
        let mut out = Vec::new();
        let mut b = [0u8; 1];
        loop {
            self.io.read_exact(&mut b).await.unwrap();
            out.push(b[0]);
            if b[0] == end {
                return String::from_utf8_lossy(&out).into_owned();
            }
        }
    }
    async fn expect_cmd(&mut self, want: &str) {
        assert_eq!(self.read_until(b'\r').await, format!("{want}\r"));
    }
    async fn say(&mut self, s: &str) {
        self.io.write_all(s.as_bytes()).await.unwrap();
    }
}

fn setup() -> (AtClient, Modem, mpsc::UnboundedReceiver<EngineEvent>) {
    let (a, b) = tokio::io::duplex(4096);
    let (tx, rx) = mpsc::unbounded_channel();
    let (client, _task) = start(a, timeouts(), tx);
    (client, Modem { io: b }, rx)
}

fn urc_lines(rx: &mut mpsc::UnboundedReceiver<EngineEvent>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let EngineEvent::Unsolicited(u) = ev {
            out.push((u.line, u.pdu));
        }
    }
    out
}

#[tokio::test]
async fn lines_outside_the_expected_prefixes_are_unsolicited() {
    let (client, mut modem, mut rx) = setup();
    let job = tokio::spawn(async move {
        client
            .run(AtCommand::query("AT+CSQ", &["+CSQ:"]))
            .await
            .unwrap()
    });
    modem.expect_cmd("AT+CSQ").await;
    modem
        .say("\r\nRING\r\n\r\n+CSQ: 20,99\r\n\r\n+CMTI: \"SM\",3\r\nNO CARRIER\r\n\r\nOK\r\n")
        .await;
    let reply = job.await.unwrap();
    assert_eq!(reply.result, FinalResult::Ok);
    assert_eq!(reply.value("+CSQ"), Some("20,99"));
    assert_eq!(reply.info.len(), 1);
    let urcs: Vec<String> = urc_lines(&mut rx).into_iter().map(|u| u.0).collect();
    assert_eq!(urcs, ["RING", "+CMTI: \"SM\",3", "NO CARRIER"]);
}

#[tokio::test]
async fn cmgs_waits_for_the_prompt_and_ends_with_ctrl_z() {
    let (client, mut modem, mut rx) = setup();
    let job = tokio::spawn(async move {
        let mut cmd = AtCommand::query("AT+CMGS=5", &["+CMGS:"]).with_kind(Kind::Send);
        cmd.pdu = Some("0011AABB".into());
        client.run(cmd).await.unwrap()
    });
    modem.expect_cmd("AT+CMGS=5").await;
    modem.say("\r\n> ").await;
    assert_eq!(modem.read_until(0x1A).await, "0011AABB\x1a");
    modem
        .say("\r\n+CMGS: 12\r\n\r\n+CDSI: \"SR\",1\r\n\r\nOK\r\n")
        .await;
    let reply = job.await.unwrap();
    assert_eq!(reply.value("+CMGS"), Some("12"));
    assert_eq!(urc_lines(&mut rx), [("+CDSI: \"SR\",1".to_string(), None)]);
}

#[tokio::test]
async fn a_refused_cmgs_ends_without_prompt() {
    let (client, mut modem, _rx) = setup();
    let job = tokio::spawn(async move {
        let mut cmd = AtCommand::query("AT+CMGS=5", &["+CMGS:"]).with_kind(Kind::Send);
        cmd.pdu = Some("00".into());
        client.run(cmd).await.unwrap()
    });
    modem.expect_cmd("AT+CMGS=5").await;
    modem.say("\r\n+CMS ERROR: 304\r\n").await;
    let reply = job.await.unwrap();
    assert_eq!(
        reply.result,
        FinalResult::Cms(ErrorCode {
            code: Some(304),
            text: "304".into()
        })
    );
}

#[tokio::test]
async fn a_listing_keeps_its_pdus_and_gives_away_notifications() {
    let (client, mut modem, mut rx) = setup();
    let job = tokio::spawn(async move {
        client
            .run(AtCommand::set("AT+CMGL=4").expecting(Expect::with_pdus(&["+CMGL:"])))
            .await
            .unwrap()
    });
    modem.expect_cmd("AT+CMGL=4").await;
    modem
        .say(concat!(
            "\r\n+CMGL: 1,0,,5\r\n0011AA\r\n",
            "+CMTI: \"SM\",2\r\n",
            "+CMGL: 2,1,,6\r\n0022BB\r\n",
            "\r\nOK\r\n"
        ))
        .await;
    let reply = job.await.unwrap();
    let got: Vec<(String, Option<String>)> =
        reply.info.into_iter().map(|l| (l.text, l.pdu)).collect();
    assert_eq!(
        got,
        [
            ("+CMGL: 1,0,,5".to_string(), Some("0011AA".to_string())),
            ("+CMGL: 2,1,,6".to_string(), Some("0022BB".to_string()))
        ]
    );
    assert_eq!(urc_lines(&mut rx), [("+CMTI: \"SM\",2".to_string(), None)]);
}

#[tokio::test]
async fn direct_messages_carry_their_pdu_line() {
    let (client, mut modem, mut rx) = setup();
    modem.say("\r\n+CMT: ,24\r\n07911AA\r\n").await;
    modem.say("\r\n+CDS: 25\r\n0006\r\n").await;
    // A command round trip makes sure everything before it was read.
    let job = tokio::spawn(async move { client.run(AtCommand::set("AT")).await.unwrap() });
    modem.expect_cmd("AT").await;
    modem.say("\r\nOK\r\n").await;
    job.await.unwrap();
    assert_eq!(
        urc_lines(&mut rx),
        [
            ("+CMT: ,24".to_string(), Some("07911AA".to_string())),
            ("+CDS: 25".to_string(), Some("0006".to_string()))
        ]
    );
}

#[tokio::test]
async fn echo_is_ignored_and_bare_answers_are_kept() {
    let (client, mut modem, mut rx) = setup();
    let job = tokio::spawn(async move {
        client
            .run(AtCommand::set("AT+CGMI").expecting(Expect::bare(&["+CGMI:"])))
            .await
            .unwrap()
    });
    modem.expect_cmd("AT+CGMI").await;
    modem
        .say("AT+CGMI\r\r\n^RSSI:14\r\nhuawei\r\n\r\nOK\r\n")
        .await;
    let reply = job.await.unwrap();
    assert_eq!(reply.info.len(), 1);
    assert_eq!(reply.info[0].text, "huawei");
    assert_eq!(urc_lines(&mut rx), [("^RSSI:14".to_string(), None)]);
}

#[tokio::test]
async fn call_results_end_only_call_commands() {
    let (client, mut modem, _rx) = setup();
    let c = client.clone();
    let job = tokio::spawn(async move {
        c.run(AtCommand::set("ATD+491701234567;").with_kind(Kind::Call))
            .await
    });
    modem.expect_cmd("ATD+491701234567;").await;
    modem.say("\r\nBUSY\r\n").await;
    assert_eq!(job.await.unwrap().unwrap().result, FinalResult::Busy);
}

#[tokio::test]
async fn a_timeout_is_reported_and_the_next_command_resynchronises() {
    let (client, mut modem, mut rx) = setup();
    let c = client.clone();
    let job = tokio::spawn(async move { c.run(AtCommand::query("AT+CSQ", &["+CSQ:"])).await });
    modem.expect_cmd("AT+CSQ").await;
    let err = job.await.unwrap().unwrap_err();
    assert!(matches!(err, AtError::Timeout { .. }), "{err}");
    assert!(matches!(rx.recv().await, Some(EngineEvent::Timeout(c)) if c == "AT+CSQ"));

    let job =
        tokio::spawn(async move { client.run(AtCommand::query("AT+CREG?", &["+CREG:"])).await });
    // The late answer of the old command, then the resynchronising AT.
    modem.say("\r\n+CSQ: 9,99\r\n\r\nOK\r\n").await;
    modem.expect_cmd("AT").await;
    modem.say("\r\nOK\r\n").await;
    modem.expect_cmd("AT+CREG?").await;
    modem.say("\r\n+CREG: 0,1\r\n\r\nOK\r\n").await;
    let reply = job.await.unwrap().unwrap();
    assert_eq!(reply.value("+CREG"), Some("0,1"));
}

#[tokio::test]
async fn a_prompt_that_never_comes_is_aborted_with_esc() {
    let (client, mut modem, _rx) = setup();
    let job = tokio::spawn(async move {
        let mut cmd = AtCommand::query("AT+CMGS=5", &["+CMGS:"]).with_kind(Kind::Send);
        cmd.pdu = Some("00".into());
        client.run(cmd).await
    });
    modem.expect_cmd("AT+CMGS=5").await;
    assert_eq!(modem.read_until(0x1B).await, "\x1b");
    assert!(matches!(job.await.unwrap(), Err(AtError::Timeout { .. })));
}

#[tokio::test]
async fn a_closed_port_fails_the_command_and_says_so() {
    let (client, mut modem, mut rx) = setup();
    let job = tokio::spawn(async move { client.run(AtCommand::set("AT")).await });
    modem.expect_cmd("AT").await;
    drop(modem);
    assert!(matches!(job.await.unwrap(), Err(AtError::Closed(_))));
    assert!(matches!(rx.recv().await, Some(EngineEvent::Closed(_))));
}
