//! Starting the daemon: store, handlers, dispatcher, webhooks and the API.

use crate::bus::Bus;
use crate::config::Config;
use crate::model::phone::NumberParser;
use crate::ops::metrics::Metrics;
use crate::sms::dispatch::{Dispatcher, LinkKind, LinkSpec, RouteTable, Timing};
use crate::sms::outbox::Outbox;
use crate::store::Store;
use crate::web::api::{self, App, AppState, KeyCache};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::{HandlerId, channel_pair};
use tokio::net::TcpListener;

/// A running daemon.
pub struct Running {
    pub api_addr: SocketAddr,
    pub store: Store,
    pub dispatcher: Dispatcher,
    server: tokio::task::JoinHandle<()>,
    core: tokio::task::JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store at {path}: {source}")]
    Store {
        path: String,
        source: crate::store::StoreError,
    },
    #[error("cannot listen on {addr} (server.listen): {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("numbers.default_region is not a region code")]
    Region,
}

pub async fn start(config: Config) -> Result<Running, StartError> {
    let path = config.store.path.display().to_string();
    let store = Store::open(&config.store.path, config.store.synchronous).map_err(|source| {
        StartError::Store {
            path: path.clone(),
            source,
        }
    })?;
    let numbers = NumberParser::new(&config.numbers.default_region).ok_or(StartError::Region)?;
    let metrics = Arc::new(Metrics::default());

    let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut links = Vec::new();
    let mut link_names = Vec::new();
    for link in &config.smpp {
        let id = HandlerId::new(link.name.as_str());
        let (handle, io) = channel_pair(id.clone(), events_tx.clone());
        switchboard_smpp::spawn(link.clone(), io);
        links.push(LinkSpec {
            handle,
            kind: LinkKind::Smpp,
            daily_limit: None,
        });
        link_names.push(id);
    }
    // A modem is a link like an SMPP bind: its own handler task, credit,
    // state and place in the routes.
    let mut modems = HashSet::new();
    for modem in &config.modem {
        let id = HandlerId::new(modem.name.as_str());
        let (handle, io) = channel_pair(id.clone(), events_tx.clone());
        switchboard_modem::spawn(modem.clone(), io);
        links.push(LinkSpec {
            handle,
            kind: LinkKind::Modem,
            daily_limit: modem.daily_limit,
        });
        modems.insert(id.clone());
        link_names.push(id);
    }
    drop(events_tx);
    // Committed facts, for every room that reacts to them.
    let bus = Bus::default();
    let routes = RouteTable::new(&config.route, &link_names, &modems);
    let d = &config.delivery;
    let timing = Timing {
        retry_min: Duration::from_secs(d.retry_min_secs),
        retry_max: Duration::from_secs(d.retry_max_secs),
        uncertain_hold: Duration::from_secs(d.uncertain_hold_secs),
        mo_part_timeout: Duration::from_secs(d.mo_part_timeout_secs),
    };
    let (dispatcher, core) = Dispatcher::start(
        store.clone(),
        links,
        events_rx,
        routes,
        timing,
        metrics.clone(),
        bus.clone(),
    )
    .map_err(|source| StartError::Store { path, source })?;
    crate::ops::webhooks::spawn(store.clone(), metrics.clone());

    let outbox = Outbox::new(
        store.clone(),
        dispatcher.clone(),
        metrics.clone(),
        d.validity_secs,
        d.opt_out_applies_to_api,
    );
    let im = Arc::new(crate::im::Im {
        store: store.clone(),
        clock: Arc::new(crate::im::clock::ShiftableClock::default()),
        config: config.im.clone(),
        hub: crate::im::presence::hub::Hub::default(),
        outbox: outbox.clone(),
        numbers: numbers.clone(),
        bus: bus.clone(),
    });
    if config.im.enabled {
        crate::phones::spawn(im.clone(), bus.subscribe());
        crate::im::spawn(im.clone(), bus.subscribe());
    }
    let state = AppState::new(App {
        im,
        store: store.clone(),
        dispatcher: dispatcher.clone(),
        metrics,
        keys: Arc::new(KeyCache::default()),
        numbers,
        outbox,
    });
    let addr = config.server.listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let api_addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    let header_timeout = Duration::from_secs(config.server.header_timeout_secs);
    let server = tokio::spawn(api::serve(listener, api::router(state), header_timeout));
    tracing::info!(
        api = %api_addr,
        smpp = config.smpp.len(),
        modems = config.modem.len(),
        "switchboard started"
    );
    Ok(Running {
        api_addr,
        store,
        dispatcher,
        server,
        core,
    })
}

impl Running {
    /// Runs until Ctrl-C or SIGTERM, then unbinds the links.
    pub async fn until_signal(self) {
        let term = async {
            #[cfg(unix)]
            if let Ok(mut s) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                s.recv().await;
                return;
            }
            std::future::pending::<()>().await
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
            r = self.server => {
                if let Err(e) = r {
                    tracing::error!(error = %e, "the API server stopped");
                }
            }
        }
        tracing::info!("stopping: unbinding links");
        self.dispatcher.shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.core).await;
        // Give handlers a moment to send their unbinds.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
