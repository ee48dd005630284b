//! How many submit_sm per second the simulator answers (and how many
//! delivery reports it sends), driven by a pipelining ESME in the same
//! process on a 2-thread runtime.
//!
//! cargo run --release -p switchboard-sim --example sim_load -- \
//!     [total=200000] [connections=2] [window=100] [dlr=1] [record=0]

use futures::{SinkExt, StreamExt};
use rusmpp::pdus::{BindTransceiver, DeliverSmResp, SubmitSm};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard_sim::{Smsc, SmscConfig};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::codec::Framed;

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .filter_map(|a| {
            let (k, v) = a.split_once('=')?;
            (k == name).then(|| v.parse().ok()).flatten()
        })
        .next()
        .unwrap_or(default)
}

struct Totals {
    resps: AtomicU64,
    dlrs: AtomicU64,
}

fn main() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> std::io::Result<()> {
    let total = arg("total", 200_000);
    let conns = arg("connections", 2).max(1);
    let window = arg("window", 100).max(1) as usize;
    let dlr = arg("dlr", 1) != 0;
    let smsc = Smsc::start(SmscConfig {
        listen: "127.0.0.1:0".parse().map_err(std::io::Error::other)?,
        control_listen: None,
        dlr_delay_ms: 0,
        record: arg("record", 0) != 0,
        ..SmscConfig::default()
    })
    .await?;
    let totals = Arc::new(Totals {
        resps: AtomicU64::new(0),
        dlrs: AtomicU64::new(0),
    });
    let per_conn = total / conns;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let addr = smsc.local_addr();
        let totals = totals.clone();
        tasks.push(tokio::spawn(async move {
            connection(addr, per_conn, window, dlr, totals).await
        }));
    }
    for t in tasks {
        t.await.map_err(std::io::Error::other)??;
    }
    let took = start.elapsed();
    let resps = totals.resps.load(Ordering::Relaxed);
    let dlrs = totals.dlrs.load(Ordering::Relaxed);
    println!(
        "{resps} submit_sm_resp and {dlrs} delivery reports in {:.2} s: {:.0} submits/s \
         ({conns} connections, window {window})",
        took.as_secs_f64(),
        resps as f64 / took.as_secs_f64()
    );
    println!("{:?}", smsc.stats());
    smsc.stop().await;
    Ok(())
}

async fn connection(
    addr: std::net::SocketAddr,
    n: u64,
    window: usize,
    dlr: bool,
    totals: Arc<Totals>,
) -> std::io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut framed = Framed::new(stream, CommandCodec::new());
    let bind = BindTransceiver::builder()
        .system_id(COctetString::from_string("switchboard".into()).map_err(io)?)
        .password(COctetString::from_string("secret".into()).map_err(io)?)
        .build();
    framed
        .send(Command::new(CommandStatus::EsmeRok, 1, bind))
        .await
        .map_err(io)?;
    let _ = framed.next().await;
    let (mut sink, mut stream) = framed.split();

    let sm = SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string("491701234567".into()).map_err(io)?)
        .destination_addr(COctetString::from_string("491709876543".into()).map_err(io)?)
        .registered_delivery(RegisteredDelivery::from(u8::from(dlr)))
        .short_message(OctetString::from_vec(b"benchmark message".to_vec()).map_err(io)?)
        .build();
    let permits = Arc::new(Semaphore::new(window));
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<u32>();
    let expected_dlrs = if dlr { n } else { 0 };

    let reader_permits = permits.clone();
    let reader = tokio::spawn(async move {
        let (mut resps, mut dlrs) = (0u64, 0u64);
        while resps < n || dlrs < expected_dlrs {
            let Ok(Some(Ok(cmd))) =
                tokio::time::timeout(Duration::from_secs(10), stream.next()).await
            else {
                break;
            };
            match cmd.id() {
                CommandId::SubmitSmResp => {
                    resps += 1;
                    reader_permits.add_permits(1);
                }
                CommandId::DeliverSm => {
                    dlrs += 1;
                    let _ = ack_tx.send(cmd.sequence_number());
                }
                _ => {}
            }
        }
        (resps, dlrs)
    });

    let mut sent = 0u64;
    let mut seq = 1u32;
    loop {
        tokio::select! {
            biased;
            a = ack_rx.recv() => match a {
                Some(s) => sink.feed(ack(s)).await.map_err(io)?,
                None => break,
            },
            p = permits.acquire(), if sent < n => {
                p.map_err(io)?.forget();
                seq += 1;
                sent += 1;
                sink.feed(Command::new(CommandStatus::EsmeRok, seq, sm.clone())).await.map_err(io)?;
            }
        }
        while let Ok(s) = ack_rx.try_recv() {
            sink.feed(ack(s)).await.map_err(io)?;
        }
        while sent < n {
            let Ok(p) = permits.try_acquire() else { break };
            p.forget();
            seq += 1;
            sent += 1;
            sink.feed(Command::new(CommandStatus::EsmeRok, seq, sm.clone()))
                .await
                .map_err(io)?;
        }
        sink.flush().await.map_err(io)?;
        if reader.is_finished() {
            break;
        }
    }
    let (resps, dlrs) = reader.await.map_err(io)?;
    totals.resps.fetch_add(resps, Ordering::Relaxed);
    totals.dlrs.fetch_add(dlrs, Ordering::Relaxed);
    Ok(())
}

fn ack(seq: u32) -> Command {
    let resp = DeliverSmResp::builder()
        .message_id(COctetString::empty())
        .build();
    Command::new(CommandStatus::EsmeRok, seq, Pdu::from(resp))
}

fn io<E: std::fmt::Display>(e: E) -> std::io::Error {
    std::io::Error::other(e.to_string())
}
