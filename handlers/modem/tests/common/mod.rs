//! A modem handler pointed at a simulated modem on a real pty.
#![allow(dead_code)]

use std::time::Duration;
use switchboard_modem::{ModemConfig, ProfileChoice};
use switchboard_protocol::{
    Body, Command, Envelope, Event, HandlerHandle, HandlerId, HandlerState, HandlerStatus,
    MessageId, OutboundSms, PhoneNumber, Priority, channel_pair,
};
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Rig {
    pub sim: ModemSim,
    pub handle: HandlerHandle,
    pub events: mpsc::UnboundedReceiver<Envelope>,
    pub task: Option<JoinHandle<()>>,
    /// Every event seen so far, in order.
    pub seen: Vec<Event>,
}

/// Handler timings short enough for tests.
pub fn fast_config(device: &str) -> ModemConfig {
    let mut cfg = ModemConfig::new("gsm0", device);
    cfg.command_timeout_ms = 400;
    cfg.send_timeout_ms = 2000;
    cfg.dial_timeout_ms = 2000;
    cfg.health_secs = 1;
    cfg.ring_timeout_secs = 1;
    cfg.call_poll_ms = 100;
    cfg.sweep_secs = 0;
    cfg.reopen_min_ms = 100;
    cfg.reopen_max_ms = 400;
    cfg.retry_min_secs = 1;
    cfg.retry_max_secs = 8;
    cfg
}

pub fn choice(p: Profile) -> ProfileChoice {
    match p {
        Profile::Generic => ProfileChoice::Generic,
        Profile::Huawei => ProfileChoice::Huawei,
        Profile::Simcom => ProfileChoice::Simcom,
        Profile::Quectel => ProfileChoice::Quectel,
    }
}

impl Rig {
    pub async fn start(profile: Profile) -> Rig {
        Rig::start_with(profile, |_| {}, |_| {}).await
    }

    pub async fn start_with(
        profile: Profile,
        sim_cfg: impl FnOnce(&mut ModemSimConfig),
        cfg: impl FnOnce(&mut ModemConfig),
    ) -> Rig {
        let mut sc = ModemSimConfig::for_tests(profile);
        sim_cfg(&mut sc);
        let sim = ModemSim::start(sc).await.expect("sim starts");
        let mut c = fast_config(&sim.device());
        cfg(&mut c);
        let (tx, events) = mpsc::unbounded_channel();
        let (handle, io) = channel_pair(HandlerId::new("gsm0"), tx);
        let task = switchboard_modem::spawn(c, io);
        Rig {
            sim,
            handle,
            events,
            task: Some(task),
            seen: Vec::new(),
        }
    }

    pub fn send(&self, cmd: Command) {
        self.handle.commands.send(cmd).expect("handler alive");
    }

    /// Waits for the first event (from now) that `pick` takes.
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let env = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}; seen: {:#?}", self.seen))
                .expect("handler alive");
            self.seen.push(env.event.clone());
            if let Some(t) = pick(&env.event) {
                return t;
            }
        }
    }

    pub async fn wait_status(&mut self, state: HandlerState) -> HandlerStatus {
        self.wait_for(&format!("status {state:?}"), |e| match e {
            Event::Status(s) if s.state == state => Some(s.clone()),
            _ => None,
        })
        .await
    }

    pub async fn wait_up(&mut self) -> HandlerStatus {
        self.wait_status(HandlerState::Up).await
    }

    /// Events that arrive within `d`, without waiting for any in particular.
    pub async fn drain_for(&mut self, d: Duration) -> Vec<Event> {
        let deadline = tokio::time::Instant::now() + d;
        let mut out = Vec::new();
        while let Ok(Some(env)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            self.seen.push(env.event.clone());
            out.push(env.event);
        }
        out
    }

    pub async fn stop(mut self) {
        let _ = self.handle.commands.send(Command::Shutdown);
        if let Some(t) = self.task.take() {
            tokio::time::timeout(WAIT, t)
                .await
                .expect("handler stops on Shutdown")
                .expect("handler did not panic");
        }
        self.sim.stop().await;
    }
}

pub fn number(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

pub fn sms(id: i64, to: &str, text: &str) -> OutboundSms {
    OutboundSms {
        id: MessageId(id),
        attempt: 1,
        to: number(to),
        from: None,
        body: Body::Text { text: text.into() },
        report: false,
        valid_until: None,
        priority: Priority::Normal,
        concat_ref: 7,
        skip_parts: Vec::new(),
    }
}
