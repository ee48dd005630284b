//! The handler against a small SMSC over real TCP on 127.0.0.1.

mod smsc;

use bytes::BytesMut;
use rusmpp::pdus::DeliverSm;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use smsc::{Out, Seen, Smsc};
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::time::Duration;
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{
    Address, Body, Command as HostCommand, DlrState, Envelope, Event, FailureKind, HandlerHandle,
    HandlerId, HandlerState, HandlerStatus, MessageId, OutboundSms, PhoneNumber, Priority,
    channel_pair,
};
use switchboard_smpp::{BindMode, DlrIdFormat, SmppConfig};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::Encoder;

struct Host {
    handle: HandlerHandle,
    events: mpsc::UnboundedReceiver<Envelope>,
    join: JoinHandle<()>,
}

impl Host {
    fn start(cfg: SmppConfig) -> Host {
        let (tx, events) = mpsc::unbounded_channel();
        let (handle, io) = channel_pair(HandlerId::new(cfg.name.clone()), tx);
        let join = switchboard_smpp::spawn(cfg, io);
        Host {
            handle,
            events,
            join,
        }
    }

    fn send(&self, cmd: HostCommand) {
        self.handle.commands.send(cmd).unwrap();
    }

    async fn expect<T>(&mut self, secs: u64, mut f: impl FnMut(Event) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let env = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .expect("host: timed out waiting for an event")
                .expect("handler gone");
            assert_eq!(env.handler.as_str(), "test");
            if let Some(t) = f(env.event) {
                return t;
            }
        }
    }

    async fn status(&mut self, secs: u64, state: HandlerState) -> HandlerStatus {
        self.expect(secs, |e| match e {
            Event::Status(s) if s.state == state => Some(s),
            _ => None,
        })
        .await
    }
}

fn cfg(smsc: &Smsc) -> SmppConfig {
    let mut c = SmppConfig::new("test", "127.0.0.1", smsc.addr.port(), "esme");
    c.password = "pw".into();
    c.response_timeout_secs = 2;
    c.reconnect_min_secs = 1;
    c.reconnect_max_secs = 2;
    c
}

fn sms(id: i64, text: &str) -> OutboundSms {
    OutboundSms {
        id: MessageId(id),
        attempt: 1,
        to: PhoneNumber::parse_e164("+491701234567").unwrap(),
        from: Some(Address::Alphanumeric("ACME".into())),
        body: Body::Text { text: text.into() },
        report: false,
        valid_until: None,
        priority: Priority::Normal,
        concat_ref: 42,
        skip_parts: vec![],
    }
}

fn deliver_sm(esm: u8, dcs: u8, body: &[u8]) -> DeliverSm {
    DeliverSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_str("491701234567").unwrap())
        .dest_addr_ton(Ton::Unknown)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_str("4242").unwrap())
        .esm_class(EsmClass::from(esm))
        .data_coding(DataCoding::from(dcs))
        .short_message(OctetString::from_vec(body.to_vec()).unwrap())
        .build()
}

#[tokio::test]
async fn bind_submit_receipt_message_and_acks() {
    let mut smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.dlr_id_format = DlrIdFormat::Hex; // this SMSC: decimal ids, hex receipts
    let mut host = Host::start(c);

    let up = host.status(5, HandlerState::Up).await;
    assert_eq!(
        up.detail,
        format!("bound trx to 127.0.0.1:{} as esme", smsc.addr.port())
    );
    assert_eq!(up.capacity, 10);
    let (kind, version) = smsc
        .expect(5, |s| match s {
            Seen::Bind {
                kind,
                system_id,
                password,
                version,
            } => {
                assert_eq!((system_id.as_str(), password.as_str()), ("esme", "pw"));
                Some((kind, version))
            }
            _ => None,
        })
        .await;
    assert_eq!((kind, version), (CommandId::BindTransceiver, 0x34));

    // A two-part message.
    let text = "x".repeat(200);
    host.send(HostCommand::SendSms(sms(1, &text)));
    let mut joined = Vec::new();
    for part in 1..=2u8 {
        let pdu = smsc
            .expect(5, |s| match s {
                Seen::Submit { pdu, .. } => Some(pdu),
                _ => None,
            })
            .await;
        assert_eq!(u8::from(pdu.registered_delivery), 1, "request_dlr_always");
        assert_eq!(u8::from(pdu.source_addr_ton), 5);
        assert_eq!(pdu.source_addr.as_str(), "ACME");
        assert_eq!(
            (u8::from(pdu.dest_addr_ton), u8::from(pdu.dest_addr_npi)),
            (1, 1)
        );
        assert_eq!(pdu.destination_addr.as_str(), "491701234567");
        assert_eq!(u8::from(pdu.esm_class) & 0x40, 0x40);
        let (concat, payload) = text::parse_udh(pdu.short_message()).unwrap();
        let concat = concat.unwrap();
        assert_eq!((concat.reference, concat.total, concat.seq), (42, 2, part));
        joined.extend_from_slice(payload);
    }
    assert_eq!(text::decode(Coding::Gsm7, &joined), text);

    let parts = host
        .expect(5, |e| match e {
            Event::Submitted {
                id,
                attempt,
                parts,
                total_parts,
            } => {
                assert_eq!((id, attempt, total_parts), (MessageId(1), 1, 2));
                Some(parts)
            }
            _ => None,
        })
        .await;
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].seq, 1);
    // 1000 in decimal from the SMSC, normalised to hex.
    assert_eq!(parts[0].network_id.0, "3e8");
    assert_eq!(parts[1].network_id.0, "3e9");

    // The receipt for part 1, its id in hex as this SMSC writes them.
    smsc.deliver(
        77,
        deliver_sm(
            0x04,
            0,
            b"id:000003E8 sub:001 dlvrd:001 submit date:2402291340 done date:2402291345 \
              stat:DELIVRD err:000 text:xxxxxxxxxx",
        ),
    );
    let (network_id, state, recipient, prefix, ack) = host
        .expect(5, |e| match e {
            Event::DeliveryReport {
                network_id,
                state,
                recipient,
                text_prefix,
                ack,
                ..
            } => Some((network_id, state, recipient, text_prefix, ack)),
            _ => None,
        })
        .await;
    assert_eq!(network_id, parts[0].network_id);
    assert_eq!(state, DlrState::Delivered);
    assert!(matches!(recipient, Some(Address::International(_))));
    assert_eq!(prefix.as_deref(), Some("xxxxxxxxxx"));
    let ack = ack.expect("receipt held for the host's ack");
    smsc.nothing_for(300, |s| matches!(s, Seen::DeliverSmResp { .. }))
        .await;
    host.send(HostCommand::Ack(ack));
    let (seq, status) = smsc
        .expect(5, |s| match s {
            Seen::DeliverSmResp { seq, status } => Some((seq, status)),
            _ => None,
        })
        .await;
    assert_eq!((seq, status), (77, 0));

    // A message from a phone, in UCS-2; the host cannot store it: Nack.
    smsc.deliver(78, deliver_sm(0, 8, &text::encode_ucs2("Grüße")));
    let (ack, sms) = host
        .expect(5, |e| match e {
            Event::SmsReceived { ack, sms } => Some((ack, sms)),
            _ => None,
        })
        .await;
    assert_eq!(sms.body.coding, Coding::Ucs2);
    assert_eq!(text::decode(Coding::Ucs2, &sms.body.data), "Grüße");
    assert_eq!(sms.to, Address::Other("4242".into()));
    smsc.nothing_for(200, |s| matches!(s, Seen::DeliverSmResp { .. }))
        .await;
    host.send(HostCommand::Nack(ack));
    let (seq, status) = smsc
        .expect(5, |s| match s {
            Seen::DeliverSmResp { seq, status } => Some((seq, status)),
            _ => None,
        })
        .await;
    assert_eq!((seq, status), (78, 0x64));

    // A message whose UDH is broken is refused at once, no event.
    smsc.deliver(79, deliver_sm(0x40, 0, &[9, 0, 3]));
    let (seq, status) = smsc
        .expect(5, |s| match s {
            Seen::DeliverSmResp { seq, status } => Some((seq, status)),
            _ => None,
        })
        .await;
    assert_eq!((seq, status), (79, 0x01));

    // A deliver_sm rusmpp refuses (Latin-1 in the sender) still arrives,
    // and the connection survives it.
    let mut d = deliver_sm(0, 0, b"hi");
    d.source_addr_ton = Ton::Alphanumeric;
    d.source_addr = COctetString::from_str("BXNK").unwrap();
    let mut raw = BytesMut::new();
    CommandCodec::new()
        .encode(
            Command::new(CommandStatus::EsmeRok, 80, Pdu::DeliverSm(d)),
            &mut raw,
        )
        .unwrap();
    let pos = raw.windows(4).position(|w| w == b"BXNK").unwrap();
    raw[pos + 1] = 0xC4;
    smsc.send_rx(Out::Raw(raw.to_vec()));
    let (ack, sms) = host
        .expect(5, |e| match e {
            Event::SmsReceived { ack, sms } => Some((ack, sms)),
            _ => None,
        })
        .await;
    assert_eq!(sms.from, Address::Alphanumeric("BÄNK".into()));
    host.send(HostCommand::Ack(ack));
    let seq = smsc
        .expect(5, |s| match s {
            Seen::DeliverSmResp { seq, status: 0 } => Some(seq),
            _ => None,
        })
        .await;
    assert_eq!(seq, 80);

    // Shutdown unbinds and ends the task.
    host.send(HostCommand::Shutdown);
    smsc.expect(5, |s| matches!(s, Seen::Unbind).then_some(()))
        .await;
    tokio::time::timeout(Duration::from_secs(5), &mut host.join)
        .await
        .expect("handler stops")
        .unwrap();
    let last = host.status(1, HandlerState::Down).await;
    assert!(last.detail.contains("shut down"), "{}", last.detail);
}

#[tokio::test]
async fn refused_bind_is_reported_and_retried_with_backoff() {
    let mut smsc = Smsc::start("right").await;
    let mut host = Host::start(cfg(&smsc));
    let down = host
        .expect(5, |e| match e {
            Event::Status(s) if s.detail.contains("refused") => Some(s),
            _ => None,
        })
        .await;
    assert_eq!(down.state, HandlerState::Down);
    assert_eq!(down.capacity, 0);
    for needle in [
        "[[smpp]] 'test'",
        "ESME_RINVPASWD (0x0E)",
        "check password of [[smpp]] 'test'",
        "next try in",
    ] {
        assert!(down.detail.contains(needle), "{needle}: {}", down.detail);
    }

    // Submitting while down fails at once, as never written.
    host.send(HostCommand::SendSms(sms(5, "hi")));
    let failure = host
        .expect(5, |e| match e {
            Event::SubmitFailed { failure, .. } => Some(failure),
            _ => None,
        })
        .await;
    assert_eq!(failure.kind, FailureKind::Temporary { retry_after: None });
    assert!(
        failure.reason.starts_with("link down"),
        "{}",
        failure.reason
    );

    // Retries come, but not in a tight loop (reconnect_min 1s).
    let start = tokio::time::Instant::now();
    let mut binds = 0;
    while start.elapsed() < Duration::from_millis(2500) {
        if let Ok(Some(Seen::Bind { .. })) =
            tokio::time::timeout(Duration::from_millis(100), smsc.seen.recv()).await
        {
            binds += 1;
        }
    }
    assert!((1..=4).contains(&binds), "{binds} binds in 2.5s");

    // The password is fixed on the SMSC side: the link comes up.
    *smsc.behaviour.password.lock().unwrap() = "pw".into();
    host.status(5, HandlerState::Up).await;
    host.send(HostCommand::Shutdown);
}

#[tokio::test]
async fn submit_errors_are_classified() {
    let smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.throttle_backoff_ms = 300;
    let mut host = Host::start(c);
    host.status(5, HandlerState::Up).await;

    let cases = [
        (
            0x58,
            FailureKind::Temporary {
                retry_after: Some(Duration::from_millis(300)),
            },
            "ESME_RTHROTTLED (0x58)",
        ),
        (0x0B, FailureKind::Permanent, "ESME_RINVDSTADR (0x0B)"),
        (
            0x08,
            FailureKind::Temporary { retry_after: None },
            "ESME_RSYSERR (0x08)",
        ),
    ];
    for (i, (status, kind, reason)) in cases.into_iter().enumerate() {
        smsc.behaviour.submit_status.store(status, Ordering::SeqCst);
        host.send(HostCommand::SendSms(sms(10 + i as i64, "hello")));
        let (parts, failure) = host
            .expect(5, |e| match e {
                Event::SubmitFailed { parts, failure, .. } => Some((parts, failure)),
                _ => None,
            })
            .await;
        assert!(parts.is_empty());
        assert_eq!(failure.kind, kind, "0x{status:X}");
        assert_eq!(failure.code, Some(status));
        assert_eq!(failure.reason, reason);
    }
    host.send(HostCommand::Shutdown);
}

#[tokio::test]
async fn throttling_pauses_the_link_and_shows_degraded() {
    let smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.throttle_backoff_ms = 400;
    let mut host = Host::start(c);
    host.status(5, HandlerState::Up).await;

    smsc.behaviour.submit_status.store(0x58, Ordering::SeqCst);
    host.send(HostCommand::SendSms(sms(40, "hello")));
    let (mut failed, mut degraded) = (false, false);
    while !(failed && degraded) {
        host.expect(5, |e| {
            match e {
                Event::SubmitFailed { failure, .. } => {
                    assert_eq!(failure.code, Some(0x58));
                    failed = true;
                }
                Event::Status(s) if s.state == HandlerState::Degraded => {
                    assert!(s.detail.contains("ESME_RTHROTTLED"), "{}", s.detail);
                    assert_eq!(s.capacity, 10);
                    degraded = true;
                }
                _ => return None,
            }
            Some(())
        })
        .await;
    }
    // The next submit waits for the pause to end.
    smsc.behaviour.submit_status.store(0, Ordering::SeqCst);
    let start = tokio::time::Instant::now();
    host.send(HostCommand::SendSms(sms(41, "hello")));
    // Up again when the pause ends, and the message goes.
    let mut up = false;
    host.expect(5, |e| match e {
        Event::Status(s) if s.state == HandlerState::Up => {
            up = true;
            None
        }
        Event::Submitted { .. } => Some(()),
        _ => None,
    })
    .await;
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    if !up {
        host.status(5, HandlerState::Up).await;
    }
    host.send(HostCommand::Shutdown);
}

#[tokio::test]
async fn no_answer_is_uncertain_and_a_lost_link_comes_back() {
    let mut smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.response_timeout_secs = 1;
    let mut host = Host::start(c);
    host.status(5, HandlerState::Up).await;
    smsc.behaviour.answer_submits.store(false, Ordering::SeqCst);

    // No answer within the response timeout.
    host.send(HostCommand::SendSms(sms(20, "hello")));
    let failure = host
        .expect(5, |e| match e {
            Event::SubmitFailed { failure, .. } => Some(failure),
            _ => None,
        })
        .await;
    assert_eq!(failure.kind, FailureKind::Uncertain);
    assert_eq!(failure.reason, "no submit_sm_resp within 1s");

    // Written, then the SMSC drops the connection.
    host.send(HostCommand::SendSms(sms(21, "hello")));
    smsc.expect(5, |s| matches!(s, Seen::Submit { .. }).then_some(()))
        .await;
    smsc.broadcast(|| Out::Close);
    let failure = host
        .expect(5, |e| match e {
            Event::SubmitFailed {
                id: MessageId(21),
                failure,
                ..
            } => Some(failure),
            _ => None,
        })
        .await;
    assert_eq!(failure.kind, FailureKind::Uncertain);
    let down = host.status(5, HandlerState::Down).await;
    assert!(down.detail.contains("lost"), "{}", down.detail);
    assert_eq!(down.capacity, 0);
    host.status(5, HandlerState::Up).await;

    // The SMSC unbinds: answered, then bound again.
    smsc.behaviour.answer_submits.store(true, Ordering::SeqCst);
    smsc.broadcast(|| {
        Out::Command(Box::new(Command::new(
            CommandStatus::EsmeRok,
            500,
            Pdu::Unbind,
        )))
    });
    smsc.expect(5, |s| matches!(s, Seen::UnbindResp).then_some(()))
        .await;
    host.status(5, HandlerState::Down).await;
    host.status(5, HandlerState::Up).await;
    smsc.expect(5, |s| matches!(s, Seen::Bind { .. }).then_some(()))
        .await;
    host.send(HostCommand::Shutdown);
}

#[tokio::test]
async fn transmitter_and_receiver_sessions() {
    let mut smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.bind = BindMode::TransmitterReceiver;
    let mut host = Host::start(c);
    let up = host.status(5, HandlerState::Up).await;
    assert!(up.detail.starts_with("bound tx+rx"), "{}", up.detail);
    let mut kinds = vec![];
    for _ in 0..2 {
        kinds.push(
            smsc.expect(5, |s| match s {
                Seen::Bind { kind, .. } => Some(kind),
                _ => None,
            })
            .await,
        );
    }
    kinds.sort_by_key(|k| u32::from(*k));
    assert_eq!(kinds, [CommandId::BindReceiver, CommandId::BindTransmitter]);

    host.send(HostCommand::SendSms(sms(30, "hi")));
    host.expect(5, |e| matches!(e, Event::Submitted { .. }).then_some(()))
        .await;
    smsc.deliver(5, deliver_sm(0, 0, b"reply"));
    let ack = host
        .expect(5, |e| match e {
            Event::SmsReceived { ack, .. } => Some(ack),
            _ => None,
        })
        .await;
    host.send(HostCommand::Ack(ack));
    smsc.expect(5, |s| {
        matches!(s, Seen::DeliverSmResp { seq: 5, status: 0 }).then_some(())
    })
    .await;
    host.send(HostCommand::Shutdown);
}

/// Sends `n` one-part messages at once and waits for all results.
async fn burst(host: &mut Host, n: i64) -> Duration {
    let start = tokio::time::Instant::now();
    for i in 0..n {
        host.send(HostCommand::SendSms(sms(1000 + i, "throughput")));
    }
    let mut done = 0;
    while done < n {
        host.expect(60, |e| match e {
            Event::Submitted { .. } => Some(()),
            Event::SubmitFailed { failure, .. } => panic!("{failure:?}"),
            _ => None,
        })
        .await;
        done += 1;
    }
    start.elapsed()
}

/// The window is filled at once (submits are pipelined, not one by one)
/// and never overfilled. How fast that makes a bind is measured by the
/// benchmark (`scripts/bench window`), not asserted here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_pipelines_submits_and_is_never_exceeded() {
    let mut smsc = Smsc::start("pw").await;
    smsc.behaviour.delay_ms.store(1500, Ordering::SeqCst);
    let mut host = Host::start(cfg(&smsc));
    host.status(5, HandlerState::Up).await;
    for i in 0..15 {
        host.send(HostCommand::SendSms(sms(2000 + i, "pipelined")));
    }
    // All ten go out before the first answer (1.5 s away)...
    for _ in 0..10 {
        smsc.expect(1, |s| matches!(s, Seen::Submit { .. }).then_some(()))
            .await;
    }
    // ...and the eleventh waits for a free slot.
    smsc.nothing_for(1000, |s| matches!(s, Seen::Submit { .. }))
        .await;
    let mut submitted = 0;
    while submitted < 15 {
        host.expect(10, |e| match e {
            Event::Submitted { .. } => Some(()),
            Event::SubmitFailed { failure, .. } => panic!("{failure:?}"),
            _ => None,
        })
        .await;
        submitted += 1;
    }
    host.send(HostCommand::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tps_limits_the_rate() {
    let smsc = Smsc::start("pw").await;
    let mut c = cfg(&smsc);
    c.tps = Some(50.0);
    let mut host = Host::start(c);
    host.status(5, HandlerState::Up).await;
    let took = burst(&mut host, 26).await;
    // 26 tokens at 50/s: the last goes after 0.5s.
    assert!(took >= Duration::from_millis(480), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    host.send(HostCommand::Shutdown);
}

#[tokio::test]
async fn a_bad_configuration_is_reported_not_retried() {
    let mut c = SmppConfig::new("test", "127.0.0.1", 1, "esme");
    c.password = "much-too-long".into();
    let mut host = Host::start(c);
    let down = host.status(5, HandlerState::Down).await;
    assert!(
        down.detail.contains("[[smpp]] 'test': password"),
        "{}",
        down.detail
    );
    host.send(HostCommand::SendSms(sms(1, "hi")));
    let failure = host
        .expect(5, |e| match e {
            Event::SubmitFailed { failure, .. } => Some(failure),
            _ => None,
        })
        .await;
    assert!(
        failure.reason.contains("configuration error"),
        "{}",
        failure.reason
    );
    host.send(HostCommand::Shutdown);
    tokio::time::timeout(Duration::from_secs(5), &mut host.join)
        .await
        .expect("handler stops")
        .unwrap();
}
