//! The modem handler against a real modem and SIM. See hw-tests/README.md;
//! the `hardware` test target of switchboard-modem, left out of ordinary
//! runs (`test = false`, and every test `#[ignore]`d); run explicitly, a test
//! fails, never passes, when the hardware variables are missing.

use std::time::{Duration, SystemTime};
use switchboard_modem::{ModemConfig, ProfileChoice};
use switchboard_protocol::{
    Body, CallCommand, CallId, CallProgress, Command, Envelope, Event, HandlerHandle, HandlerId,
    HandlerState, HandlerStatus, MessageId, OutboundSms, PhoneNumber, Priority, channel_pair,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One modem, one port: the tests take turns even without --test-threads=1.
static PORT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str, why: &str) -> String {
    var(name).unwrap_or_else(|| {
        panic!("{name} is not set: {why}. See hw-tests/README.md (this test needs hardware)")
    })
}

fn wait_secs() -> Duration {
    Duration::from_secs(
        var("SWITCHBOARD_HW_WAIT_SECS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(120),
    )
}

fn config() -> ModemConfig {
    let device = required("SWITCHBOARD_HW_MODEM", "name the modem's AT port");
    let mut cfg = ModemConfig::new("hw", &device);
    cfg.pin = var("SWITCHBOARD_HW_PIN");
    if let Some(b) = var("SWITCHBOARD_HW_BAUD") {
        cfg.baud = b.parse().expect("SWITCHBOARD_HW_BAUD is a number");
    }
    if let Some(n) = var("SWITCHBOARD_HW_NUMBER") {
        cfg.number = Some(PhoneNumber::parse_e164(&n).expect("SWITCHBOARD_HW_NUMBER is E.164"));
    }
    cfg.profile = match var("SWITCHBOARD_HW_PROFILE").as_deref() {
        None | Some("auto") => ProfileChoice::Auto,
        Some("generic") => ProfileChoice::Generic,
        Some("huawei") => ProfileChoice::Huawei,
        Some("simcom") => ProfileChoice::Simcom,
        Some("quectel") => ProfileChoice::Quectel,
        Some(other) => panic!("SWITCHBOARD_HW_PROFILE: '{other}' is not a profile"),
    };
    // Interactive tests sweep often: a modem that loses +CMTI still delivers.
    cfg.sweep_secs = 20;
    cfg.validate().expect("hardware config is valid");
    cfg
}

fn to() -> PhoneNumber {
    let n = required("SWITCHBOARD_HW_TO", "a phone to send to and call");
    PhoneNumber::parse_e164(&n).expect("SWITCHBOARD_HW_TO is E.164 (+ and digits)")
}

struct Line {
    handle: HandlerHandle,
    events: mpsc::UnboundedReceiver<Envelope>,
    task: JoinHandle<()>,
}

impl Line {
    async fn up() -> (Line, HandlerStatus) {
        let (tx, events) = mpsc::unbounded_channel();
        let (handle, io) = channel_pair(HandlerId::new("hw"), tx);
        let task = switchboard_modem::spawn(config(), io);
        let mut line = Line {
            handle,
            events,
            task,
        };
        let st = line
            .next(Duration::from_secs(90), "status Up", |e| match e {
                Event::Status(s) if s.state == HandlerState::Up => Some(s.clone()),
                Event::Status(s) => {
                    println!("status: {:?} {}", s.state, s.detail);
                    None
                }
                _ => None,
            })
            .await;
        (line, st)
    }

    async fn next<T>(
        &mut self,
        within: Duration,
        what: &str,
        pick: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        self.try_next(within, pick)
            .await
            .unwrap_or_else(|| panic!("no {what} within {within:?}"))
    }

    /// The first event `pick` takes within `within`, or `None`.
    async fn try_next<T>(
        &mut self,
        within: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let env = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .ok()?
                .expect("handler alive");
            if let Some(t) = pick(&env.event) {
                return Some(t);
            }
        }
    }

    fn send(&self, c: Command) {
        self.handle.commands.send(c).expect("handler alive");
    }

    async fn stop(self) {
        let _ = self.handle.commands.send(Command::Shutdown);
        let _ = tokio::time::timeout(Duration::from_secs(30), self.task).await;
    }
}

fn outbound(id: i64, text: &str, report: bool) -> OutboundSms {
    OutboundSms {
        id: MessageId(id),
        attempt: 1,
        to: to(),
        from: None,
        body: Body::Text { text: text.into() },
        report,
        valid_until: Some(SystemTime::now() + Duration::from_secs(3600)),
        priority: Priority::Normal,
        concat_ref: u16::try_from(id % 250).unwrap_or(1),
        skip_parts: Vec::new(),
    }
}

async fn lock() -> tokio::sync::MutexGuard<'static, ()> {
    PORT.lock().await
}

#[tokio::test]
#[ignore = "needs a real modem: see hw-tests/README.md"]
async fn hw_initialises_and_reports_radio() {
    let _port = lock().await;
    let (line, st) = Line::up().await;
    let radio = st.radio.expect("radio status");
    println!("{}: {radio:?}", st.detail);
    assert!(
        radio.registration.is_registered(),
        "not registered: {radio:?}"
    );
    assert!(radio.csq.is_some());
    line.stop().await;
}

/// Sends `text` to SWITCHBOARD_HW_TO; with `report`, waits for the report
/// of every part (and fails without one only when `require_report`).
async fn send_and_wait(text: &str, report: bool, require_report: bool) {
    let (mut line, _) = Line::up().await;
    let id = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(1, |d| (d.as_secs() % 1_000_000) as i64);
    line.send(Command::SendSms(outbound(id, text, report)));
    let parts = line
        .next(Duration::from_secs(180), "submit result", |e| match e {
            Event::Submitted { parts, .. } => Some(parts.clone()),
            Event::SubmitFailed { failure, .. } => panic!("submit failed: {failure:?}"),
            _ => None,
        })
        .await;
    println!("submitted: {parts:?}");
    let mut waiting: Vec<_> = parts.iter().map(|p| p.network_id.clone()).collect();
    while report && !waiting.is_empty() {
        let got = line
            .try_next(wait_secs(), |e| match e {
                Event::DeliveryReport {
                    network_id,
                    state,
                    ack,
                    ..
                } if waiting.contains(network_id) => Some((network_id.clone(), *state, *ack)),
                _ => None,
            })
            .await;
        let Some((id, state, ack)) = got else {
            assert!(
                !require_report,
                "no delivery report for {waiting:?} within {:?}",
                wait_secs()
            );
            println!(
                "no delivery report for {waiting:?} within {:?}",
                wait_secs()
            );
            break;
        };
        println!("report for {id}: {state:?}");
        if state.is_final() {
            waiting.retain(|w| *w != id);
        }
        if let Some(ack) = ack {
            line.send(Command::Ack(ack));
        }
    }
    line.stop().await;
}

#[tokio::test]
#[ignore = "needs a real modem, a SIM and SWITCHBOARD_HW_TO: see hw-tests/README.md"]
async fn hw_send_sms_with_report() {
    let _port = lock().await;
    let require = var("SWITCHBOARD_HW_REQUIRE_DLR").as_deref() == Some("1");
    send_and_wait("switchboard hw test: GSM 7-bit [ok] 5€", true, require).await;
}

#[tokio::test]
#[ignore = "needs a real modem, a SIM and SWITCHBOARD_HW_TO: see hw-tests/README.md"]
async fn hw_send_long_unicode_sms() {
    let _port = lock().await;
    let text = format!(
        "switchboard hw test 😀 {}",
        "Grüße aus dem Modem. ".repeat(8)
    );
    send_and_wait(&text, false, false).await;
}

#[tokio::test]
#[ignore = "needs a real modem and you sending it an SMS: see hw-tests/README.md"]
async fn hw_receive_sms() {
    let _port = lock().await;
    let (mut line, st) = Line::up().await;
    let own = st.radio.and_then(|r| r.line).map(|l| l.to_string());
    println!(
        "send an SMS to {} within {:?}",
        own.as_deref().unwrap_or("the SIM"),
        wait_secs()
    );
    let (ack, sms) = line
        .next(wait_secs(), "received SMS", |e| match e {
            Event::SmsReceived { ack, sms } => Some((*ack, sms.clone())),
            _ => None,
        })
        .await;
    println!(
        "from {}: {:?}",
        sms.from,
        switchboard_protocol::text::decode(sms.body.coding, &sms.body.data)
    );
    line.send(Command::Ack(ack));
    tokio::time::sleep(Duration::from_secs(2)).await;
    line.stop().await;
}

#[tokio::test]
#[ignore = "needs a real modem, a SIM and SWITCHBOARD_HW_TO: see hw-tests/README.md"]
async fn hw_place_call() {
    let _port = lock().await;
    let (mut line, _) = Line::up().await;
    let call = CallId::Placed(1);
    line.send(Command::Call(CallCommand::Dial { call, to: to() }));
    let mut connected = false;
    loop {
        let p = line
            .next(Duration::from_secs(90), "call progress", |e| match e {
                Event::CallProgress {
                    call: c, progress, ..
                } if *c == call => Some(progress.clone()),
                _ => None,
            })
            .await;
        println!("call: {p:?}");
        match p {
            CallProgress::Active if !connected => {
                connected = true;
                tokio::time::sleep(Duration::from_secs(10)).await;
                line.send(Command::Call(CallCommand::HangUp { call: Some(call) }));
            }
            CallProgress::Ended { .. } => break,
            _ => {}
        }
    }
    line.stop().await;
}

#[tokio::test]
#[ignore = "needs a real modem and you calling it: see hw-tests/README.md"]
async fn hw_receive_missed_call() {
    let _port = lock().await;
    let (mut line, _) = Line::up().await;
    println!(
        "call the SIM within {:?}, let it ring 2-3 times, hang up",
        wait_secs()
    );
    let caller = line
        .next(wait_secs(), "incoming call", |e| match e {
            Event::CallIncoming { caller, .. } => Some(caller.clone()),
            _ => None,
        })
        .await;
    println!("ringing: {caller:?}");
    let m = line
        .next(Duration::from_secs(90), "missed call", |e| match e {
            Event::CallMissed(m) => Some(m.clone()),
            Event::CallProgress { progress, .. } => panic!("not missed: {progress:?}"),
            _ => None,
        })
        .await;
    println!("missed: {m:?}");
    assert!(m.rings >= 1);
    line.stop().await;
}
