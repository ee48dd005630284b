//! A bare ESME on rusmpp's codec: sends exactly what a test says and shows
//! everything the simulator answers.

#![allow(dead_code)]

use futures::{SinkExt, StreamExt};
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::MessageSubmissionRequestTlvValue;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, InterfaceVersion, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::net::SocketAddr;
use std::time::Duration;
use switchboard_sim::{Smsc, SmscConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

pub const SECOND: Duration = Duration::from_secs(1);

pub fn config() -> SmscConfig {
    SmscConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        control_listen: None,
        dlr_delay_ms: 0,
        first_message_id: 500,
        ..SmscConfig::default()
    }
}

pub async fn start(cfg: SmscConfig) -> Smsc {
    Smsc::start(cfg).await.expect("simulator starts")
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Trx,
    Tx,
    Rx,
}

pub struct Client {
    pub framed: Framed<TcpStream, CommandCodec>,
    seq: u32,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).await.expect("connects");
        s.set_nodelay(true).unwrap();
        Client {
            framed: Framed::new(s, CommandCodec::new().with_max_length(70 * 1024)),
            seq: 0,
        }
    }

    pub fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    pub async fn send(&mut self, cmd: Command) {
        self.framed.send(cmd).await.expect("sends");
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.framed
            .get_mut()
            .write_all(bytes)
            .await
            .expect("writes");
    }

    /// The next PDU, `None` on timeout, EOF or a decode error.
    pub async fn recv(&mut self, timeout: Duration) -> Option<Command> {
        match tokio::time::timeout(timeout, self.framed.next()).await {
            Ok(Some(Ok(c))) => Some(c),
            _ => None,
        }
    }

    pub async fn expect(&mut self) -> Command {
        self.recv(5 * SECOND).await.expect("a PDU within 5 s")
    }

    /// True when the server closed the connection within the timeout.
    pub async fn closed(&mut self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.framed.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    pub async fn bind_with(
        &mut self,
        kind: Kind,
        system_id: &str,
        password: &str,
        version: InterfaceVersion,
    ) -> Command {
        let sid = COctetString::from_string(system_id.into()).unwrap();
        let pw = COctetString::from_string(password.into()).unwrap();
        let seq = self.next_seq();
        let pdu = match kind {
            Kind::Trx => Pdu::from(
                BindTransceiver::builder()
                    .system_id(sid)
                    .password(pw)
                    .interface_version(version)
                    .build(),
            ),
            Kind::Tx => Pdu::from(
                BindTransmitter::builder()
                    .system_id(sid)
                    .password(pw)
                    .interface_version(version)
                    .build(),
            ),
            Kind::Rx => Pdu::from(
                BindReceiver::builder()
                    .system_id(sid)
                    .password(pw)
                    .interface_version(version)
                    .build(),
            ),
        };
        self.send(Command::new(CommandStatus::EsmeRok, seq, pdu))
            .await;
        let resp = self.expect().await;
        assert_eq!(resp.sequence_number(), seq);
        resp
    }

    pub async fn bind(addr: SocketAddr, kind: Kind) -> Client {
        let mut c = Client::connect(addr).await;
        let r = c
            .bind_with(kind, "switchboard", "secret", InterfaceVersion::Smpp3_4)
            .await;
        assert_eq!(r.status(), CommandStatus::EsmeRok, "bind refused: {r:?}");
        c
    }

    pub async fn submit(&mut self, sm: SubmitSm) -> u32 {
        let seq = self.next_seq();
        self.send(Command::new(CommandStatus::EsmeRok, seq, sm))
            .await;
        seq
    }

    pub async fn submit_text(&mut self, text: &str, registered_delivery: u8) -> u32 {
        self.submit(sm(text.as_bytes(), 0, registered_delivery))
            .await
    }

    pub async fn ack(&mut self, seq: u32, status: CommandStatus) {
        let resp = DeliverSmResp::builder()
            .message_id(COctetString::empty())
            .build();
        self.send(Command::new(status, seq, resp)).await;
    }

    /// The next deliver_sm, answering anything else it skips (enquire_link
    /// responses never come unasked, so nothing is lost).
    pub async fn expect_deliver(&mut self) -> Command {
        loop {
            let c = self.expect().await;
            if c.id() == CommandId::DeliverSm {
                return c;
            }
        }
    }
}

/// A submit_sm from +491701234567 to 12345.
pub fn sm(user_data: &[u8], esm_class: u8, registered_delivery: u8) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string("491701234567".into()).unwrap())
        .dest_addr_ton(Ton::Unknown)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string("12345".into()).unwrap())
        .esm_class(EsmClass::from(esm_class))
        .registered_delivery(RegisteredDelivery::from(registered_delivery))
        .data_coding(DataCoding::McSpecific)
        .short_message(OctetString::from_vec(user_data.to_vec()).unwrap())
        .build()
}

pub fn with_tlv(mut s: SubmitSm, tlv: MessageSubmissionRequestTlvValue) -> SubmitSm {
    s.push_tlv(tlv);
    s
}

pub fn message_id(resp: &Command) -> String {
    match resp.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_owned(),
        other => panic!("not a submit_sm_resp with a body: {other:?}"),
    }
}

pub fn short_message(c: &Command) -> Vec<u8> {
    match c.pdu() {
        Some(Pdu::DeliverSm(d)) => d.short_message().to_vec(),
        other => panic!("not a deliver_sm: {other:?}"),
    }
}

/// `key:value` fields of a Kannel-style receipt (`submit date` and `done
/// date` keep their space).
pub fn receipt_field(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("{key}:"))? + key.len() + 1;
    let rest = &text[start..];
    if key == "text" {
        return Some(rest.to_owned());
    }
    Some(rest.split(' ').next().unwrap_or("").to_owned())
}

/// A plain HTTP/1.1 request; (status, body).
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(5 * SECOND, s.read_to_end(&mut out))
        .await
        .expect("answer within 5 s")
        .unwrap();
    let out = String::from_utf8_lossy(&out).into_owned();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
