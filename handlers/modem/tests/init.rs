//! Initialisation through a real pty, per modem profile.

mod common;

use common::{Rig, choice};
use switchboard_protocol::{Capability, Registration};
use switchboard_sim::modem::Profile;

async fn init_with(profile: Profile, auto: bool) {
    let mut rig = Rig::start_with(
        profile,
        |s| s.number = Some("+491701111111".into()),
        |c| {
            if !auto {
                c.profile = choice(profile);
            }
        },
    )
    .await;
    let st = rig.wait_up().await;
    assert_eq!(st.capacity, 8);
    assert!(st.capabilities.contains(&Capability::VoiceCalls));
    let radio = st.radio.expect("a modem reports its radio");
    assert_eq!(radio.profile.as_deref(), Some(profile.name()), "{radio:?}");
    assert_eq!(radio.registration, Registration::Home);
    assert_eq!(radio.csq, Some(20));
    assert_eq!(radio.signal_dbm, Some(-73));
    assert_eq!(radio.operator.as_deref(), Some("Telekom.de"));
    assert_eq!(
        radio.line.as_ref().map(|l| l.as_str()),
        Some("+491701111111")
    );
    let log = rig.sim.at_log();
    for want in [
        "ATZ",
        "ATE0",
        "AT+CMEE=1",
        "AT+CMGF=0",
        "AT+CLIP=1",
        "AT+CRC=1",
        "AT+CNUM",
    ] {
        assert!(log.iter().any(|l| l == want), "{want} missing from {log:?}");
    }
    assert!(
        log.iter().any(|l| l.starts_with("AT+CNMI=2,1,0,")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.starts_with("AT+CPMS=")), "{log:?}");
    if profile == Profile::Huawei {
        assert!(log.iter().any(|l| l == "AT^CURC=0"), "{log:?}");
    }
    rig.stop().await;
}

#[tokio::test]
async fn generic_initialises() {
    init_with(Profile::Generic, false).await;
}

#[tokio::test]
async fn huawei_initialises() {
    init_with(Profile::Huawei, false).await;
}

#[tokio::test]
async fn simcom_initialises() {
    init_with(Profile::Simcom, false).await;
}

#[tokio::test]
async fn quectel_initialises() {
    init_with(Profile::Quectel, false).await;
}

#[tokio::test]
async fn auto_detects_each_family() {
    for p in Profile::ALL {
        init_with(p, true).await;
    }
}

#[tokio::test]
async fn boot_lines_do_not_cause_a_second_initialisation() {
    for p in [Profile::Simcom, Profile::Quectel] {
        let mut rig = Rig::start(p).await;
        rig.wait_up().await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let atz = rig.sim.at_log().iter().filter(|l| *l == "ATZ").count();
        assert_eq!(atz, 1, "{p:?}: {:?}", rig.sim.at_log());
        rig.stop().await;
    }
}
