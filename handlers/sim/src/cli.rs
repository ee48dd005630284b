//! `switchboard sim smsc`: run the simulator in the foreground.

use crate::config::SmscConfig;
use crate::server::Smsc;
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
