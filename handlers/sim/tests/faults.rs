//! Injected failures at rate 1.0 do exactly what they say.

mod common;

use common::*;
use rusmpp::{CommandId, CommandStatus};
use std::time::Duration;
use switchboard_sim::{Faults, SmscConfig};

async fn one_submit(faults: Faults) -> (switchboard_sim::Smsc, Client) {
    let smsc = start(SmscConfig { faults, ..config() }).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Trx).await;
    c.submit_text("fault", 1).await;
    (smsc, c)
}

#[tokio::test]
async fn refusals_answer_their_status_and_accept_nothing() {
    let cases = [
        (
            Faults {
                fail_rate: 1.0,
                ..Faults::default()
            },
            CommandStatus::EsmeRinvdstadr,
            "failed",
        ),
        (
            Faults {
                throttle_rate: 1.0,
                ..Faults::default()
            },
            CommandStatus::EsmeRthrottled,
            "throttled",
        ),
        (
            Faults {
                queue_full_rate: 1.0,
                ..Faults::default()
            },
            CommandStatus::EsmeRmsgqful,
            "queue_full",
        ),
    ];
    for (faults, status, outcome) in cases {
        let (smsc, mut c) = one_submit(faults).await;
        let r = c.expect().await;
        assert_eq!(r.id(), CommandId::SubmitSmResp);
        assert_eq!(r.status(), status);
        assert!(r.pdu().is_none(), "error responses carry no body");
        assert!(
            c.recv(Duration::from_millis(200)).await.is_none(),
            "no report"
        );
        assert_eq!(smsc.accepted_count(), 0);
        assert_eq!(smsc.submit_count(), 1);
        assert_eq!(smsc.submits()[0].outcome, outcome);
        smsc.stop().await;
    }
}

#[tokio::test]
async fn generic_nack_fault() {
    let (smsc, mut c) = one_submit(Faults {
        generic_nack_rate: 1.0,
        ..Faults::default()
    })
    .await;
    assert_eq!(c.expect().await.id(), CommandId::GenericNack);
    assert_eq!(smsc.accepted_count(), 0);
    smsc.stop().await;
}

#[tokio::test]
async fn lost_submits_get_nothing_at_all() {
    let (smsc, mut c) = one_submit(Faults {
        lost_rate: 1.0,
        ..Faults::default()
    })
    .await;
    assert!(c.recv(Duration::from_millis(300)).await.is_none());
    assert_eq!(smsc.accepted_count(), 0);
    assert_eq!(smsc.submits()[0].outcome, "lost");
    smsc.stop().await;
}

#[tokio::test]
async fn no_response_still_accepts_and_reports() {
    let (smsc, mut c) = one_submit(Faults {
        no_response_rate: 1.0,
        ..Faults::default()
    })
    .await;
    // The only PDU is the report, for an id the ESME never heard.
    let d = c.expect().await;
    assert_eq!(d.id(), CommandId::DeliverSm);
    let receipt = String::from_utf8(short_message(&d)).unwrap();
    assert_eq!(receipt_field(&receipt, "id").as_deref(), Some("000001F4"));
    assert_eq!(smsc.accepted_count(), 1);
    assert_eq!(smsc.accepted()[0].outcome, "no_response");
    smsc.stop().await;
}

#[tokio::test]
async fn undeliverable_reports_say_undeliv() {
    let (smsc, mut c) = one_submit(Faults {
        undeliverable_rate: 1.0,
        ..Faults::default()
    })
    .await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    let receipt = String::from_utf8(short_message(&c.expect_deliver().await)).unwrap();
    assert_eq!(receipt_field(&receipt, "stat").as_deref(), Some("UNDELIV"));
    assert_eq!(receipt_field(&receipt, "dlvrd").as_deref(), Some("000"));
    assert_eq!(smsc.accepted()[0].outcome, "undeliverable");
    smsc.stop().await;
}

#[tokio::test]
async fn drop_every_closes_after_accepting_without_answering() {
    let smsc = start(SmscConfig {
        faults: Faults {
            drop_every: Some(3),
            ..Faults::default()
        },
        ..config()
    })
    .await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Tx).await;
    for _ in 0..3 {
        c.submit_text("drop", 0).await;
    }
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    assert!(c.closed(SECOND).await, "third submit closes the connection");
    assert_eq!(smsc.accepted_count(), 3);
    let outcomes: Vec<String> = smsc.submits().into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, ["ok", "ok", "dropped"]);
    // The count is per connection: a new one gets two more answers.
    let mut c = Client::bind(smsc.local_addr(), Kind::Tx).await;
    c.submit_text("again", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    smsc.stop().await;
}

#[tokio::test]
async fn faults_can_change_at_run_time() {
    let smsc = start(config()).await;
    let mut c = Client::bind(smsc.local_addr(), Kind::Tx).await;
    c.submit_text("a", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    smsc.set_faults(Faults {
        throttle_rate: 1.0,
        ..Faults::default()
    });
    c.submit_text("b", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRthrottled);
    smsc.set_faults(Faults::default());
    smsc.set_response_delay(Duration::from_millis(150));
    let t = std::time::Instant::now();
    c.submit_text("c", 0).await;
    assert_eq!(c.expect().await.status(), CommandStatus::EsmeRok);
    assert!(t.elapsed() >= Duration::from_millis(140));
    smsc.stop().await;
}
