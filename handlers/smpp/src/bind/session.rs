//! Opening a TCP connection and binding on it.

use crate::config::SmppConfig;
use crate::guard::{Backlog, Guarded};
use crate::link::Role;
use crate::status_codes;
use bytes::Bytes;
use futures::Stream;
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter};
use rusmpp::types::COctetString;
use rusmpp::values::{InterfaceVersion, Npi, Ton};
use rusmpp::{CommandId, CommandStatus};
use rusmppc::{Client, ConnectionBuilder, Event, error::Error};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Largest PDU accepted from the SMSC: a full message_payload (64 KiB)
/// plus headers.
pub const MAX_PDU: usize = 70_000;

pub type EventStream = Pin<Box<dyn Stream<Item = Event> + Send>>;

/// A bound session.
pub struct Bound {
    pub client: Client,
    pub events: EventStream,
    /// Frames rusmpp could not decode (see [`crate::guard`]).
    pub diverted: mpsc::UnboundedReceiver<Bytes>,
    /// Our requests rusmppc has not written yet.
    pub backlog: Arc<Backlog>,
}

/// Why a connect or bind attempt failed.
#[derive(Debug)]
pub enum BindError {
    Connect(String),
    ConnectTimeout(Duration),
    Refused { status: u32, generic_nack: bool },
    NoResponse(Duration),
    Closed(String),
    BadConfig(String),
}

impl BindError {
    /// A short key: repeats of the same failure are logged once.
    pub fn kind(&self) -> String {
        match self {
            BindError::Connect(e) => format!("connect:{e}"),
            BindError::ConnectTimeout(_) => "connect-timeout".into(),
            BindError::Refused { status, .. } => format!("refused:{status}"),
            BindError::NoResponse(_) => "bind-timeout".into(),
            BindError::Closed(_) => "closed".into(),
            BindError::BadConfig(_) => "config".into(),
        }
    }

    /// For people: what happened and what to check.
    pub fn describe(&self, cfg: &SmppConfig, role: Role) -> String {
        let link = format!("[[smpp]] '{}'", cfg.name);
        let peer = format!("{}:{}", cfg.host, cfg.port);
        match self {
            BindError::Connect(e) => format!(
                "{link}: cannot connect to {peer}: {e}; check host and port of {link} and \
                 that the SMSC accepts connections from this host"
            ),
            BindError::ConnectTimeout(t) => format!(
                "{link}: no TCP connection to {peer} within {}s; check host and port of \
                 {link} and any firewall in between",
                t.as_secs()
            ),
            BindError::Refused {
                status,
                generic_nack,
            } => format!(
                "{link}: bind {} refused by {peer}{}: {}; {}",
                role.short(),
                if *generic_nack {
                    " with generic_nack"
                } else {
                    ""
                },
                status_codes::describe(*status),
                status_codes::bind_hint(*status, &cfg.name)
            ),
            BindError::NoResponse(t) => format!(
                "{link}: {peer} did not answer bind {} within {}s",
                role.short(),
                t.as_secs()
            ),
            BindError::Closed(e) => format!(
                "{link}: {peer} closed the connection during bind {}: {e}; check that \
                 the port speaks SMPP (not TLS) and that this host may connect",
                role.short()
            ),
            BindError::BadConfig(e) => format!("{link}: {e}"),
        }
    }
}

/// Connects, binds for `role` and returns the session.
pub async fn connect_and_bind(cfg: &SmppConfig, role: Role) -> Result<Bound, BindError> {
    let timeout = cfg.response_timeout();
    let stream = tokio::time::timeout(timeout, TcpStream::connect((cfg.host.as_str(), cfg.port)))
        .await
        .map_err(|_| BindError::ConnectTimeout(timeout))?
        .map_err(|e| BindError::Connect(e.to_string()))?;
    // PDUs are small and latency-bound: never wait to coalesce them.
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(link = %cfg.name, error = %e, "TCP_NODELAY not set");
    }
    let (dtx, diverted) = mpsc::unbounded_channel();
    let backlog = Arc::new(Backlog::default());
    let guarded = Guarded::new(stream, MAX_PDU, dtx, backlog.clone());
    let (client, events) = ConnectionBuilder::new()
        .max_command_length(MAX_PDU)
        .with_enquire_link_interval(cfg.enquire_link_interval())
        .enquire_link_response_timeout(timeout)
        .response_timeout(timeout)
        // We bind as 3.4, which SMSCs of every age accept; rusmpp's 5.0
        // codec reads 3.4 PDUs.
        .disable_interface_version_check()
        .connected(guarded);

    match bind(&client, cfg, role).await {
        Ok(()) => Ok(Bound {
            client,
            events: Box::pin(events),
            diverted,
            backlog,
        }),
        Err(e) => {
            let _ = client.close().await;
            Err(e)
        }
    }
}

fn cstr<const MIN: usize, const MAX: usize>(
    key: &str,
    v: &str,
) -> Result<COctetString<MIN, MAX>, BindError> {
    COctetString::from_string(v.to_owned())
        .map_err(|_| BindError::BadConfig(format!("{key} '{v}' is not valid for SMPP")))
}

/// The three bind PDUs have the same fields.
macro_rules! bind_pdu {
    ($pdu:ident, $cfg:expr) => {
        $pdu::builder()
            .system_id(cstr("system_id", &$cfg.system_id)?)
            .password(cstr("password", &$cfg.password)?)
            .system_type(cstr("system_type", &$cfg.system_type)?)
            .interface_version(InterfaceVersion::Smpp3_4)
            .addr_ton(Ton::Unknown)
            .addr_npi(Npi::Unknown)
            .address_range(cstr("address_range", &$cfg.address_range)?)
            .build()
    };
}

async fn bind(client: &Client, cfg: &SmppConfig, role: Role) -> Result<(), BindError> {
    let result = match role {
        Role::Transceiver => client
            .bind_transceiver(bind_pdu!(BindTransceiver, cfg))
            .await
            .map(drop),
        Role::Transmitter => client
            .bind_transmitter(bind_pdu!(BindTransmitter, cfg))
            .await
            .map(drop),
        Role::Receiver => client
            .bind_receiver(bind_pdu!(BindReceiver, cfg))
            .await
            .map(drop),
    };
    result.map_err(|e| bind_error(e, cfg.response_timeout()))
}

fn bind_error(e: Error, timeout: Duration) -> BindError {
    match e {
        Error::UnexpectedResponse { response } => {
            let status = u32::from(response.status());
            if response.id() == CommandId::GenericNack {
                BindError::Refused {
                    status,
                    generic_nack: true,
                }
            } else if response.status() == CommandStatus::EsmeRok {
                BindError::Closed(format!("unexpected answer {:?} to bind", response.id()))
            } else {
                BindError::Refused {
                    status,
                    generic_nack: false,
                }
            }
        }
        Error::ResponseTimeout { .. } => BindError::NoResponse(timeout),
        other => BindError::Closed(other.to_string()),
    }
}
