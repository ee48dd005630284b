//! Starting the simulated SMSC: its listeners, the dispatcher, the control
//! API and one task per connection.

use crate::config::SmscConfig;
use crate::control;
use crate::dispatch::Dispatcher;
use crate::dlr::DlrFormat;
use crate::ids;
use crate::records::Counters;
use crate::session;
use crate::smsc::Smsc;
use crate::state::{Inner, lock};
use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

impl Smsc {
    /// Binds the SMPP listener (and the control API when configured; port 0
    /// picks free ports) and starts serving.
    pub async fn start(cfg: SmscConfig) -> io::Result<Smsc> {
        cfg.validate()?;
        let listener = TcpListener::bind(cfg.listen).await.map_err(|e| {
            io::Error::new(e.kind(), format!("listen: cannot bind {}: {e}", cfg.listen))
        })?;
        let local_addr = listener.local_addr()?;
        let control_listener = match cfg.control_listen {
            Some(a) => Some(TcpListener::bind(a).await.map_err(|e| {
                io::Error::new(e.kind(), format!("control_listen: cannot bind {a}: {e}"))
            })?),
            None => None,
        };
        let control_addr = control_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;

        let (dtx, drx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            dlr_fmt: DlrFormat {
                style: cfg.dlr,
                id_format: if cfg.dlr_id_decimal {
                    crate::config::IdFormat::Decimal
                } else {
                    cfg.id_format
                },
            },
            faults: Mutex::new(cfg.faults),
            response_delay_ms: AtomicU64::new(cfg.response_delay_ms),
            next_message_id: AtomicU64::new(ids::first_id(cfg.first_message_id)),
            next_delivery_id: AtomicU64::new(1),
            next_session_id: AtomicU64::new(1),
            next_concat_ref: AtomicU8::new(rand::random()),
            counters: Counters::default(),
            bound_sessions: AtomicU64::new(0),
            receivers_bound: AtomicU64::new(0),
            deliveries_pending: AtomicU64::new(0),
            submits: Mutex::new(Vec::new()),
            binds: Mutex::new(Vec::new()),
            acks: Mutex::new(Vec::new()),
            accepted_changed: Notify::new(),
            sessions: Mutex::new(HashMap::new()),
            dispatcher: dtx,
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
            cfg,
        });
        inner
            .tracker
            .spawn(Dispatcher::new(inner.clone(), drx).run());
        inner.tracker.spawn(accept_loop(inner.clone(), listener));
        let smsc = Smsc {
            inner,
            local_addr,
            control_addr,
        };
        if let Some(l) = control_listener {
            let cancel = smsc.inner.cancel.clone();
            let router = control::router(smsc.clone());
            smsc.inner.tracker.spawn(async move {
                let served = axum::serve(l, router)
                    .with_graceful_shutdown(cancel.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::warn!("sim control API stopped: {e}");
                }
            });
        }
        tracing::debug!(addr = %local_addr, "simulated SMSC listening");
        Ok(smsc)
    }
}

async fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            _ = inner.cancel.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let id = inner.next_session_id.fetch_add(1, Ordering::Relaxed);
                let token = inner.cancel.child_token();
                lock(&inner.sessions).insert(id, token.clone());
                inner
                    .tracker
                    .spawn(session::run(inner.clone(), stream, peer, id, token));
            }
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                tracing::warn!("sim accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
