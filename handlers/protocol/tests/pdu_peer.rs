//! Cross-check of the SMS PDU codec against implementations nobody here
//! wrote: `smspdudecoder` and `python-gsmmodem-new` from PyPI, driven by
//! `tests/peers/pdu/peer.py` (installed by `scripts/test`, step
//! `install_pdu_peer`). Our encoder's PDUs go through their decoders, and
//! PDUs built by their encoders through ours. A missing peer fails the
//! test: it is never skipped.

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_protocol::pdu::{
    self, Direction, SmsDeliver, SmsStatusReport, SmsSubmit, Tpdu, submit_parts,
};
use switchboard_protocol::text::{self, Coding, concat_udh, decode_gsm7_unpacked, decode_ucs2};
use switchboard_protocol::{Address, Body, Concat, DlrState, PartBody, PhoneNumber};

fn peer_script() -> PathBuf {
    match std::env::var_os("SWITCHBOARD_PDU_PEER") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/pdu/peer.py"),
    }
}

/// Runs the peer on `cases` and returns its results, one per case.
fn run_peer(cases: &[Value]) -> Vec<Value> {
    let script = peer_script();
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    let input = json!({ "cases": cases }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the PDU peer {} failed ({}); run scripts/test's install_pdu_peer step \
         (pip install --target tests/peers/pdu/.deps -r tests/peers/pdu/requirements.txt):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["peers"]["smspdudecoder"], "2.2.0", "{reply}");
    assert_eq!(reply["peers"]["python-gsmmodem-new"], "0.13.0", "{reply}");
    let results = reply["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), cases.len());
    for (case, result) in cases.iter().zip(&results) {
        assert_eq!(case["id"], result["id"]);
        assert_eq!(result["ok"], true, "peer refused {case}: {result}");
    }
    results
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn text(&mut self, alphabet: &str, max: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let n = 1 + self.below(max);
        (0..n).map(|_| *self.pick(&chars)).collect()
    }
    fn e164(&mut self) -> PhoneNumber {
        let n = 8 + self.below(8);
        let digits: String = (0..n)
            .map(|i| char::from(b'0' + (self.below(9) + usize::from(i == 0)) as u8))
            .collect();
        PhoneNumber::parse_e164(&format!("+{digits}")).unwrap()
    }
}

/// GSM 03.38 text both peers read alike (gsmmodem has '`' where the table
/// has '§', and a wrong form feed: those two are left out).
const GSM_TEXT: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
    ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€";
const WIDE_TEXT: &str = "aé€你好Жж😀🎉ñ ";

fn intl(s: &str) -> Address {
    Address::International(PhoneNumber::parse_e164(s).unwrap())
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn shown(a: &Address) -> String {
    a.to_string()
}

fn body_text(body: &PartBody) -> String {
    match body.coding {
        Coding::Gsm7 => decode_gsm7_unpacked(&body.data),
        Coding::Ucs2 => decode_ucs2(&body.data),
        _ => body.data.iter().map(|b| format!("{b:02X}")).collect(),
    }
}

fn encoding(body: &PartBody) -> &'static str {
    match body.coding {
        Coding::Gsm7 => "gsm",
        Coding::Ucs2 => "ucs2",
        _ => "binary",
    }
}

fn concat_json(c: Option<Concat>) -> Value {
    match c {
        Some(c) => json!({"reference": c.reference, "total": c.total, "seq": c.seq}),
        None => Value::Null,
    }
}

fn concat_in(udh: &Option<Vec<u8>>) -> Option<Concat> {
    let ies = udh.as_ref()?;
    let mut header = vec![ies.len() as u8];
    header.extend_from_slice(ies);
    text::parse_udh(&header).unwrap().0
}

/// What smspdudecoder gives as text for a GSM 7-bit body, `None` where it
/// cannot be predicted. smspdudecoder 2.2.0 decodes every septet of TP-UD
/// to text first and then slices that text by septet counts; each escape
/// pair makes the text one shorter than its septets, so when the last octet
/// has a whole spare septet (zero bits, '@') the slice takes it in: one
/// trailing '@' when the body has escapes. An escape septet among the
/// header's own septets shifts the slice unpredictably.
fn smspdudecoder_gsm_text(hex: &str, body: &PartBody, udh: &Option<Vec<u8>>) -> Option<String> {
    let header_octets = udh.as_ref().map_or(0, |u| u.len() + 1);
    let header_septets = (header_octets * 8).div_ceil(7);
    let udl = header_septets + body.data.len();
    let ud_octets = (udl * 7).div_ceil(8);
    let octets: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let ud = &octets[octets.len() - ud_octets..];
    let septet = |n: usize| {
        let (byte, shift) = (n * 7 / 8, n * 7 % 8);
        let lo = u16::from(ud[byte]);
        let hi = u16::from(ud.get(byte + 1).copied().unwrap_or(0));
        ((((hi << 8) | lo) >> shift) & 0x7F) as u8
    };
    if (0..header_septets).any(|n| septet(n) == 0x1B) {
        return None;
    }
    let spare = ud_octets * 8 / 7 > udl;
    let text = body_text(body);
    let escapes = body.data.len() - text.chars().count();
    Some(if escapes > 0 && spare {
        text + "@"
    } else {
        text
    })
}

/// What gsmmodem's decoder gives as text for a body, `None` where it is
/// known to be wrong: GSM 7-bit after a header that ends on a septet
/// boundary (a 7-octet header, as with a 16-bit concatenation reference),
/// where gsmmodem 0.13.0 skips an octet of fill bits that is not there and
/// loses the first character. smspdudecoder reads those correctly.
fn gsmmodem_text(body: &PartBody, udh: &Option<Vec<u8>>) -> Option<String> {
    let no_fill_bits = udh.as_ref().is_some_and(|u| (u.len() + 1) % 7 == 0);
    match body.coding {
        Coding::Binary => Some(body.data.iter().map(|&b| char::from(b)).collect()),
        Coding::Gsm7 if no_fill_bits => None,
        _ => Some(body_text(body)),
    }
}

fn submits_of_ours() -> Vec<SmsSubmit> {
    let mut out = vec![
        SmsSubmit {
            reference: 0,
            destination: intl("+46708251358"),
            status_report: false,
            validity: Some(Duration::from_secs(4 * 86_400)),
            udh: None,
            body: PartBody {
                coding: Coding::Gsm7,
                data: text::encode_gsm7_unpacked("hellohello").unwrap(),
            },
        },
        SmsSubmit {
            reference: 0x7F,
            destination: Address::National("0170123456".into()),
            status_report: true,
            validity: Some(Duration::from_secs(3600)),
            udh: None,
            body: PartBody {
                coding: Coding::Gsm7,
                data: text::encode_gsm7_unpacked("Price: 5€ [promo] {x} ~ ^ | \\ @home").unwrap(),
            },
        },
        SmsSubmit {
            reference: 200,
            destination: Address::Other("12345".into()),
            status_report: false,
            validity: None,
            udh: None,
            body: PartBody {
                coding: Coding::Binary,
                data: vec![0x00, 0x01, 0x7F, 0x80, 0xFF],
            },
        },
        SmsSubmit {
            reference: 1,
            destination: Address::Alphanumeric("Info".into()),
            status_report: false,
            validity: None,
            udh: Some(concat_udh(9, 2, 2)[1..].to_vec()),
            body: PartBody {
                coding: Coding::Gsm7,
                data: text::encode_gsm7_unpacked("second part").unwrap(),
            },
        },
    ];
    let texts = [
        "a".repeat(400),
        format!("{}€{}", "x".repeat(152), "y".repeat(200)),
        "Grüße 😀 你好 ".repeat(20),
    ];
    for (i, t) in texts.iter().enumerate() {
        let to = intl("+447700900123");
        let concat_ref = [42u16, 255, 300][i];
        let body = Body::Text { text: t.clone() };
        out.extend(submit_parts(&to, &body, i == 0, None, concat_ref).unwrap());
    }
    let mut rng = Rng(0x5EED_0001);
    for i in 0..40 {
        let t = if i % 2 == 0 {
            rng.text(GSM_TEXT, 400)
        } else {
            rng.text(WIDE_TEXT, 150)
        };
        let to = Address::International(rng.e164());
        let concat_ref = rng.below(70_000) as u16;
        let validity =
            (rng.below(3) == 0).then(|| Duration::from_secs(rng.below(40_000_000) as u64));
        let srr = rng.below(2) == 0;
        out.extend(submit_parts(&to, &Body::Text { text: t }, srr, validity, concat_ref).unwrap());
    }
    out
}

#[test]
fn our_submits_read_the_same_in_both_peers() {
    let submits = submits_of_ours();
    let encoded: Vec<_> = submits
        .iter()
        .map(|s| pdu::encode_submit(s).unwrap())
        .collect();
    let cases: Vec<Value> = encoded
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"id": i.to_string(), "op": "decode", "kind": "submit", "hex": e.hex}))
        .collect();
    let results = run_peer(&cases);
    let mut checked = 0;
    for ((s, e), r) in submits.iter().zip(&encoded).zip(&results) {
        let q = &r["smspdudecoder"];
        let g = &r["gsmmodem"];
        let ctx = format!("{}\n{r}", e.hex);
        // Our own reading of the octets, for the validity the peers should see.
        let Tpdu::Submit(ours) = pdu::decode(&e.hex, Direction::ToNetwork).unwrap().1 else {
            panic!("not a submit");
        };
        assert_eq!(q["number"], shown(&s.destination), "{ctx}");
        assert_eq!(q["reference"], s.reference, "{ctx}");
        assert_eq!(q["srr"], s.status_report, "{ctx}");
        assert_eq!(q["udhi"], s.udh.is_some(), "{ctx}");
        assert_eq!(q["vp"].is_null(), s.validity.is_none(), "{ctx}");
        assert_eq!(q["encoding"], encoding(&s.body), "{ctx}");
        let q_text = match s.body.coding {
            Coding::Gsm7 => smspdudecoder_gsm_text(&e.hex, &s.body, &s.udh),
            _ => Some(body_text(&s.body)),
        };
        if let Some(text) = &q_text {
            assert_eq!(q["text"], *text, "{ctx}");
        }
        assert_eq!(q["concat"], concat_json(concat_in(&s.udh)), "{ctx}");
        let ton = match s.destination {
            Address::International(_) => "international",
            Address::National(_) => "national",
            Address::Alphanumeric(_) => "alphanumeric",
            Address::Other(_) => "unknown",
        };
        assert_eq!(q["ton"], ton, "{ctx}");

        assert_eq!(g["type"], "SMS-SUBMIT", "{ctx}");
        assert_eq!(g["number"], shown(&s.destination), "{ctx}");
        assert_eq!(g["reference"], s.reference, "{ctx}");
        let g_text = gsmmodem_text(&s.body, &s.udh);
        if let Some(text) = &g_text {
            assert_eq!(g["text"], *text, "{ctx}");
        }
        // Every body is read back by at least one peer.
        assert!(
            q_text.is_some() || g_text.is_some(),
            "no peer can read {ctx}"
        );
        checked += usize::from(q_text.is_some()) + usize::from(g_text.is_some());
        assert_eq!(g["concat"], concat_json(concat_in(&s.udh)), "{ctx}");
        match ours.validity {
            Some(v) => assert_eq!(g["validity_secs"], v.as_secs(), "{ctx}"),
            None => assert!(g["validity_secs"].is_null(), "{ctx}"),
        }
    }
    eprintln!(
        "{} submits, {checked} text readings by the peers",
        submits.len()
    );
    assert!(checked >= submits.len() * 3 / 2, "{checked}");
}

fn delivers_of_ours() -> Vec<(SmsDeliver, Option<Address>)> {
    let ts = at(1_709_267_400); // 2024-03-01 04:30:00 UTC
    let gsm = |t: &str| PartBody {
        coding: Coding::Gsm7,
        data: text::encode_gsm7_unpacked(t).unwrap(),
    };
    let mut out = vec![
        (
            SmsDeliver {
                originator: intl("+447700900123"),
                sc_timestamp: ts,
                udh: None,
                concat: None,
                body: gsm("Hello there, [world] €"),
                status_report_indication: true,
                pid: 0,
            },
            Some(intl("+31624000000")),
        ),
        (
            SmsDeliver {
                originator: Address::Alphanumeric("BANK".into()),
                sc_timestamp: ts,
                udh: None,
                concat: Some(Concat {
                    reference: 300,
                    total: 3,
                    seq: 2,
                }),
                body: PartBody {
                    coding: Coding::Ucs2,
                    data: text::encode_ucs2("你好😀"),
                },
                status_report_indication: false,
                pid: 0,
            },
            None,
        ),
        (
            SmsDeliver {
                originator: Address::Other("1234".into()),
                sc_timestamp: at(946_684_800), // 2000-01-01
                udh: None,
                concat: Some(Concat {
                    reference: 0x2A,
                    total: 2,
                    seq: 1,
                }),
                body: gsm("Hi"),
                status_report_indication: false,
                pid: 0x40,
            },
            None,
        ),
        (
            SmsDeliver {
                originator: Address::National("0170123456".into()),
                // 2068-12-31 23:59:59: gsmmodem reads two-digit years with
                // strptime's %y, which pivots at 69 (ours at 70).
                sc_timestamp: at(3_124_137_599),
                udh: Some(vec![0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0]),
                concat: None,
                body: PartBody {
                    coding: Coding::Binary,
                    data: vec![1, 2, 3, 0xFE],
                },
                status_report_indication: false,
                pid: 0,
            },
            None,
        ),
    ];
    let mut rng = Rng(0x5EED_0002);
    // No 7-character sender: 49 bits leave a whole zero septet in the last
    // octet, which both peers read as a trailing '@'.
    let senders = ["BANK", "Info", "MyShop", "Design@Home", "ABCDEFGH"];
    for i in 0..40 {
        let text = if i % 2 == 0 {
            rng.text(GSM_TEXT, 400)
        } else {
            rng.text(WIDE_TEXT, 150)
        };
        let originator = match rng.below(3) {
            0 => Address::Alphanumeric((*rng.pick(&senders)).into()),
            _ => Address::International(rng.e164()),
        };
        let sc_timestamp = at(946_684_800 + rng.below(2_170_000_000) as u64);
        let concat_ref = rng.below(70_000) as u16;
        let centre = (rng.below(2) == 0).then(|| Address::International(rng.e164()));
        let body = Body::Text { text };
        for p in submit_parts(&originator, &body, false, None, concat_ref).unwrap() {
            let concat = concat_in(&p.udh);
            out.push((
                SmsDeliver {
                    originator: originator.clone(),
                    sc_timestamp,
                    udh: p.udh,
                    concat,
                    body: p.body,
                    status_report_indication: rng.below(2) == 0,
                    pid: 0,
                },
                centre.clone(),
            ));
        }
    }
    out
}

#[test]
fn our_delivers_read_the_same_in_both_peers() {
    let delivers = delivers_of_ours();
    let encoded: Vec<_> = delivers
        .iter()
        .map(|(d, c)| pdu::encode_deliver(d, c.as_ref()).unwrap())
        .collect();
    let cases: Vec<Value> = encoded
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"id": i.to_string(), "op": "decode", "kind": "deliver", "hex": e.hex}))
        .collect();
    let results = run_peer(&cases);
    let mut checked = 0;
    for (((d, centre), e), r) in delivers.iter().zip(&encoded).zip(&results) {
        let q = &r["smspdudecoder"];
        let g = &r["gsmmodem"];
        let ctx = format!("{}\n{r}", e.hex);
        let smsc = centre.as_ref().map(shown);
        assert_eq!(q["smsc"], json!(smsc), "{ctx}");
        assert_eq!(q["number"], shown(&d.originator), "{ctx}");
        assert_eq!(q["sri"], d.status_report_indication, "{ctx}");
        assert_eq!(q["pid"], d.pid, "{ctx}");
        assert_eq!(q["scts"], unix(d.sc_timestamp), "{ctx}");
        assert_eq!(q["encoding"], encoding(&d.body), "{ctx}");
        let q_text = match d.body.coding {
            Coding::Gsm7 => smspdudecoder_gsm_text(&e.hex, &d.body, &d.udh),
            _ => Some(body_text(&d.body)),
        };
        if let Some(text) = &q_text {
            assert_eq!(q["text"], *text, "{ctx}");
        }
        let concat = d.concat.or_else(|| concat_in(&d.udh));
        assert_eq!(q["concat"], concat_json(concat), "{ctx}");

        assert_eq!(g["type"], "SMS-DELIVER", "{ctx}");
        assert_eq!(g["smsc"], json!(smsc), "{ctx}");
        assert_eq!(g["number"], shown(&d.originator), "{ctx}");
        assert_eq!(g["time"], unix(d.sc_timestamp), "{ctx}");
        assert_eq!(g["protocol_id"], d.pid, "{ctx}");
        let g_text = gsmmodem_text(&d.body, &d.udh);
        if let Some(text) = &g_text {
            assert_eq!(g["text"], *text, "{ctx}");
        }
        // Every body is read back by at least one peer.
        assert!(
            q_text.is_some() || g_text.is_some(),
            "no peer can read {ctx}"
        );
        checked += usize::from(q_text.is_some()) + usize::from(g_text.is_some());
        assert_eq!(g["concat"], concat_json(concat), "{ctx}");
    }
    eprintln!(
        "{} delivers, {checked} text readings by the peers",
        delivers.len()
    );
    assert!(checked >= delivers.len() * 3 / 2, "{checked}");
}

#[test]
fn our_status_reports_read_the_same_in_gsmmodem() {
    let mut rng = Rng(0x5EED_0003);
    let mut reports = Vec::new();
    for st in [
        0x00u8, 0x01, 0x02, 0x20, 0x30, 0x40, 0x41, 0x46, 0x47, 0x63, 0x65, 0x80,
    ] {
        let recipient = match rng.below(3) {
            0 => Address::Other("1234".into()),
            1 => Address::National("0170123456".into()),
            _ => Address::International(rng.e164()),
        };
        let sc = 946_684_800 + rng.below(2_170_000_000) as u64;
        reports.push(SmsStatusReport {
            reference: rng.below(256) as u8,
            recipient,
            sc_timestamp: at(sc),
            discharge_time: at(sc + rng.below(100_000) as u64),
            status: st,
        });
    }
    let encoded: Vec<_> = reports
        .iter()
        .map(|r| pdu::encode_status_report(r, None).unwrap())
        .collect();
    let cases: Vec<Value> = encoded
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"id": i.to_string(), "op": "decode", "kind": "status_report", "hex": e.hex})
        })
        .collect();
    for ((rep, e), res) in reports.iter().zip(&encoded).zip(run_peer(&cases)) {
        let g = &res["gsmmodem"];
        let ctx = format!("{}\n{res}", e.hex);
        assert_eq!(g["type"], "SMS-STATUS-REPORT", "{ctx}");
        assert_eq!(g["reference"], rep.reference, "{ctx}");
        assert_eq!(g["number"], shown(&rep.recipient), "{ctx}");
        assert_eq!(g["time"], unix(rep.sc_timestamp), "{ctx}");
        assert_eq!(g["discharge"], unix(rep.discharge_time), "{ctx}");
        assert_eq!(g["status"], rep.status, "{ctx}");
    }
}

struct PeerSubmit {
    number: &'static str,
    text: String,
    reference: u8,
    validity_secs: Option<u64>,
    status_report: bool,
}

#[test]
fn gsmmodem_submits_decode_in_ours() {
    let cases = [
        PeerSubmit {
            number: "+46708251358",
            text: "hellohello".into(),
            reference: 0,
            validity_secs: Some(4 * 86_400),
            status_report: false,
        },
        PeerSubmit {
            number: "0170123456",
            text: "Price: 5€ [promo] {x} ~ ^ | \\".into(),
            reference: 0x7F,
            validity_secs: Some(3600),
            status_report: true,
        },
        PeerSubmit {
            number: "+447700900123",
            text: "0123456789".repeat(40),
            reference: 42,
            validity_secs: None,
            status_report: true,
        },
        PeerSubmit {
            number: "+447700900123",
            text: "Grüße, 你好! ".repeat(12),
            reference: 7,
            validity_secs: Some(10 * 7 * 86_400),
            status_report: false,
        },
        PeerSubmit {
            number: "+12025550123",
            text: "Привет".into(),
            reference: 255,
            validity_secs: Some(2 * 86_400),
            status_report: false,
        },
    ];
    let json_cases: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"id": i.to_string(), "op": "encode_submit", "number": c.number, "text": c.text,
                   "reference": c.reference, "validity_secs": c.validity_secs,
                   "status_report": c.status_report})
        })
        .collect();
    for (c, res) in cases.iter().zip(run_peer(&json_cases)) {
        let pdus = res["pdus"].as_array().unwrap();
        let mut parts = Vec::new();
        for (i, p) in pdus.iter().enumerate() {
            let hex = p["hex"].as_str().unwrap();
            let ctx = format!("{hex}\n{res}");
            let (smsc, tpdu) =
                pdu::decode(hex, Direction::ToNetwork).unwrap_or_else(|e| panic!("{e}: {ctx}"));
            assert_eq!(smsc, None);
            let Tpdu::Submit(s) = tpdu else {
                panic!("not a submit: {ctx}");
            };
            assert_eq!(p["tpdu_len"], hex.len() / 2 - 1, "{ctx}");
            assert_eq!(shown(&s.destination), c.number, "{ctx}");
            assert_eq!(s.reference, c.reference, "{ctx}");
            assert_eq!(s.status_report, c.status_report, "{ctx}");
            assert_eq!(s.validity.map(|v| v.as_secs()), c.validity_secs, "{ctx}");
            if pdus.len() > 1 {
                let want = Concat {
                    reference: u16::from(c.reference),
                    total: pdus.len() as u8,
                    seq: i as u8 + 1,
                };
                assert_eq!(concat_in(&s.udh), Some(want), "{ctx}");
            }
            parts.push((i as u8 + 1, s.body));
        }
        assert_eq!(text::reassemble(&parts).unwrap(), c.text);
    }
}

/// An SMS-DELIVER for the peer to build from its own field encoders.
struct PeerDeliver {
    sender: &'static str,
    text: &'static str,
    ucs2: bool,
    scts: u64,
    tz_minutes: i32,
    concat: Option<(u8, u8, u8)>,
    smsc: Option<&'static str>,
}

#[test]
fn peer_built_delivers_decode_in_ours() {
    let d = |sender, text, ucs2, tz_minutes| PeerDeliver {
        sender,
        text,
        ucs2,
        scts: 1_709_267_400,
        tz_minutes,
        concat: None,
        smsc: None,
    };
    let delivers = [
        PeerDeliver {
            smsc: Some("+31624000000"),
            ..d("+447700900123", "hellohello", false, 0)
        },
        d("+447700900123", "Zone test: 5€", false, 345),
        d("+12025550123", "minus five", false, -300),
        d("+6421234567", "plus thirteen", false, 780),
        PeerDeliver {
            concat: Some((42, 2, 1)),
            ..d("BANK", "你好😀 part", true, -210)
        },
        PeerDeliver {
            scts: 1_000_000_000,
            smsc: Some("+4917012345678"),
            ..d("MyShop", "Sale! [today]", false, 60)
        },
        PeerDeliver {
            scts: 1_234_567_890,
            ..d("0170123456", "national", false, 120)
        },
    ];
    let cases: Vec<Value> = delivers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let concat = c
                .concat
                .map(|(r, t, s)| json!({"reference": r, "total": t, "seq": s}));
            json!({"id": i.to_string(), "op": "encode_deliver", "sender": c.sender,
                   "text": c.text, "ucs2": c.ucs2, "scts": c.scts, "tz_minutes": c.tz_minutes,
                   "concat": concat, "smsc": c.smsc})
        })
        .collect();
    for (c, res) in delivers.iter().zip(run_peer(&cases)) {
        let hex = res["hex"].as_str().unwrap();
        let ctx = format!("{hex}\n{res}");
        let (smsc, tpdu) =
            pdu::decode(hex, Direction::FromNetwork).unwrap_or_else(|e| panic!("{e}: {ctx}"));
        let Tpdu::Deliver(d) = tpdu else {
            panic!("not a deliver: {ctx}");
        };
        assert_eq!(smsc.as_ref().map(shown).as_deref(), c.smsc, "{ctx}");
        assert_eq!(shown(&d.originator), c.sender, "{ctx}");
        let kind_ok = match c.sender {
            "BANK" | "MyShop" => matches!(d.originator, Address::Alphanumeric(_)),
            s if s.starts_with('+') => matches!(d.originator, Address::International(_)),
            _ => matches!(d.originator, Address::National(_)),
        };
        assert!(kind_ok, "{ctx}");
        assert_eq!(unix(d.sc_timestamp), c.scts, "{ctx}");
        let coding = if c.ucs2 { Coding::Ucs2 } else { Coding::Gsm7 };
        assert_eq!(d.body.coding, coding, "{ctx}");
        assert_eq!(body_text(&d.body), c.text, "{ctx}");
        let want = c.concat.map(|(r, t, s)| Concat {
            reference: u16::from(r),
            total: t,
            seq: s,
        });
        assert_eq!(d.concat, want, "{ctx}");
    }
}

#[test]
fn peer_built_status_reports_decode_in_ours() {
    // (TP-MR, TP-RA, SCTS and its zone in minutes, DT and its zone, TP-ST, state)
    let reports = [
        (
            42u8,
            "+46708251358",
            1_709_267_400u64,
            345i32,
            1_709_267_451u64,
            -300i32,
            0x00u8,
            DlrState::Delivered,
        ),
        (
            7,
            "+12025550123",
            1_600_000_000,
            -480,
            1_600_003_600,
            -480,
            0x46,
            DlrState::Expired,
        ),
        (
            255,
            "0170123456",
            1_234_567_890,
            60,
            1_234_567_899,
            120,
            0x30,
            DlrState::Enroute,
        ),
        (
            0,
            "+6421234567",
            1_700_000_000,
            780,
            1_700_000_001,
            0,
            0x41,
            DlrState::Undeliverable,
        ),
    ];
    let cases: Vec<Value> = reports
        .iter()
        .enumerate()
        .map(|(i, (mr, to, sc, sctz, dt, dttz, st, _))| {
            json!({"id": i.to_string(), "op": "encode_status_report", "reference": mr,
                   "recipient": to, "scts": sc, "scts_tz_minutes": sctz, "dt": dt,
                   "dt_tz_minutes": dttz, "status": st})
        })
        .collect();
    for (case, res) in reports.iter().zip(run_peer(&cases)) {
        let (mr, to, sc, _, dt, _, st, state) = *case;
        let hex = res["hex"].as_str().unwrap();
        let ctx = format!("{hex}\n{res}");
        let Tpdu::StatusReport(r) = pdu::decode(hex, Direction::FromNetwork).unwrap().1 else {
            panic!("not a status report: {ctx}");
        };
        assert_eq!(r.reference, mr, "{ctx}");
        assert_eq!(shown(&r.recipient), to, "{ctx}");
        assert_eq!(unix(r.sc_timestamp), sc, "{ctx}");
        assert_eq!(unix(r.discharge_time), dt, "{ctx}");
        assert_eq!((r.status, r.state()), (st, state), "{ctx}");
    }
}
