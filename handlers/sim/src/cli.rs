//! `switchboard sim smsc`: run the simulator in the foreground.

use crate::config::SmscConfig;
use crate::smsc::Smsc;
use std::io;

/// Starts the simulator, says where it listens and how to poke it, and runs
/// until Ctrl-C.
pub async fn run_cli(cfg: SmscConfig) -> io::Result<()> {
    let smsc = Smsc::start(cfg).await?;
    let c = smsc.config();
    println!(
        "simulated SMSC (SMPP 3.4/5.0) listening on {}",
        smsc.local_addr()
    );
    println!("accounts (system_id / password):");
    for a in &c.accounts {
        println!("  {} / {}", a.system_id, a.password);
    }
    println!(
        "delivery reports: {:?} style after {} ms; message ids in {:?}",
        c.dlr, c.dlr_delay_ms, c.id_format
    );
    match smsc.control_addr() {
        Some(addr) => {
            println!("control API: http://{addr}");
            println!("  send an SMS to the gateway (MO):");
            println!(
                "    curl -X POST http://{addr}/mo -H 'content-type: application/json' \\\n      -d '{{\"from\":\"+491701234567\",\"to\":\"12345\",\"text\":\"hello\"}}'"
            );
            println!("  counters:          curl http://{addr}/stats");
            println!("  received messages: curl http://{addr}/messages");
            println!(
                "  inject faults:     curl -X POST http://{addr}/faults -d '{{\"throttle_rate\":0.1}}'"
            );
            println!("  drop connections:  curl -X POST http://{addr}/drop");
        }
        None => println!("control API: off (set control_listen to enable it)"),
    }
    println!("Ctrl-C stops.");
    let signal = tokio::signal::ctrl_c().await;
    println!("stopping");
    smsc.stop().await;
    signal
}

/// The flags of `switchboard sim modem`.
#[derive(Debug, Clone, Default)]
pub struct ModemCliOptions {
    pub profile: crate::modem::Profile,
    /// Where the stable link to the pty goes (default: a temp dir's ttyUSB0).
    pub link: Option<std::path::PathBuf>,
    /// Serve raw TCP (as ser2net) instead of a pty.
    pub tcp: Option<std::net::SocketAddr>,
    /// HTTP control API address.
    pub control: Option<std::net::SocketAddr>,
    /// Time a +CMGS takes, in ms; with it, the other delays are realistic too.
    pub delay_ms: Option<u64>,
    /// The SIM's own number (+CNUM).
    pub number: Option<String>,
    /// A SIM PIN the client must enter.
    pub pin: Option<String>,
}

/// `switchboard sim modem`: a simulated modem in the foreground, until Ctrl-C.
pub async fn run_modem_cli(opts: ModemCliOptions) -> Result<(), String> {
    use crate::modem::{ModemSim, ModemSimConfig, Timing, Transport};
    let mut cfg = ModemSimConfig {
        profile: opts.profile,
        number: opts.number,
        pin: opts.pin,
        control_listen: opts.control,
        transport: match opts.tcp {
            Some(listen) => Transport::Tcp { listen },
            None => Transport::Pty { link: opts.link },
        },
        ..ModemSimConfig::default()
    };
    if let Some(ms) = opts.delay_ms {
        cfg.timing = Timing {
            cmgs_ms: ms,
            ..Timing::realistic()
        };
    }
    let sim = ModemSim::start(cfg).await.map_err(|e| e.to_string())?;
    println!(
        "simulated {} modem on {}",
        sim.config().profile.name(),
        sim.device()
    );
    if let Some(tty) = sim.tty() {
        println!("  (link to {})", tty.display());
    }
    match sim.control_addr() {
        Some(addr) => {
            println!("control API: http://{addr}");
            println!(
                "  incoming SMS:  curl -X POST http://{addr}/sms -d '{{\"from\":\"+491701234567\",\"text\":\"hello\"}}'"
            );
            println!(
                "  incoming call: curl -X POST http://{addr}/call -d '{{\"caller\":{{\"type\":\"number\",\"value\":\"+491701234567\"}},\"rings\":3}}'"
            );
            println!("  faults:        curl -X POST http://{addr}/faults -d '{{\"hang\":true}}'");
            println!(
                "  unplug/replug: curl -X POST http://{addr}/unplug ; curl -X POST http://{addr}/replug"
            );
            println!("  sent SMS:      curl http://{addr}/sent    AT log: curl http://{addr}/log");
        }
        None => println!("control API: off (--control 127.0.0.1:PORT enables it)"),
    }
    println!("Ctrl-C stops.");
    let signal = tokio::signal::ctrl_c().await;
    println!("stopping");
    sim.stop().await;
    signal.map_err(|e| e.to_string())
}
