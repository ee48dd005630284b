//! Mobile-originated messages reach the ESME as a real SMSC sends them.

mod common;

use common::*;
use rusmpp::{CommandId, CommandStatus, Pdu};
use std::time::Duration;
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{Concat, PartBody};
use switchboard_sim::{DeliveryKind, MoMessage, SmscConfig};

fn part_of(c: &rusmpp::Command) -> (Concat, PartBody) {
    let Some(Pdu::DeliverSm(d)) = c.pdu() else {
        panic!("{c:?}")
    };
    assert_eq!(u8::from(d.esm_class) & 0x40, 0x40, "UDHI set");
    let ud = d.short_message().to_vec();
    let (concat, body) = text::parse_udh(&ud).unwrap();
    let coding = match u8::from(d.data_coding) {
        0 => Coding::Gsm7,
        8 => Coding::Ucs2,
        other => panic!("data_coding {other}"),
    };
    (
        concat.expect("concatenation element"),
        PartBody {
            coding,
            data: body.to_vec(),
        },
    )
}

#[tokio::test]
async fn long_mo_arrives_out_of_order_and_reassembles() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    let body = "Wie geht's? Ça va? Привет! ".repeat(5);
    let n = smsc
        .inject_mo(MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: body.clone(),
            parts_order: Some(vec![2, 0, 1]),
            coding: None,
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    let mut parts = Vec::new();
    for _ in 0..3 {
        let d = c.expect_deliver().await;
        let Some(Pdu::DeliverSm(dsm)) = d.pdu() else {
            panic!()
        };
        assert_eq!(dsm.source_addr.as_str(), "491701234567");
        assert_eq!(u8::from(dsm.source_addr_ton), 1);
        assert_eq!(dsm.destination_addr.as_str(), "12345");
        assert_eq!(u8::from(dsm.data_coding), 8, "Cyrillic needs UCS-2");
        parts.push(part_of(&d));
        c.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
    }
    let seqs: Vec<u8> = parts.iter().map(|(c, _)| c.seq).collect();
    assert_eq!(seqs, [3, 1, 2]);
    assert!(parts.iter().all(|(c, _)| c.total == 3));
    let bodies: Vec<(u8, PartBody)> = parts.into_iter().map(|(c, b)| (c.seq, b)).collect();
    assert_eq!(text::reassemble(&bodies).unwrap(), body);

    tokio::time::sleep(Duration::from_millis(100)).await;
    let acks = smsc.mo_acks();
    assert_eq!(acks.len(), 3);
    assert!(
        acks.iter()
            .all(|a| a.kind == DeliveryKind::Mo && a.status == Some(0))
    );
    assert_eq!(smsc.stats().mo_acked, 3);
    smsc.stop().await;
}

#[tokio::test]
async fn gsm_mo_is_one_unpacked_part() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Rx).await;
    smsc.inject_mo(MoMessage {
        from: "+491701234567".into(),
        to: "12345".into(),
        text: "alice hello €5".into(),
        ..MoMessage::default()
    })
    .await
    .unwrap();
    let d = c.expect_deliver().await;
    let Some(Pdu::DeliverSm(dsm)) = d.pdu() else {
        panic!()
    };
    assert_eq!(u8::from(dsm.data_coding), 0);
    assert_eq!(u8::from(dsm.esm_class), 0);
    assert_eq!(
        text::decode_gsm7_unpacked(dsm.short_message()),
        "alice hello €5"
    );
    smsc.stop().await;
}

#[tokio::test]
async fn the_window_holds_back_deliveries_until_answered() {
    let smsc = start(SmscConfig {
        deliver_window: 10,
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    for i in 0..15 {
        smsc.inject_mo(MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: format!("message {i}"),
            ..MoMessage::default()
        })
        .await
        .unwrap();
    }
    let mut seqs = Vec::new();
    while let Some(d) = c.recv(Duration::from_millis(300)).await {
        assert_eq!(d.id(), CommandId::DeliverSm);
        seqs.push(d.sequence_number());
    }
    assert_eq!(seqs.len(), 10, "only a window's worth before answers");
    for s in seqs {
        c.ack(s, CommandStatus::EsmeRok).await;
    }
    let mut rest = 0;
    while let Some(d) = c.recv(Duration::from_millis(300)).await {
        c.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
        rest += 1;
    }
    assert_eq!(rest, 5);
    smsc.stop().await;
}

#[tokio::test]
async fn mo_is_stored_until_a_receiver_binds_and_spread_round_robin() {
    let smsc = start(config()).await;
    let addr = smsc.local_addr();
    for i in 0..4 {
        smsc.inject_mo(MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: format!("queued {i}"),
            ..MoMessage::default()
        })
        .await
        .unwrap();
    }
    let _tx = Client::bind(addr, Kind::Tx).await;
    assert_eq!(smsc.stats().deliveries_pending, 4);
    let mut a = Client::bind(addr, Kind::Rx).await;
    let mut got = 0;
    while let Some(d) = a.recv(Duration::from_millis(300)).await {
        a.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
        got += 1;
    }
    assert_eq!(got, 4);

    let mut b = Client::bind(addr, Kind::Trx).await;
    for i in 0..4 {
        smsc.inject_mo(MoMessage {
            from: "SHOP".into(),
            to: "12345".into(),
            text: format!("spread {i}"),
            ..MoMessage::default()
        })
        .await
        .unwrap();
    }
    let (mut na, mut nb) = (0, 0);
    while let Some(d) = a.recv(Duration::from_millis(200)).await {
        a.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
        na += 1;
    }
    while let Some(d) = b.recv(Duration::from_millis(200)).await {
        b.ack(d.sequence_number(), CommandStatus::EsmeRok).await;
        nb += 1;
    }
    assert_eq!((na, nb), (2, 2));
    smsc.stop().await;
}

#[tokio::test]
async fn bad_mo_input_is_refused_with_the_field() {
    let smsc = start(config()).await;
    let e = smsc
        .inject_mo(MoMessage {
            from: "not a number!".into(),
            to: "12345".into(),
            text: "x".into(),
            ..MoMessage::default()
        })
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("from:"), "{e}");
    smsc.stop().await;
    assert!(
        smsc.inject_mo(MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: "x".into(),
            ..MoMessage::default()
        })
        .await
        .is_err()
    );
}
