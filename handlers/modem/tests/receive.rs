//! Receiving through a real pty: single and multipart, in any order,
//! deleted only after the host's ack; direct delivery; sweeps.

mod common;

use common::Rig;
use std::time::Duration;
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{AckToken, Address, Command, Event, InboundSms};
use switchboard_sim::modem::{IncomingSms, Profile};

fn received(e: &Event) -> Option<(AckToken, InboundSms)> {
    match e {
        Event::SmsReceived { ack, sms } => Some((*ack, sms.clone())),
        _ => None,
    }
}

#[tokio::test]
async fn single_message_is_deleted_only_after_ack() {
    let mut rig = Rig::start_with(
        Profile::Huawei,
        |s| s.number = Some("+491701111111".into()),
        |_| {},
    )
    .await;
    rig.wait_up().await;
    rig.sim.inject_sms("+491701234567", "hello there").unwrap();
    let (ack, sms) = rig.wait_for("sms", received).await;
    assert_eq!(text::decode(sms.body.coding, &sms.body.data), "hello there");
    assert_eq!(sms.from.to_string(), "+491701234567");
    assert_eq!(sms.to.to_string(), "+491701111111");
    assert!(sms.concat.is_none());
    assert_eq!(
        rig.sim.stored().len(),
        1,
        "kept until the host acknowledges"
    );
    assert!(!rig.sim.at_log().iter().any(|l| l.starts_with("AT+CMGD")));
    rig.send(Command::Ack(ack));
    assert!(
        rig.sim
            .wait_for(Duration::from_secs(5), |s| s.stored().is_empty())
            .await
    );
    rig.stop().await;
}

#[tokio::test]
async fn multipart_out_of_order_arrives_as_parts() {
    let mut rig = Rig::start(Profile::Simcom).await;
    rig.wait_up().await;
    let long = "Ünïcödé 😀 ".repeat(15);
    let mut m = IncomingSms::text("+491701234567", &long);
    m.parts_order = Some(vec![2, 0, 1]);
    m.concat_ref = Some(200);
    assert_eq!(rig.sim.inject_parts(m).unwrap(), 3);
    let mut parts = Vec::new();
    for _ in 0..3 {
        let (ack, sms) = rig.wait_for("part", received).await;
        rig.send(Command::Ack(ack));
        parts.push(sms);
    }
    let seqs: Vec<u8> = parts.iter().map(|p| p.concat.unwrap().seq).collect();
    assert_eq!(seqs, [3, 1, 2]);
    assert!(
        parts
            .iter()
            .all(|p| p.concat.unwrap().reference == 200 && p.concat.unwrap().total == 3)
    );
    assert!(parts.iter().all(|p| p.body.coding == Coding::Ucs2));
    let mut ordered = parts.clone();
    ordered.sort_by_key(|p| p.concat.unwrap().seq);
    let joined: Vec<u8> = ordered.iter().flat_map(|p| p.body.data.clone()).collect();
    assert_eq!(text::decode(Coding::Ucs2, &joined), long);
    assert!(
        rig.sim
            .wait_for(Duration::from_secs(5), |s| s.stored().is_empty())
            .await
    );
    rig.stop().await;
}

#[tokio::test]
async fn messages_waiting_in_storage_are_swept_at_start() {
    let mut rig = Rig::start(Profile::Quectel).await;
    rig.wait_up().await;
    // Stop the handler, store a message, start a new handler on the same modem.
    let sim = rig.sim.clone();
    rig.send(Command::Shutdown);
    if let Some(t) = rig.task.take() {
        t.await.unwrap();
    }
    sim.inject_sms("+491701234567", "while you were away")
        .unwrap();
    assert!(
        sim.wait_for(Duration::from_secs(5), |s| s.stored().len() == 1)
            .await
    );
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (handle, io) =
        switchboard_protocol::channel_pair(switchboard_protocol::HandlerId::new("gsm0"), tx);
    let task = switchboard_modem::spawn(common::fast_config(&sim.device()), io);
    let ack = loop {
        let env = tokio::time::timeout(common::WAIT, events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::SmsReceived { ack, sms } = env.event {
            assert_eq!(
                text::decode(sms.body.coding, &sms.body.data),
                "while you were away"
            );
            break ack;
        }
    };
    handle.commands.send(Command::Ack(ack)).unwrap();
    assert!(
        sim.wait_for(Duration::from_secs(5), |s| s.stored().is_empty())
            .await
    );
    handle.commands.send(Command::Shutdown).unwrap();
    task.await.unwrap();
    sim.stop().await;
}

#[tokio::test]
async fn direct_delivery_with_cmt() {
    let mut rig = Rig::start_with(
        Profile::Generic,
        |_| {},
        |c| c.cnmi = Some("2,2,0,1,0".into()),
    )
    .await;
    rig.wait_up().await;
    rig.sim.inject_sms("BANK", "code 1234").unwrap();
    let (ack, sms) = rig.wait_for("sms", received).await;
    assert_eq!(sms.from, Address::Alphanumeric("BANK".into()));
    assert_eq!(text::decode(sms.body.coding, &sms.body.data), "code 1234");
    rig.send(Command::Ack(ack));
    assert!(rig.sim.stored().is_empty());
    rig.stop().await;
}

#[tokio::test]
async fn storage_full_is_swept() {
    let mut rig = Rig::start_with(Profile::Huawei, |s| s.storage_capacity = 2, |_| {}).await;
    rig.wait_up().await;
    rig.sim.update_faults(|f| f.storage_full = true);
    rig.sim.inject_sms("+491701234567", "one").unwrap();
    rig.sim.inject_sms("+491701234567", "two").unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    rig.sim.update_faults(|f| f.storage_full = false);
    let mut got = Vec::new();
    for _ in 0..2 {
        let (ack, sms) = rig.wait_for("sms", received).await;
        got.push(text::decode(sms.body.coding, &sms.body.data));
        rig.send(Command::Ack(ack));
    }
    got.sort();
    assert_eq!(got, ["one", "two"]);
    rig.stop().await;
}
