//! Supervision through a real pty: wrong PIN, hangs, unplug and replug,
//! lost registration, and the TCP transport.

mod common;

use common::{Rig, sms};
use std::time::Duration;
use switchboard_protocol::{Command, Event, HandlerState};
use switchboard_sim::modem::{Profile, Transport};

#[tokio::test]
async fn a_wrong_pin_is_reported_once_and_never_retried() {
    let mut rig = Rig::start_with(
        Profile::Huawei,
        |s| s.pin = Some("1111".into()),
        |c| c.pin = Some("2222".into()),
    )
    .await;
    let st = rig
        .wait_for("pin refused", |e| match e {
            Event::Status(s) if s.detail.contains("PIN") => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(st.state, HandlerState::Down);
    assert_eq!(st.capacity, 0);
    assert!(st.detail.contains("modem[..].pin"), "{}", st.detail);
    assert!(st.detail.contains("not tried again"), "{}", st.detail);
    assert_eq!(rig.sim.pin_attempts(), 1);
    // Sends are refused at once so the host uses another route.
    rig.send(Command::SendSms(sms(1, "+491709876543", "x")));
    rig.wait_for("refusal", |e| {
        matches!(e, Event::SubmitFailed { .. }).then_some(())
    })
    .await;

    // Replugged (the SIM asks for its PIN again): still not retried.
    rig.sim.unplug();
    rig.sim.replug().await.unwrap();
    let st = rig
        .wait_for("pin refused before", |e| match e {
            Event::Status(s) if s.detail.contains("refused the PIN earlier") => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(st.state, HandlerState::Down);
    assert!(rig.sim.opens() >= 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rig.sim.pin_attempts(), 1, "the PIN was sent again");
    rig.stop().await;
}

#[tokio::test]
async fn the_right_pin_is_entered() {
    let mut rig = Rig::start_with(
        Profile::Simcom,
        |s| s.pin = Some("1111".into()),
        |c| c.pin = Some("1111".into()),
    )
    .await;
    rig.wait_up().await;
    assert_eq!(rig.sim.pin_attempts(), 1);
    rig.stop().await;
}

#[tokio::test]
async fn a_hang_is_noticed_and_recovered() {
    let mut rig = Rig::start(Profile::Quectel).await;
    rig.wait_up().await;
    rig.sim.update_faults(|f| f.hang = true);
    let t0 = tokio::time::Instant::now();
    let st = rig.wait_status(HandlerState::Down).await;
    // health_secs = 1, command_timeout_ms = 400 in these tests.
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(st.detail.contains("not answering"), "{}", st.detail);
    assert_eq!(st.capacity, 0);
    rig.sim.update_faults(|f| f.hang = false);
    let st = rig.wait_up().await;
    assert_eq!(st.capacity, 8);
    rig.send(Command::SendSms(sms(1, "+491709876543", "after the hang")));
    rig.wait_for("submitted", |e| match e {
        Event::Submitted { .. } => Some(()),
        Event::SubmitFailed { failure, .. } => panic!("{failure:?}"),
        _ => None,
    })
    .await;
    rig.stop().await;
}

#[tokio::test]
async fn a_hang_only_a_reopen_cures_climbs_the_whole_ladder() {
    // Every rung waits for its timeouts: keep them short.
    let mut rig = Rig::start_with(Profile::Generic, |_| {}, |c| c.command_timeout_ms = 150).await;
    rig.wait_up().await;
    let opens = rig.sim.opens();
    rig.sim.update_faults(|f| {
        f.hang = true;
        f.hang_clears_on_reopen = true;
    });
    rig.wait_status(HandlerState::Down).await;
    let st = rig.wait_up().await;
    assert_eq!(st.capacity, 8);
    // A hung modem's log shows nothing of the ladder's first rungs; the
    // reopen is what cured it.
    assert!(rig.sim.opens() > opens, "the port was not reopened");
    rig.stop().await;
}

#[tokio::test]
async fn a_port_removed_and_recreated_is_reopened() {
    let mut rig = Rig::start(Profile::Huawei).await;
    rig.wait_up().await;
    rig.sim.unplug();
    let st = rig.wait_status(HandlerState::Down).await;
    assert_eq!(st.capacity, 0);
    // While unplugged: refused at once, with the reason.
    rig.send(Command::SendSms(sms(1, "+491709876543", "x")));
    rig.wait_for("refusal", |e| {
        matches!(e, Event::SubmitFailed { .. }).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rig.sim.replug().await.unwrap();
    rig.wait_up().await;
    assert!(rig.sim.opens() >= 2);
    rig.send(Command::SendSms(sms(2, "+491709876543", "back")));
    rig.wait_for("submitted", |e| match e {
        Event::Submitted { .. } => Some(()),
        _ => None,
    })
    .await;
    rig.stop().await;
}

#[tokio::test]
async fn lost_registration_takes_the_modem_down_until_it_returns() {
    let mut rig = Rig::start(Profile::Simcom).await;
    rig.wait_up().await;
    rig.sim.update_faults(|f| f.registration_lost = true);
    let st = rig.wait_status(HandlerState::Down).await;
    assert!(st.detail.contains("no network"), "{}", st.detail);
    rig.sim.update_faults(|f| f.registration_lost = false);
    rig.wait_up().await;
    rig.stop().await;
}

#[tokio::test]
async fn tcp_devices_work_like_serial_ones() {
    let mut rig = Rig::start_with(
        Profile::Generic,
        |s| {
            s.transport = Transport::Tcp {
                listen: "127.0.0.1:0".parse().unwrap(),
            }
        },
        |_| {},
    )
    .await;
    assert!(rig.sim.device().starts_with("tcp://"));
    rig.wait_up().await;
    rig.send(Command::SendSms(sms(1, "+491709876543", "over tcp")));
    rig.wait_for("submitted", |e| match e {
        Event::Submitted { .. } => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(rig.sim.sent()[0].text, "over tcp");
    rig.stop().await;
}

#[tokio::test]
async fn a_modem_that_restarts_by_itself_is_initialised_again() {
    let mut rig = Rig::start(Profile::Quectel).await;
    rig.wait_up().await;
    let before = rig.sim.at_log().iter().filter(|l| *l == "ATZ").count();
    rig.sim.inject_raw(b"\r\nRDY\r\n").unwrap();
    assert!(
        rig.sim
            .wait_for(Duration::from_secs(5), |s| s
                .at_log()
                .iter()
                .filter(|l| *l == "ATZ")
                .count()
                > before)
            .await
    );
    rig.stop().await;
}
