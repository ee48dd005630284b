//! The simulator against a raw ESME: binds, submits, delivery reports,
//! sessions.

mod common;

use common::*;
use rusmpp::tlvs::{MessageSubmissionRequestTlvValue, TlvValue};
use rusmpp::values::{InterfaceVersion, MessageState};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::time::Duration;
use switchboard_protocol::text;
use switchboard_sim::{BindKind, DlrStyle, IdFormat, SmscConfig};

#[tokio::test]
async fn binds_are_checked_and_recorded() {
    let smsc = start(config()).await;
    let addr = smsc.local_addr();

    let mut trx = Client::connect(addr).await;
    let r = trx
        .bind_with(
            Kind::Trx,
            "switchboard",
            "secret",
            InterfaceVersion::Smpp3_4,
        )
        .await;
    assert_eq!(r.id(), CommandId::BindTransceiverResp);
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    match r.pdu() {
        Some(Pdu::BindTransceiverResp(b)) => {
            assert_eq!(b.sc_interface_version(), Some(InterfaceVersion::Smpp3_4))
        }
        other => panic!("{other:?}"),
    }
    // A second bind on a bound session.
    let r = trx
        .bind_with(
            Kind::Trx,
            "switchboard",
            "secret",
            InterfaceVersion::Smpp3_4,
        )
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRalybnd);

    let mut c = Client::connect(addr).await;
    let r = c
        .bind_with(Kind::Tx, "switchboard", "wrong", InterfaceVersion::Smpp5_0)
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvpaswd);
    let r = c
        .bind_with(Kind::Tx, "nobody", "secret", InterfaceVersion::Smpp5_0)
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvsysid);
    let r = c
        .bind_with(Kind::Tx, "switchboard", "secret", InterfaceVersion::Smpp5_0)
        .await;
    assert_eq!(r.id(), CommandId::BindTransmitterResp);
    assert_eq!(r.status(), CommandStatus::EsmeRok);

    // A password longer than SMPP's 8 characters cannot even be parsed.
    let mut long = Client::connect(addr).await;
    let mut body = b"switchboard\0much-too-long\0\0\x34\0\0\0".to_vec();
    let mut pdu = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    pdu.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5]);
    pdu.append(&mut body);
    long.send_raw(&pdu).await;
    let r = long.expect().await;
    assert_eq!(
        (r.id(), r.status(), r.sequence_number()),
        (
            CommandId::BindTransmitterResp,
            CommandStatus::EsmeRbindfail,
            5
        )
    );

    let _rx = Client::bind(addr, Kind::Rx).await;
    assert_eq!(smsc.bound_sessions(), 3);
    assert_eq!(smsc.receivers_bound(), 2);

    let binds = smsc.binds();
    let statuses: Vec<u32> = binds.iter().map(|b| b.status).collect();
    assert_eq!(statuses, [0, 0x05, 0x0E, 0x0F, 0, 0x0D, 0]);
    assert_eq!(binds[4].kind, BindKind::Transmitter);
    assert_eq!(binds[4].interface_version, 0x50);
    assert_eq!(smsc.stats().binds_ok, 3);
    smsc.stop().await;
}

#[tokio::test]
async fn session_housekeeping_and_bad_pdus() {
    let smsc = start(config()).await;
    let mut c = Client::connect(smsc.local_addr()).await;

    // Submit before bind.
    let seq = c.submit_text("early", 1).await;
    let r = c.expect().await;
    assert_eq!(
        (r.id(), r.sequence_number()),
        (CommandId::SubmitSmResp, seq)
    );
    assert_eq!(r.status(), CommandStatus::EsmeRinvbndsts);
    assert_eq!(smsc.submits()[0].outcome, "not_bound");

    // enquire_link works in any state.
    c.send(Command::new(CommandStatus::EsmeRok, 40, Pdu::EnquireLink))
        .await;
    let r = c.expect().await;
    assert_eq!(
        (r.id(), r.sequence_number()),
        (CommandId::EnquireLinkResp, 40)
    );

    // An unknown command id.
    c.send_raw(&[0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 41])
        .await;
    let r = c.expect().await;
    assert_eq!((r.id(), r.sequence_number()), (CommandId::GenericNack, 41));
    assert_eq!(r.status(), CommandStatus::EsmeRinvcmdid);

    // A submit_sm whose body is cut short; the session carries on.
    c.send_raw(&[
        0, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 42, b'a', b'b', b'c', b'd',
    ])
    .await;
    let r = c.expect().await;
    assert_eq!((r.id(), r.sequence_number()), (CommandId::GenericNack, 42));
    c.send(Command::new(CommandStatus::EsmeRok, 43, Pdu::EnquireLink))
        .await;
    assert_eq!(c.expect().await.id(), CommandId::EnquireLinkResp);

    // Unbind is answered, then the connection closes.
    c.send(Command::new(CommandStatus::EsmeRok, 44, Pdu::Unbind))
        .await;
    let r = c.expect().await;
    assert_eq!((r.id(), r.sequence_number()), (CommandId::UnbindResp, 44));
    assert!(c.closed(SECOND).await);
    smsc.stop().await;
}

#[tokio::test]
async fn submit_gets_an_id_and_a_parseable_text_receipt() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    let seq = c.submit_text("Hello from the test suite", 1).await;
    let r = c.expect().await;
    assert_eq!(
        (r.id(), r.sequence_number()),
        (CommandId::SubmitSmResp, seq)
    );
    let id = message_id(&r);
    assert_eq!(id, "000001F4");

    let d = c.expect_deliver().await;
    let Some(Pdu::DeliverSm(dsm)) = d.pdu() else {
        panic!("{d:?}")
    };
    assert_eq!(u8::from(dsm.esm_class), 0x04);
    assert_eq!(dsm.source_addr.as_str(), "12345");
    assert_eq!(dsm.destination_addr.as_str(), "491701234567");
    let receipt = String::from_utf8(short_message(&d)).unwrap();
    assert_eq!(receipt_field(&receipt, "id").as_deref(), Some("000001F4"));
    assert_eq!(receipt_field(&receipt, "stat").as_deref(), Some("DELIVRD"));
    assert_eq!(receipt_field(&receipt, "err").as_deref(), Some("000"));
    assert_eq!(receipt_field(&receipt, "dlvrd").as_deref(), Some("001"));
    assert_eq!(
        receipt_field(&receipt, "text").as_deref(),
        Some("Hello from the test ")
    );
    let date = receipt_field(&receipt, "done date").unwrap();
    assert!(
        date.len() == 10 && date.bytes().all(|b| b.is_ascii_digit()),
        "{receipt}"
    );

    c.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let acks = smsc.mo_acks();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].status, Some(0));
    assert_eq!(acks[0].message_id.as_deref(), Some("000001F4"));

    let rec = &smsc.accepted()[0];
    assert_eq!(rec.text, "Hello from the test suite");
    assert_eq!(rec.outcome, "ok");
    assert_eq!(rec.source_ton, 1);
    assert_eq!(smsc.stats().dlrs_acked, 1);
    smsc.stop().await;
}

#[tokio::test]
async fn decimal_receipt_ids_and_tlv_receipts() {
    let smsc = start(SmscConfig {
        dlr_id_decimal: true,
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    c.submit_text("x", 1).await;
    assert_eq!(message_id(&c.expect().await), "000001F4");
    let receipt = String::from_utf8(short_message(&c.expect_deliver().await)).unwrap();
    assert_eq!(receipt_field(&receipt, "id").as_deref(), Some("500"));
    smsc.stop().await;

    let smsc = start(SmscConfig {
        dlr: DlrStyle::Tlv,
        id_format: IdFormat::Decimal,
        faults: switchboard_sim::Faults {
            undeliverable_rate: 1.0,
            ..Default::default()
        },
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    c.submit_text("x", 1).await;
    assert_eq!(message_id(&c.expect().await), "500");
    let d = c.expect_deliver().await;
    let Some(Pdu::DeliverSm(dsm)) = d.pdu() else {
        panic!()
    };
    let mut rid = None;
    let mut state = None;
    for t in dsm.tlvs() {
        match t.value() {
            Some(TlvValue::ReceiptedMessageId(r)) => rid = Some(r.as_str().to_owned()),
            Some(TlvValue::MessageState(s)) => state = Some(*s),
            _ => {}
        }
    }
    assert_eq!(rid.as_deref(), Some("500"));
    assert_eq!(state, Some(MessageState::Undeliverable));
    smsc.stop().await;
}

#[tokio::test]
async fn receipts_only_when_asked() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    c.submit_text("no receipt", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    // 2 = on failure only, and it is delivered.
    c.submit_text("failure only", 2).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    assert!(c.recv(Duration::from_millis(300)).await.is_none());
    assert_eq!(smsc.stats().dlrs_sent, 0);
    smsc.stop().await;
}

#[tokio::test]
async fn reports_wait_for_a_receiver_of_the_same_account() {
    let mut cfg = config();
    cfg.accounts.push(switchboard_sim::Account {
        system_id: "other".into(),
        password: "pw".into(),
    });
    let smsc = start(cfg).await;
    let addr = smsc.local_addr();
    let mut tx = Client::bind(addr, Kind::Tx).await;
    tx.submit_text("stored report", 1).await;
    let id = message_id(&tx.expect().await);
    // A receiver of another account must not get it.
    let mut other = Client::connect(addr).await;
    let r = other
        .bind_with(Kind::Rx, "other", "pw", InterfaceVersion::Smpp3_4)
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    assert!(other.recv(Duration::from_millis(300)).await.is_none());
    assert_eq!(smsc.stats().deliveries_pending, 1);

    let mut rx = Client::bind(addr, Kind::Rx).await;
    let d = rx.expect_deliver().await;
    let receipt = String::from_utf8(short_message(&d)).unwrap();
    assert_eq!(receipt_field(&receipt, "id"), Some(id));
    smsc.stop().await;
}

#[tokio::test]
async fn refused_and_unanswered_reports_are_retried() {
    let smsc = start(SmscConfig {
        deliver_retry_ms: 100,
        deliver_timeout_ms: 300,
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    c.submit_text("retry me", 1).await;
    c.expect().await;
    let d1 = c.expect_deliver().await;
    c.ack(d1.sequence_number(), CommandStatus::EsmeRxTAppn)
        .await;
    let d2 = c.expect_deliver().await;
    assert_eq!(short_message(&d1), short_message(&d2));
    // Not answered at all: comes again after the timeout and the retry wait.
    let d3 = c.expect_deliver().await;
    assert_eq!(short_message(&d1), short_message(&d3));
    c.ack(d3.sequence_number(), CommandStatus::EsmeRok).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let acks = smsc.mo_acks();
    let summary: Vec<(u32, Option<u32>, bool)> = acks
        .iter()
        .map(|a| (a.attempt, a.status, a.timed_out))
        .collect();
    assert_eq!(
        summary,
        [(1, Some(0x64), false), (2, None, true), (3, Some(0), false)]
    );
    assert!(acks.iter().all(|a| a.delivery == acks[0].delivery));
    let s = smsc.stats();
    assert_eq!(
        (s.deliver_errors, s.deliver_timeouts, s.dlrs_acked),
        (1, 1, 1)
    );
    smsc.stop().await;
}

#[tokio::test]
async fn unanswered_reports_go_to_the_next_session_after_a_drop() {
    let smsc = start(config()).await;
    let addr = smsc.local_addr();
    let mut c = Client::bind(addr, Kind::Trx).await;
    c.submit_text("survives a reconnect", 1).await;
    c.expect().await;
    let d = c.expect_deliver().await;
    let before = short_message(&d);
    assert_eq!(smsc.drop_connections(), 1);
    assert!(c.closed(SECOND).await);

    let mut c = Client::bind(addr, Kind::Trx).await;
    let d = c.expect_deliver().await;
    assert_eq!(short_message(&d), before);
    assert_eq!(smsc.bound_sessions(), 1);
    smsc.stop().await;
}

#[tokio::test]
async fn concatenated_submits_become_one_message() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Tx).await;
    let text = "This text is long enough to need three parts. ".repeat(8);
    let plan = text::plan(&text);
    assert_eq!(plan.parts.len(), 3);
    // Out of order, and part 1 resent.
    for i in [1usize, 0, 2, 0] {
        let mut ud = text::concat_udh(42, 3, (i + 1) as u8);
        ud.extend_from_slice(&plan.parts[i]);
        c.submit(sm(&ud, 0x40, 0)).await;
        assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    }
    // One with SAR TLVs and one with message_payload.
    for (seq, part) in [(1u8, "sar "), (2, "message")] {
        let s = with_tlv(
            with_tlv(
                with_tlv(
                    sm(part.as_bytes(), 0, 0),
                    MessageSubmissionRequestTlvValue::SarMsgRefNum(700),
                ),
                MessageSubmissionRequestTlvValue::SarTotalSegments(2),
            ),
            MessageSubmissionRequestTlvValue::SarSegmentSeqnum(seq),
        );
        c.submit(s).await;
        c.expect().await;
    }
    let payload = "p".repeat(400);
    c.submit(with_tlv(
        sm(b"", 0, 0),
        MessageSubmissionRequestTlvValue::MessagePayload(rusmpp::values::MessagePayload::new(
            rusmpp::types::AnyOctetString::from_vec(payload.clone().into_bytes()),
        )),
    ))
    .await;
    c.expect().await;

    assert!(smsc.wait_accepted(7, SECOND).await);
    let subs = smsc.submits();
    assert_eq!(subs[0].udh_concat.map(|c| c.seq), Some(2));
    assert_eq!(subs[4].sar, Some((700, 2, 1)));
    assert!(subs[6].message_payload.is_some());

    let m = smsc.messages();
    assert_eq!(m.len(), 3, "{m:?}");
    assert_eq!(m[0].text, text);
    assert!(m[0].complete);
    assert_eq!(m[0].duplicates, 1);
    assert_eq!(m[0].part_ids.len(), 3);
    assert_eq!(m[0].concat_ref, Some(42));
    assert_eq!(m[1].text, "sar message");
    assert_eq!(m[2].text, payload);
    smsc.stop().await;
}

#[tokio::test]
async fn wait_accepted_times_out() {
    let smsc = start(config()).await;
    let t = std::time::Instant::now();
    assert!(!smsc.wait_accepted(1, Duration::from_millis(200)).await);
    assert!(t.elapsed() >= Duration::from_millis(190));
    smsc.stop().await;
}

#[tokio::test]
async fn delayed_responses_to_pipelined_submits_overlap() {
    let smsc = start(SmscConfig {
        response_delay_ms: 50,
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Tx).await;
    let total = 200;
    let window = 10;
    let start = std::time::Instant::now();
    let (mut sent, mut got) = (0, 0);
    while got < total {
        while sent < total && sent - got < window {
            c.submit_text("load", 0).await;
            sent += 1;
        }
        let r = c.expect().await;
        assert_eq!(r.status(), CommandStatus::EsmeRok);
        got += 1;
    }
    let took = start.elapsed();
    // 20 rounds of 50 ms: about 1 s if answers overlap; answered one at a
    // time they would take 10 s. The bound only tells the two apart.
    assert!(took < Duration::from_millis(5000), "{took:?}");
    assert!(took >= Duration::from_millis(950), "{took:?}");
    smsc.stop().await;
}
