//! A tiny SMSC for the end-to-end tests: rusmpp's codec over real TCP on
//! 127.0.0.1, with just enough behaviour to drive the handler.

#![allow(dead_code)]

use futures::{SinkExt, StreamExt};
use rusmpp::pdus::{
    BindReceiverResp, BindTransceiverResp, BindTransmitterResp, DeliverSm, SubmitSm, SubmitSmResp,
};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::Framed;

/// What the SMSC saw.
#[derive(Debug)]
pub enum Seen {
    Bind {
        kind: CommandId,
        system_id: String,
        password: String,
        version: u8,
    },
    Submit {
        seq: u32,
        pdu: Box<SubmitSm>,
    },
    DeliverSmResp {
        seq: u32,
        status: u32,
    },
    GenericNack {
        seq: u32,
        status: u32,
    },
    Unbind,
    UnbindResp,
    Closed,
}

/// How the SMSC behaves; changeable while it runs.
#[derive(Debug)]
pub struct Behaviour {
    pub password: Mutex<String>,
    /// command_status for submit_sm_resp.
    pub submit_status: AtomicU32,
    /// Answer submits at all.
    pub answer_submits: AtomicBool,
    /// Delay before each submit_sm_resp (ms).
    pub delay_ms: AtomicU32,
    pub next_id: AtomicU32,
}

pub struct Smsc {
    pub addr: SocketAddr,
    pub behaviour: Arc<Behaviour>,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    /// Senders to each bound connection that may receive deliver_sm
    /// (trx and rx binds), newest last.
    receivers: Arc<Mutex<Vec<mpsc::UnboundedSender<Out>>>>,
    all: Arc<Mutex<Vec<mpsc::UnboundedSender<Out>>>>,
}

/// What the test makes a connection send.
#[derive(Debug)]
pub enum Out {
    Command(Box<Command>),
    Raw(Vec<u8>),
    Close,
}

impl Smsc {
    pub async fn start(password: &str) -> Smsc {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let behaviour = Arc::new(Behaviour {
            password: Mutex::new(password.to_owned()),
            submit_status: AtomicU32::new(0),
            answer_submits: AtomicBool::new(true),
            delay_ms: AtomicU32::new(0),
            next_id: AtomicU32::new(1000),
        });
        let (seen_tx, seen) = mpsc::unbounded_channel();
        let receivers = Arc::new(Mutex::new(Vec::new()));
        let all = Arc::new(Mutex::new(Vec::new()));
        {
            let behaviour = behaviour.clone();
            let receivers = receivers.clone();
            let all = all.clone();
            tokio::spawn(async move {
                while let Ok((sock, _)) = listener.accept().await {
                    sock.set_nodelay(true).unwrap();
                    tokio::spawn(connection(
                        sock,
                        behaviour.clone(),
                        seen_tx.clone(),
                        receivers.clone(),
                        all.clone(),
                    ));
                }
            });
        }
        Smsc {
            addr,
            behaviour,
            seen,
            receivers,
            all,
        }
    }

    /// Sends a deliver_sm on the newest receiving connection.
    pub fn deliver(&self, seq: u32, pdu: DeliverSm) {
        let cmd = Command::new(CommandStatus::EsmeRok, seq, Pdu::DeliverSm(pdu));
        self.send_rx(Out::Command(Box::new(cmd)));
    }

    pub fn send_rx(&self, out: Out) {
        let r = self.receivers.lock().unwrap();
        r.last().expect("a receiving bind").send(out).unwrap();
    }

    /// Sends on every live connection (unbind, close).
    pub fn broadcast(&self, make: impl Fn() -> Out) {
        for tx in self.all.lock().unwrap().iter() {
            let _ = tx.send(make());
        }
    }

    /// The next thing seen that matches, within `secs` seconds.
    pub async fn expect<T>(&mut self, secs: u64, mut f: impl FnMut(Seen) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let seen = tokio::time::timeout_at(deadline, self.seen.recv())
                .await
                .expect("SMSC: timed out waiting")
                .expect("SMSC gone");
            if let Some(t) = f(seen) {
                return t;
            }
        }
    }

    /// Nothing matching is seen for `ms` milliseconds.
    pub async fn nothing_for(&mut self, ms: u64, mut f: impl FnMut(&Seen) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(seen)) = tokio::time::timeout_at(deadline, self.seen.recv()).await {
            assert!(!f(&seen), "unexpected: {seen:?}");
        }
    }
}

type Delayed = (std::time::Instant, Command, mpsc::UnboundedSender<Command>);

/// Answers after an exact delay. tokio's timer rounds sleeps up to whole
/// milliseconds and wakes late by another one or two, which would make
/// "an SMSC that answers in 50 ms" answer in 52; an OS thread sleeping
/// until each deadline keeps the SMSC honest.
fn delay_line() -> std::sync::mpsc::Sender<Delayed> {
    let (tx, rx) = std::sync::mpsc::channel::<Delayed>();
    std::thread::spawn(move || {
        while let Ok((due, resp, out)) = rx.recv() {
            let now = std::time::Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            let _ = out.send(resp);
        }
    });
    tx
}

async fn connection(
    sock: TcpStream,
    behaviour: Arc<Behaviour>,
    seen: mpsc::UnboundedSender<Seen>,
    receivers: Arc<Mutex<Vec<mpsc::UnboundedSender<Out>>>>,
    all: Arc<Mutex<Vec<mpsc::UnboundedSender<Out>>>>,
) {
    let mut framed = Framed::new(sock, CommandCodec::new());
    let delayer = delay_line();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Out>();
    // Delayed responses are written by the connection loop too.
    let (resp_tx, mut resp_rx) = mpsc::unbounded_channel::<Command>();
    all.lock().unwrap().push(out_tx.clone());
    loop {
        tokio::select! {
            cmd = framed.next() => {
                let Some(Ok(cmd)) = cmd else {
                    let _ = seen.send(Seen::Closed);
                    return;
                };
                let seq = cmd.sequence_number();
                let reply = |pdu: Pdu, status: CommandStatus| Command::new(status, seq, pdu);
                match cmd.id() {
                    CommandId::BindTransceiver | CommandId::BindTransmitter | CommandId::BindReceiver => {
                        let (system_id, password, version) = match cmd.pdu() {
                            Some(Pdu::BindTransceiver(b)) => (b.system_id.to_string(), b.password.to_string(), u8::from(b.interface_version)),
                            Some(Pdu::BindTransmitter(b)) => (b.system_id.to_string(), b.password.to_string(), u8::from(b.interface_version)),
                            Some(Pdu::BindReceiver(b)) => (b.system_id.to_string(), b.password.to_string(), u8::from(b.interface_version)),
                            _ => unreachable!(),
                        };
                        let ok = password == *behaviour.password.lock().unwrap();
                        let status = if ok { CommandStatus::EsmeRok } else { CommandStatus::EsmeRinvpaswd };
                        let sid = COctetString::from_str("minismsc").unwrap();
                        let pdu = match cmd.id() {
                            CommandId::BindTransceiver => Pdu::BindTransceiverResp(BindTransceiverResp::builder().system_id(sid).build()),
                            CommandId::BindTransmitter => Pdu::BindTransmitterResp(BindTransmitterResp::builder().system_id(sid).build()),
                            _ => Pdu::BindReceiverResp(BindReceiverResp::builder().system_id(sid).build()),
                        };
                        if ok && cmd.id() != CommandId::BindTransmitter {
                            receivers.lock().unwrap().push(out_tx.clone());
                        }
                        let _ = seen.send(Seen::Bind { kind: cmd.id(), system_id, password, version });
                        framed.send(reply(pdu, status)).await.unwrap();
                    }
                    CommandId::SubmitSm => {
                        let Some(Pdu::SubmitSm(s)) = cmd.pdu() else { unreachable!() };
                        let _ = seen.send(Seen::Submit { seq, pdu: Box::new(s.clone()) });
                        if !behaviour.answer_submits.load(Ordering::SeqCst) {
                            continue;
                        }
                        let status = behaviour.submit_status.load(Ordering::SeqCst);
                        let id = behaviour.next_id.fetch_add(1, Ordering::SeqCst);
                        let resp = SubmitSmResp::builder()
                            .message_id(COctetString::from_str(&id.to_string()).unwrap())
                            .build();
                        let resp = reply(Pdu::SubmitSmResp(resp), CommandStatus::from(status));
                        let delay = behaviour.delay_ms.load(Ordering::SeqCst);
                        if delay == 0 {
                            framed.send(resp).await.unwrap();
                        } else {
                            let due = std::time::Instant::now() + Duration::from_millis(u64::from(delay));
                            let _ = delayer.send((due, resp, resp_tx.clone()));
                        }
                    }
                    CommandId::EnquireLink => {
                        framed.send(reply(Pdu::EnquireLinkResp, CommandStatus::EsmeRok)).await.unwrap();
                    }
                    CommandId::Unbind => {
                        let _ = seen.send(Seen::Unbind);
                        let _ = framed.send(reply(Pdu::UnbindResp, CommandStatus::EsmeRok)).await;
                        let _ = seen.send(Seen::Closed);
                        return;
                    }
                    CommandId::UnbindResp => {
                        let _ = seen.send(Seen::UnbindResp);
                    }
                    CommandId::DeliverSmResp => {
                        let _ = seen.send(Seen::DeliverSmResp { seq, status: u32::from(cmd.status()) });
                    }
                    CommandId::GenericNack => {
                        let _ = seen.send(Seen::GenericNack { seq, status: u32::from(cmd.status()) });
                    }
                    _ => {}
                }
            }
            Some(resp) = resp_rx.recv() => {
                if framed.send(resp).await.is_err() {
                    return;
                }
            }
            Some(out) = out_rx.recv() => match out {
                Out::Command(c) => framed.send(*c).await.unwrap(),
                Out::Raw(bytes) => {
                    framed.get_mut().write_all(&bytes).await.unwrap();
                }
                Out::Close => {
                    let _ = seen.send(Seen::Closed);
                    return;
                }
            }
        }
    }
}
