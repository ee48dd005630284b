//! Sending through a real pty: what the simulated modem decodes.

mod common;

use common::{Rig, sms};
use std::time::Duration;
use switchboard_protocol::text::Coding;
use switchboard_protocol::{Command, DlrState, Event, FailureKind, NetworkMessageId};
use switchboard_sim::modem::{Profile, StatusReportSpec};

fn submitted(e: &Event) -> Option<(Vec<(u8, NetworkMessageId)>, u8)> {
    match e {
        Event::Submitted {
            parts, total_parts, ..
        } => Some((
            parts
                .iter()
                .map(|p| (p.seq, p.network_id.clone()))
                .collect(),
            *total_parts,
        )),
        Event::SubmitFailed { failure, .. } => panic!("submit failed: {failure:?}"),
        _ => None,
    }
}

#[tokio::test]
async fn gsm7_text_with_extension_characters() {
    let mut rig = Rig::start(Profile::Huawei).await;
    rig.wait_up().await;
    rig.send(Command::SendSms(sms(
        1,
        "+491709876543",
        "Price: 5€ [ok] {x}",
    )));
    let (parts, total) = rig.wait_for("submitted", submitted).await;
    assert_eq!(total, 1);
    let sent = rig.sim.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Price: 5€ [ok] {x}");
    assert_eq!(sent[0].coding, Coding::Gsm7);
    assert_eq!(sent[0].to, "+491709876543");
    assert_eq!(
        parts,
        [(
            1,
            NetworkMessageId(format!("{}@491709876543", sent[0].mrs[0]))
        )]
    );
    rig.stop().await;
}

#[tokio::test]
async fn ucs2_emoji() {
    let mut rig = Rig::start(Profile::Simcom).await;
    rig.wait_up().await;
    rig.send(Command::SendSms(sms(2, "+491709876543", "Grüße 😀 – 你好")));
    rig.wait_for("submitted", submitted).await;
    let sent = rig.sim.sent();
    assert_eq!(sent[0].text, "Grüße 😀 – 你好");
    assert_eq!(sent[0].coding, Coding::Ucs2);
    rig.stop().await;
}

#[tokio::test]
async fn three_parts_share_a_reference_and_skip_parts_is_honoured() {
    let mut rig = Rig::start(Profile::Quectel).await;
    rig.wait_up().await;
    let text: String = (0..400)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    rig.send(Command::SendSms(sms(3, "+491709876543", &text)));
    let (parts, total) = rig.wait_for("submitted", submitted).await;
    assert_eq!(total, 3);
    assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 3]);
    let sent = rig.sim.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, text);
    assert_eq!(sent[0].total, 3);
    assert_eq!(sent[0].concat_ref, Some(7));
    // Distinct MRs, one id per part.
    let ids: std::collections::HashSet<_> = parts.iter().map(|p| p.1.clone()).collect();
    assert_eq!(ids.len(), 3);

    // A retry that already got parts 1 and 3 through sends part 2 only.
    let mut again = sms(3, "+491709876543", &text);
    again.attempt = 2;
    again.skip_parts = vec![1, 3];
    rig.send(Command::SendSms(again));
    let (parts, total) = rig.wait_for("submitted", submitted).await;
    assert_eq!(total, 3);
    assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), [2]);
    let sent_parts = rig.sim.sent_parts();
    assert_eq!(sent_parts.len(), 4);
    assert_eq!(sent_parts[3].concat.map(|c| c.seq), Some(2));
    rig.stop().await;
}

#[tokio::test]
async fn a_urc_between_cmgs_and_ok_is_not_lost() {
    let mut rig = Rig::start(Profile::Huawei).await;
    rig.wait_up().await;
    rig.sim.inject_sms("+491701234567", "hello").unwrap();
    let first = rig
        .wait_for("sms received", |e| match e {
            Event::SmsReceived { ack, .. } => Some(*ack),
            _ => None,
        })
        .await;
    rig.send(Command::Ack(first));
    // Now a second one is announced in the middle of a submit's answer.
    rig.sim
        .update_faults(|f| f.urc_in_cmgs = Some("+CMTI: \"SM\",5".into()));
    rig.send(Command::SendSms(sms(4, "+491709876543", "x")));
    let (parts, _) = rig.wait_for("submitted", submitted).await;
    assert_eq!(parts.len(), 1);
    // The +CMTI made the handler read index 5.
    assert!(
        rig.sim.wait_at("AT+CMGR=5", Duration::from_secs(5)).await,
        "{:?}",
        rig.sim.at_log()
    );
    rig.stop().await;
}

#[tokio::test]
async fn status_reports_correlate_with_parts() {
    let mut rig = Rig::start_with(Profile::Huawei, |s| s.auto_status_reports = false, |_| {}).await;
    rig.wait_up().await;
    let mut m = sms(5, "+491709876543", &"b".repeat(200));
    m.report = true;
    rig.send(Command::SendSms(m));
    let (parts, _) = rig.wait_for("submitted", submitted).await;
    assert_eq!(parts.len(), 2);
    let sent = rig.sim.sent_parts();
    assert!(sent.iter().all(|p| p.status_report));
    for (i, p) in sent.iter().enumerate() {
        rig.sim
            .inject_status_report(StatusReportSpec {
                mr: p.mr,
                recipient: p.to.clone(),
                status: if i == 0 { 0 } else { 0x41 },
            })
            .unwrap();
    }
    for (i, (_, id)) in parts.iter().enumerate() {
        let (state, ack) = rig
            .wait_for("delivery report", |e| match e {
                Event::DeliveryReport {
                    network_id,
                    state,
                    ack,
                    ..
                } if network_id == id => Some((*state, *ack)),
                _ => None,
            })
            .await;
        let want = if i == 0 {
            DlrState::Delivered
        } else {
            DlrState::Undeliverable
        };
        assert_eq!(state, want);
        if let Some(a) = ack {
            rig.send(Command::Ack(a));
        }
    }
    rig.stop().await;
}

#[tokio::test]
async fn temporary_errors_grow_their_hint_and_permanent_ones_end() {
    let mut rig = Rig::start(Profile::Generic).await;
    rig.wait_up().await;
    rig.sim.update_faults(|f| f.cmgs_errors = vec![42, 38, 1]);
    let mut hints = Vec::new();
    for id in 10..13 {
        rig.send(Command::SendSms(sms(id, "+491709876543", "x")));
        let f = rig
            .wait_for("submit failed", |e| match e {
                Event::SubmitFailed { failure, .. } => Some(failure.clone()),
                _ => None,
            })
            .await;
        hints.push(f);
    }
    match (hints[0].kind, hints[1].kind) {
        (
            FailureKind::Temporary {
                retry_after: Some(a),
            },
            FailureKind::Temporary {
                retry_after: Some(b),
            },
        ) => assert!(b > a, "{a:?} then {b:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hints[0].code, Some(42));
    assert_eq!(hints[2].kind, FailureKind::Permanent);
    assert_eq!(hints[2].code, Some(1));
    rig.stop().await;
}

#[tokio::test]
async fn direct_status_reports_with_cds() {
    let mut rig = Rig::start_with(
        Profile::Simcom,
        |_| {},
        |c| c.cnmi = Some("2,1,0,1,0".into()),
    )
    .await;
    rig.wait_up().await;
    let mut m = sms(6, "+491709876543", "report me");
    m.report = true;
    rig.send(Command::SendSms(m));
    let (parts, _) = rig.wait_for("submitted", submitted).await;
    let id = parts[0].1.clone();
    // auto_status_reports: the sim reports delivery by +CDS.
    let state = rig
        .wait_for("delivery report", |e| match e {
            Event::DeliveryReport {
                network_id, state, ..
            } if *network_id == id => Some(*state),
            _ => None,
        })
        .await;
    assert_eq!(state, DlrState::Delivered);
    rig.stop().await;
}
