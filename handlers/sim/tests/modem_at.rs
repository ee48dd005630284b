//! The simulated modem's command interpreter through a real tty.

mod modem_client;

use modem_client::Client;
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile};

async fn sim(profile: Profile) -> ModemSim {
    let mut cfg = ModemSimConfig::for_tests(profile);
    cfg.boot_urcs = false;
    ModemSim::start(cfg).await.unwrap()
}

#[tokio::test]
async fn echo_until_ate0_and_back_after_atz() {
    let sim = sim(Profile::Generic).await;
    let mut c = Client::open(&sim.path()).await;
    let r = c.cmd("AT").await;
    assert_eq!(r, "AT\r\r\nOK\r\n");
    let r = c.cmd("ATE0").await;
    assert_eq!(r, "ATE0\r\r\nOK\r\n");
    assert_eq!(c.cmd("AT").await, "\r\nOK\r\n");
    assert_eq!(c.cmd("ATZ").await, "\r\nOK\r\n");
    assert_eq!(c.cmd("AT").await, "AT\r\r\nOK\r\n");
    assert_eq!(sim.at_log(), ["AT", "ATE0", "AT", "ATZ", "AT"]);
    sim.stop().await;
}

#[tokio::test]
async fn errors_numeric_or_verbose_and_unknown_commands() {
    let sim = sim(Profile::Huawei).await;
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    assert!(c.cmd("AT+CMGR=99").await.contains("+CMS ERROR: 321"));
    assert!(c.cmd("AT+FOO").await.contains("COMMAND NOT SUPPORT"));
    assert!(c.cmd("AT+CHLD=2").await.ends_with("\r\nERROR\r\n"));
    c.cmd("AT+CMEE=1").await;
    assert!(c.cmd("AT+CHLD=2").await.contains("+CME ERROR: 3"));
    c.cmd("AT+CMEE=2").await;
    assert!(
        c.cmd("AT+CHLD=2")
            .await
            .contains("+CME ERROR: operation not allowed")
    );
    assert!(
        c.cmd("AT+CMGR=99")
            .await
            .contains("+CMS ERROR: invalid memory index")
    );
    // Several commands on one line, one reply.
    let r = c.cmd("AT+CMGF=0;+CGMI;+CGMM").await;
    assert_eq!(r, "\r\nhuawei\r\n\r\nE1750\r\n\r\nOK\r\n");
    assert!(c.cmd("AT+CMGF=1").await.contains("ERROR"));
    sim.stop().await;
}

#[tokio::test]
async fn wrong_pin_counts_down_to_puk() {
    let mut cfg = ModemSimConfig::for_tests(Profile::Simcom);
    cfg.pin = Some("1234".into());
    cfg.boot_urcs = false;
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    c.cmd("AT+CMEE=1").await;
    assert!(c.cmd("AT+CPIN?").await.contains("+CPIN: SIM PIN"));
    assert!(c.cmd("AT+CMGL=4").await.contains("+CMS ERROR: 311"));
    assert!(c.cmd("AT+CREG?").await.contains("+CREG: 0,0"));
    for _ in 0..3 {
        assert!(c.cmd("AT+CPIN=\"0000\"").await.contains("+CME ERROR: 16"));
    }
    assert!(c.cmd("AT+CPIN?").await.contains("+CPIN: SIM PUK"));
    assert!(c.cmd("AT+CPIN=\"1234\"").await.contains("+CME ERROR: 12"));
    assert!(c.cmd("AT+CPIN=\"12345678\",\"4321\"").await.contains("OK"));
    assert!(c.cmd("AT+CPIN?").await.contains("+CPIN: READY"));
    assert_eq!(sim.pin_attempts(), 5);
    assert!(c.cmd("AT+CREG?").await.contains("+CREG: 0,1"));
    sim.stop().await;
}

#[tokio::test]
async fn right_pin_unlocks_and_simcom_says_sms_done() {
    let mut cfg = ModemSimConfig::for_tests(Profile::Simcom);
    cfg.pin = Some("1234".into());
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.write(b"ATE0\r").await;
    let r = c.expect("OK\r\n").await;
    assert!(r.contains("RDY") && r.contains("+CPIN: SIM PIN") && !r.contains("SMS DONE"));
    let r = c.cmd("AT+CPIN=1234").await;
    assert!(r.contains("OK"));
    let r = c.expect("PB DONE\r\n").await;
    assert!(r.contains("+CPIN: READY") && r.contains("SMS DONE"));
    sim.stop().await;
}

#[tokio::test]
async fn identification_signal_registration_and_cnmi_per_profile() {
    let mut cfg = ModemSimConfig::for_tests(Profile::Quectel);
    cfg.number = Some("+491709876543".into());
    cfg.boot_urcs = false;
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    assert!(c.cmd("AT+CGMI").await.contains("Quectel"));
    assert!(c.cmd("AT+CGMM").await.contains("EC25"));
    assert!(c.cmd("AT+CGSN").await.contains("867698041234567"));
    assert!(c.cmd("AT+CSQ").await.contains("+CSQ: 20,99"));
    assert!(c.cmd("AT+CEREG?").await.contains("+CEREG: 0,1"));
    assert!(
        c.cmd("AT+COPS?")
            .await
            .contains("+COPS: 0,0,\"Telekom.de\",7")
    );
    assert!(
        c.cmd("AT+CNUM")
            .await
            .contains("+CNUM: \"\",\"+491709876543\",145")
    );
    assert!(
        c.cmd("AT+CNMI=?")
            .await
            .contains("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)")
    );
    assert!(c.cmd("AT+CNMI=2,1,0,2,0").await.contains("OK"));
    assert!(c.cmd("AT+CNMI=2,1,1,2,0").await.contains("+CMS ERROR: 303"));
    assert!(c.cmd("AT+CNMI?").await.contains("+CNMI: 2,1,0,2,0"));
    assert!(
        c.cmd("AT+CPMS=\"SM\",\"SM\",\"SM\"")
            .await
            .contains("+CPMS: 0,30,0,30,0,30")
    );
    c.cmd("AT+CREG=2").await;
    sim.update_faults(|f| f.registration_lost = true);
    c.expect("+CREG: 2\r\n").await;
    assert!(c.cmd("AT+CSQ").await.contains("+CSQ: 99,99"));
    assert!(c.cmd("AT+COPS?").await.contains("+COPS: 0\r\n"));
    sim.update_faults(|f| f.registration_lost = false);
    c.expect("+CREG: 1,\"00A1\",\"0000B2C3\"").await;
    sim.stop().await;
}

#[tokio::test]
async fn huawei_noise_stops_with_curc0() {
    let mut cfg = ModemSimConfig::for_tests(Profile::Huawei);
    cfg.timing.noise_interval_ms = 20;
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.expect("^RSSI:").await;
    c.cmd("AT^CURC=0").await;
    let rest = c.quiet_for(std::time::Duration::from_millis(150)).await;
    let after_ok = rest.rsplit("OK").next().unwrap_or("");
    assert!(!after_ok.contains('^'), "noise after ^CURC=0: {rest:?}");
    sim.stop().await;
}

#[tokio::test]
async fn hang_swallows_everything_until_cleared() {
    let sim = sim(Profile::Generic).await;
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    sim.update_faults(|f| f.hang = true);
    c.write(b"AT\r").await;
    assert_eq!(c.quiet_for(std::time::Duration::from_millis(150)).await, "");
    sim.update_faults(|f| f.hang = false);
    assert_eq!(c.cmd("AT").await, "\r\nOK\r\n");
    sim.stop().await;
}

#[tokio::test]
async fn numeric_results_repeat_and_stray_bytes() {
    let sim = sim(Profile::Generic).await;
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    c.write(b"ATV0\r").await;
    assert_eq!(c.expect("\r").await, "0\r");
    c.write(b"AT+CGMI\r").await;
    assert_eq!(c.expect("0\r").await, "Generic\r\n0\r");
    c.write(b"A/").await;
    assert_eq!(c.expect("0\r").await, "Generic\r\n0\r");
    c.write(b"ATV1\r").await;
    c.expect("OK\r\n").await;
    sim.update_faults(|f| f.stray_bytes = true);
    let r = c.cmd("AT").await;
    assert!(r.starts_with('\0') && r.ends_with("\r\nOK\r\n"), "{r:?}");
    assert_eq!(sim.at_log()[3], "A/");
    sim.stop().await;
}
