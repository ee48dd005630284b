//! SMS through the simulated modem: +CMGS decoded, incoming messages,
//! storage, status reports, faults.

mod modem_client;

use modem_client::Client;
use std::time::Duration;
use switchboard_protocol::pdu::{self, Direction, Tpdu};
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{Address, Body, PhoneNumber};
use switchboard_sim::modem::{IncomingSms, ModemSim, ModemSimConfig, Profile, StatusReportSpec};

async fn sim_with(f: impl FnOnce(&mut ModemSimConfig)) -> (ModemSim, Client) {
    let mut cfg = ModemSimConfig::for_tests(Profile::Huawei);
    cfg.boot_urcs = false;
    f(&mut cfg);
    let sim = ModemSim::start(cfg).await.unwrap();
    let mut c = Client::open(&sim.path()).await;
    c.cmd("ATE0").await;
    c.cmd("AT+CMEE=1").await;
    (sim, c)
}

fn to() -> Address {
    Address::International(PhoneNumber::parse_e164("+491701234567").unwrap())
}

/// Sends every part of `text` as a handler would; returns the MRs.
async fn send(c: &mut Client, text_: &str, srr: bool, concat_ref: u16) -> Vec<u8> {
    let parts = pdu::submit_parts(
        &to(),
        &Body::Text { text: text_.into() },
        srr,
        None,
        concat_ref,
    )
    .unwrap();
    let mut mrs = Vec::new();
    for p in parts {
        let e = pdu::encode_submit(&p).unwrap();
        c.write(format!("AT+CMGS={}\r", e.tpdu_len).as_bytes())
            .await;
        let prompt = c.expect("> ").await;
        assert!(prompt.ends_with("\r\n> "), "{prompt:?}");
        c.write(format!("{}\x1a", e.hex).as_bytes()).await;
        let r = c.read_until(modem_client::final_end).await;
        let mr = r
            .lines()
            .find_map(|l| l.strip_prefix("+CMGS: "))
            .unwrap_or_else(|| panic!("no +CMGS in {r:?}"));
        mrs.push(mr.trim().parse().unwrap());
    }
    mrs
}

#[tokio::test]
async fn cmgs_is_decoded_gsm_ucs2_and_three_parts() {
    let (sim, mut c) = sim_with(|_| {}).await;
    let mr1 = send(&mut c, "Hello [world] €5", false, 1).await;
    let mr2 = send(&mut c, "Grüße 😀", true, 2).await;
    let long = "Lorem ipsum dolor sit amet. ".repeat(15);
    let mr3 = send(&mut c, &long, false, 300).await;
    assert_eq!(mr3.len(), 3);
    // MRs count up by one per part.
    let all: Vec<u8> = [mr1, mr2, mr3.clone()].concat();
    for w in all.windows(2) {
        assert_eq!(w[1], w[0].wrapping_add(1));
    }
    assert!(sim.wait_sent(3, Duration::from_secs(2)).await);
    let sent = sim.sent();
    assert_eq!(sent[0].text, "Hello [world] €5");
    assert_eq!(sent[0].coding, Coding::Gsm7);
    assert_eq!(sent[0].to, "+491701234567");
    assert!(!sent[0].status_report);
    assert_eq!(sent[1].text, "Grüße 😀");
    assert_eq!(sent[1].coding, Coding::Ucs2);
    assert!(sent[1].status_report);
    assert_eq!(sent[2].text, long);
    assert_eq!(sent[2].total, 3);
    assert_eq!(sent[2].concat_ref, Some(300));
    assert_eq!(sent[2].mrs, mr3);
    let parts = sim.sent_parts();
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[4].concat.map(|c| c.seq), Some(3));
    sim.stop().await;
}

#[tokio::test]
async fn escape_aborts_and_bad_length_is_refused() {
    let (sim, mut c) = sim_with(|_| {}).await;
    c.write(b"AT+CMGS=20\r").await;
    c.expect("> ").await;
    c.write(b"0011\x1b").await;
    assert!(c.read_until(modem_client::final_end).await.contains("OK"));
    let p = pdu::submit_parts(&to(), &Body::Text { text: "x".into() }, false, None, 1).unwrap();
    let e = pdu::encode_submit(&p[0]).unwrap();
    c.write(format!("AT+CMGS={}\r", e.tpdu_len + 1).as_bytes())
        .await;
    c.expect("> ").await;
    c.write(format!("{}\x1a", e.hex).as_bytes()).await;
    assert!(
        c.read_until(modem_client::final_end)
            .await
            .contains("+CMS ERROR: 304")
    );
    assert!(sim.sent_parts().is_empty());
    let log = sim.at_log();
    assert_eq!(log[2], "AT+CMGS=20");
    assert_eq!(log[3], "0011<ESC>");
    assert!(log[5].ends_with("<Ctrl-Z>"));
    sim.stop().await;
}

#[tokio::test]
async fn urc_between_cmgs_and_ok_and_injected_errors() {
    let (sim, mut c) = sim_with(|_| {}).await;
    sim.update_faults(|f| {
        f.urc_in_cmgs = Some("^RSSI:17".into());
        f.cmgs_errors = vec![42];
    });
    let p = pdu::submit_parts(&to(), &Body::Text { text: "x".into() }, false, None, 1).unwrap();
    let e = pdu::encode_submit(&p[0]).unwrap();
    c.write(format!("AT+CMGS={}\r", e.tpdu_len).as_bytes())
        .await;
    c.expect("> ").await;
    c.write(format!("{}\x1a", e.hex).as_bytes()).await;
    assert!(
        c.read_until(modem_client::final_end)
            .await
            .contains("+CMS ERROR: 42")
    );
    c.write(format!("AT+CMGS={}\r", e.tpdu_len).as_bytes())
        .await;
    c.expect("> ").await;
    c.write(format!("{}\x1a", e.hex).as_bytes()).await;
    let r = c.read_until(modem_client::final_end).await;
    let cmgs = r.find("+CMGS: ").unwrap();
    let urc = r.find("^RSSI:17").unwrap();
    let ok = r.find("OK").unwrap();
    assert!(cmgs < urc && urc < ok, "{r:?}");
    sim.update_faults(|f| f.registration_lost = true);
    c.write(format!("AT+CMGS={}\r", e.tpdu_len).as_bytes())
        .await;
    c.expect("> ").await;
    c.write(format!("{}\x1a", e.hex).as_bytes()).await;
    assert!(
        c.read_until(modem_client::final_end)
            .await
            .contains("+CMS ERROR: 331")
    );
    sim.stop().await;
}

#[tokio::test]
async fn cmgs_takes_its_time() {
    let (sim, mut c) = sim_with(|cfg| cfg.timing.cmgs_ms = 300).await;
    let t = std::time::Instant::now();
    send(&mut c, "slow", false, 1).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    sim.stop().await;
}

fn deliver_text(hex: &str) -> (String, Option<u16>) {
    match pdu::decode(hex, Direction::FromNetwork).unwrap().1 {
        Tpdu::Deliver(d) => (
            text::decode(d.body.coding, &d.body.data),
            d.concat.map(|c| c.seq as u16),
        ),
        other => panic!("not a deliver: {other:?}"),
    }
}

#[tokio::test]
async fn cmti_cmgr_cmgl_cmgd() {
    let (sim, mut c) = sim_with(|_| {}).await;
    c.cmd("AT+CNMI=2,1,0,0,0").await;
    sim.inject_sms("+491709999999", "first").unwrap();
    c.expect("+CMTI: \"SM\",0\r\n").await;
    let r = c.cmd("AT+CMGR=0").await;
    let lines: Vec<&str> = r.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("+CMGR: 0,,"), "{r:?}");
    assert_eq!(deliver_text(lines[1]).0, "first");
    // Read now.
    assert!(c.cmd("AT+CMGR=0").await.contains("+CMGR: 1,,"));
    // Three parts out of order, each stored and announced.
    let mut sms = IncomingSms::text("+491709999999", &"abc ".repeat(100));
    sms.parts_order = Some(vec![2, 0, 1]);
    assert_eq!(sim.inject_parts(sms).unwrap(), 3);
    c.expect("+CMTI: \"SM\",3\r\n").await;
    let r = c.cmd("AT+CMGL=4").await;
    let seqs: Vec<Option<u16>> = r
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('+') && *l != "OK")
        .map(|l| deliver_text(l).1)
        .collect();
    assert_eq!(seqs, [None, Some(3), Some(1), Some(2)]);
    assert_eq!(c.cmd("AT+CMGL=0").await, "\r\nOK\r\n");
    c.cmd("AT+CMGD=0").await;
    assert_eq!(sim.stored().len(), 3);
    c.cmd("AT+CMGD=0,4").await;
    assert!(sim.stored().is_empty());
    assert!(c.cmd("AT+CPMS?").await.contains("+CPMS: \"SM\",0,30"));
    sim.stop().await;
}

#[tokio::test]
async fn full_storage_holds_messages_at_the_network() {
    let (sim, mut c) = sim_with(|cfg| cfg.storage_capacity = 1).await;
    c.cmd("AT+CNMI=2,1,0,0,0").await;
    sim.inject_sms("+491709999999", "one").unwrap();
    sim.inject_sms("+491709999999", "two").unwrap();
    c.expect("+CMTI: \"SM\",0\r\n").await;
    c.expect("^SMMEMFULL: \"SM\"").await;
    c.cmd("AT+CMGD=0").await;
    c.expect("+CMTI: \"SM\",0\r\n").await;
    let r = c.cmd("AT+CMGR=0").await;
    let pdu_line = r.split("\r\n").filter(|l| !l.is_empty()).nth(1).unwrap();
    assert_eq!(deliver_text(pdu_line).0, "two");
    sim.update_faults(|f| f.urc_in_cmgl = Some("+CREG: 1".into()));
    let r = c.cmd("AT+CMGL=4").await;
    let header = r.find("+CMGL: 0,1").unwrap();
    assert!(r.find("+CREG: 1").unwrap() > header);
    sim.stop().await;
}

#[tokio::test]
async fn direct_cmt_wants_cnma() {
    let (sim, mut c) = sim_with(|_| {}).await;
    c.cmd("AT+CSMS=1").await;
    c.cmd("AT+CNMI=2,2,0,0,0").await;
    sim.inject_sms("+491709999999", "direct").unwrap();
    let r = c.expect("\r\n").await;
    let r = r + &c.expect("\r\n").await + &c.expect("\r\n").await;
    let pdu_line = r
        .split("\r\n")
        .find(|l| !l.is_empty() && !l.starts_with('+'))
        .unwrap();
    assert_eq!(deliver_text(pdu_line).0, "direct");
    assert!(r.contains("+CMT: ,"));
    assert!(c.cmd("AT+CNMA").await.contains("OK"));
    assert!(c.cmd("AT+CNMA").await.contains("+CMS ERROR: 340"));
    assert!(sim.stored().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn status_reports_direct_and_stored() {
    let (sim, mut c) = sim_with(|_| {}).await;
    c.cmd("AT+CNMI=2,1,0,1,0").await;
    let mr = send(&mut c, "report me", true, 1).await[0];
    let r = c.expect("+CDS: ").await + &c.expect("\r\n").await + &c.expect("\r\n").await;
    let pdu_line = r.split("\r\n").filter(|l| !l.is_empty()).last().unwrap();
    match pdu::decode(pdu_line, Direction::FromNetwork).unwrap().1 {
        Tpdu::StatusReport(s) => {
            assert_eq!(s.reference, mr);
            assert_eq!(s.recipient, to());
            assert_eq!(s.status, 0);
        }
        other => panic!("{other:?}"),
    }
    c.cmd("AT+CNMI=2,1,0,2,0").await;
    sim.inject_status_report(StatusReportSpec {
        mr: 77,
        recipient: "+491701234567".into(),
        status: 0x46,
    })
    .unwrap();
    c.expect("+CDSI: \"SR\",0\r\n").await;
    c.cmd("AT+CPMS=\"SR\"").await;
    let r = c.cmd("AT+CMGR=0").await;
    let pdu_line = r.split("\r\n").filter(|l| !l.is_empty()).nth(1).unwrap();
    match pdu::decode(pdu_line, Direction::FromNetwork).unwrap().1 {
        Tpdu::StatusReport(s) => assert_eq!((s.reference, s.status), (77, 0x46)),
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn sixteen_bit_reference_parts_fit() {
    let (sim, mut c) = sim_with(|_| {}).await;
    c.cmd("AT+CNMI=2,1,0,0,0").await;
    for (r, text_) in [(4000, "Grüße 😀 ".repeat(20)), (4001, "plain ".repeat(60))] {
        let mut sms = IncomingSms::text("+491709999999", &text_);
        sms.concat_ref = Some(r);
        let n = sim.inject_parts(sms).unwrap();
        assert!(n >= 3);
    }
    assert!(
        sim.wait_for(Duration::from_secs(1), |s| s.stored().len() >= 6)
            .await
    );
    // UCS-2 parts carry at most 132 octets, GSM parts 152 septets.
    let mut parts: Vec<(u16, u8, String)> = Vec::new();
    for (_, hex) in sim.stored() {
        if let Tpdu::Deliver(d) = pdu::decode(&hex, Direction::FromNetwork).unwrap().1 {
            let c = d.concat.unwrap();
            let limit = if d.body.coding == Coding::Ucs2 {
                132
            } else {
                152
            };
            assert!(d.body.data.len() <= limit);
            parts.push((
                c.reference,
                c.seq,
                text::decode(d.body.coding, &d.body.data),
            ));
        }
    }
    parts.sort();
    let join = |reference: u16| -> String {
        parts
            .iter()
            .filter(|p| p.0 == reference)
            .map(|p| p.2.as_str())
            .collect()
    };
    assert_eq!(join(4000), "Grüße 😀 ".repeat(20));
    assert_eq!(join(4001), "plain ".repeat(60));
    sim.stop().await;
}

#[tokio::test]
async fn cmgw_stores_until_full() {
    let (sim, mut c) = sim_with(|cfg| cfg.storage_capacity = 1).await;
    let p = pdu::submit_parts(
        &to(),
        &Body::Text {
            text: "draft".into(),
        },
        false,
        None,
        1,
    )
    .unwrap();
    let e = pdu::encode_submit(&p[0]).unwrap();
    for expect in ["+CMGW: 0", "+CMS ERROR: 322"] {
        c.write(format!("AT+CMGW={}\r", e.tpdu_len).as_bytes())
            .await;
        c.expect("> ").await;
        c.write(format!("{}\x1a", e.hex).as_bytes()).await;
        let r = c.read_until(modem_client::final_end).await;
        assert!(r.contains(expect), "{r:?}");
    }
    assert!(c.cmd("AT+CMGL=2").await.contains("+CMGL: 0,2,,"));
    sim.stop().await;
}
