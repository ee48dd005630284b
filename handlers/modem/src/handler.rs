//! The handler task: opens the port (again and again, with backoff, when
//! it disappears), runs sessions on it, and serves the host as down in
//! between.

use crate::config::ModemConfig;
use crate::down::{self, Shutdown};
use crate::emit::Emitter;
use crate::pin::PinMemory;
use crate::receive::Inbox;
use crate::session::{self, End, Persist};
use crate::status::Publisher;
use crate::transport;
use std::time::Duration;
use switchboard_protocol::{HandlerIo, RadioStatus};

/// Doubling pause between tries to open the port, with some jitter so
/// that modems behind one USB hub do not retry in step.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max,
            next: min,
        }
    }
    fn take(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        let jitter = rand::random_range(0..=d.as_millis() as u64 / 10);
        d + Duration::from_millis(jitter)
    }
    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// Runs the handler until Shutdown or until the host drops its side.
pub async fn run(cfg: ModemConfig, io: HandlerIo) {
    let HandlerIo {
        id,
        mut commands,
        events,
    } = io;
    let emitter = Emitter::new(id, events);
    let mut p = Persist {
        emitter,
        pins: PinMemory::default(),
        inbox: Inbox::default(),
        radio: RadioStatus::default(),
        status: Publisher::default(),
        initialised: false,
        cfg,
    };
    if let Err(e) = p.cfg.validate() {
        tracing::error!("{e}");
        let detail = e.to_string();
        p.status.down(&p.emitter, detail.clone(), &p.radio);
        while down::handle(commands.recv().await, &mut p.inbox, &p.emitter, &detail).is_ok() {}
        return;
    }
    let device = match p.cfg.device() {
        Ok(d) => d,
        Err(e) => {
            // validate() checked it; keep the handler alive and say so.
            p.status.down(&p.emitter, e.clone(), &p.radio);
            while down::handle(commands.recv().await, &mut p.inbox, &p.emitter, &e).is_ok() {}
            return;
        }
    };
    let mut backoff = Backoff::new(p.cfg.reopen_min(), p.cfg.reopen_max());
    loop {
        let opened = down::serving(
            transport::open(&device, p.cfg.baud),
            &mut commands,
            &mut p.inbox,
            &p.emitter,
            "opening the port",
        )
        .await;
        let why = match opened {
            Err(Shutdown) => return,
            Ok(Err(e)) => e,
            Ok(Ok(port)) => {
                p.initialised = false;
                match session::run(&mut p, port, &mut commands).await {
                    End::Shutdown => return,
                    End::Lost(why) => {
                        if p.initialised {
                            backoff.reset();
                        }
                        why
                    }
                }
            }
        };
        let wait = backoff.take();
        let detail = format!("{why}; trying {} again in {wait:.1?}", p.cfg.device);
        p.status.down(&p.emitter, detail.clone(), &p.radio);
        let slept = down::serving(
            tokio::time::sleep(wait),
            &mut commands,
            &mut p.inbox,
            &p.emitter,
            &detail,
        )
        .await;
        if slept.is_err() {
            return;
        }
    }
}
