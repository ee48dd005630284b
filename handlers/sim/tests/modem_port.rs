//! The simulated modem's port: the stable link across unplug and replug,
//! reopening, raw TCP, and the HTTP control API.

mod modem_client;

use modem_client::Client;
use std::time::Duration;
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile, Transport};
use tokio_serial::SerialPortBuilderExt;

fn cfg() -> ModemSimConfig {
    let mut cfg = ModemSimConfig::for_tests(Profile::Huawei);
    cfg.boot_urcs = false;
    cfg
}

#[tokio::test]
async fn unplug_removes_the_link_and_replug_brings_a_new_pty() {
    let sim = ModemSim::start(cfg()).await.unwrap();
    let link = sim.path();
    let first = sim.tty().unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), first);
    let mut c = Client::open(&link).await;
    c.cmd("ATE0").await;
    sim.inject_sms("+491701234567", "kept on the SIM").unwrap();
    assert!(
        sim.wait_for(Duration::from_secs(1), |s| s.stored().len() == 1)
            .await
    );
    sim.unplug();
    assert!(!sim.is_plugged());
    assert!(
        c.read_fails().await,
        "reads must fail once the port is gone"
    );
    assert!(std::fs::symlink_metadata(&link).is_err());
    assert!(
        tokio_serial::new(link.to_string_lossy(), 115_200)
            .open_native_async()
            .is_err()
    );
    sim.replug().await.unwrap();
    assert!(std::fs::read_link(&link).is_ok());
    let mut c = Client::open(&link).await;
    // Power-on state again: echo is back on; the SIM kept its message.
    assert_eq!(c.cmd("AT").await, "AT\r\r\nOK\r\n");
    assert!(c.cmd("AT+CPMS?").await.contains("\"SM\",1,30"));
    assert!(sim.opens() >= 2);
    sim.stop().await;
    assert!(std::fs::symlink_metadata(&link).is_err());
}

#[tokio::test]
async fn given_link_path_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("serial/by-id/usb-huawei-if00");
    let mut c = cfg();
    c.transport = Transport::Pty {
        link: Some(link.clone()),
    };
    let sim = ModemSim::start(c).await.unwrap();
    assert_eq!(sim.path(), link);
    assert_eq!(sim.device(), link.display().to_string());
    let mut client = Client::open(&link).await;
    assert!(client.cmd("AT").await.contains("OK"));
    sim.stop().await;
}

#[tokio::test]
async fn hang_clears_when_the_port_is_reopened() {
    let sim = ModemSim::start(cfg()).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    sim.update_faults(|f| {
        f.hang = true;
        f.hang_clears_on_reopen = true;
    });
    c.write(b"AT\r").await;
    assert_eq!(c.quiet_for(Duration::from_millis(100)).await, "");
    drop(c);
    assert!(
        sim.wait_for(Duration::from_secs(1), |_| true).await,
        "wait_for returns at once when the condition holds"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    assert_eq!(c.cmd("AT").await, "\r\nOK\r\n");
    assert!(!sim.faults().hang);
    sim.stop().await;
}

#[tokio::test]
async fn boot_lines_greet_the_first_opener() {
    let mut c = cfg();
    c.boot_urcs = true;
    c.profile = Profile::Quectel;
    let sim = ModemSim::start(c).await.unwrap();
    let mut client = Client::open(&sim.path()).await;
    client.write(b"AT\r").await;
    let r = client.expect("OK\r\n").await;
    assert!(r.contains("RDY") && r.contains("+QIND: PB DONE"), "{r:?}");
    sim.stop().await;
}

#[tokio::test]
async fn tcp_mode_serves_one_client_and_survives_replug() {
    let mut c = cfg();
    c.transport = Transport::Tcp {
        listen: "127.0.0.1:0".parse().unwrap(),
    };
    let sim = ModemSim::start(c).await.unwrap();
    let addr = sim.tcp_addr().unwrap();
    assert_eq!(sim.device(), format!("tcp://{addr}"));
    let mut client = Client::tcp(addr).await;
    assert!(client.cmd("AT+CGMI").await.contains("huawei"));
    sim.unplug();
    assert!(client.read_fails().await);
    sim.replug().await.unwrap();
    let mut client = Client::tcp(addr).await;
    assert!(client.cmd("AT").await.contains("OK"));
    sim.stop().await;
}

#[tokio::test]
async fn control_api_injects_and_reports() {
    let mut c = cfg();
    c.control_listen = Some("127.0.0.1:0".parse().unwrap());
    let sim = ModemSim::start(c).await.unwrap();
    let ctl = sim.control_addr().unwrap();
    let mut client = Client::open(&sim.path()).await;
    client.cmd("ATE0").await;
    client.cmd("AT+CNMI=2,1,0,0,0").await;
    let r = http(
        ctl,
        "POST",
        "/sms",
        r#"{"from":"+491701234567","text":"hi"}"#,
    )
    .await;
    assert!(r.contains("\"parts\":1"), "{r}");
    client.expect("+CMTI: \"SM\",0").await;
    let r = http(
        ctl,
        "POST",
        "/call",
        r#"{"caller":{"type":"withheld"},"rings":1}"#,
    )
    .await;
    assert!(r.contains("\"index\":1"), "{r}");
    client.expect("RING").await;
    let r = http(ctl, "POST", "/faults", r#"{"hang":true}"#).await;
    assert!(r.contains("\"hang\":true"), "{r}");
    let r = http(ctl, "POST", "/faults", r#"{"hangs":true}"#).await;
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    let r = http(ctl, "GET", "/log", "").await;
    assert!(r.contains("AT+CNMI=2,1,0,0,0"), "{r}");
    let r = http(ctl, "GET", "/calls", "").await;
    assert!(r.contains("\"direction\":\"incoming\""), "{r}");
    sim.stop().await;
}

async fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
