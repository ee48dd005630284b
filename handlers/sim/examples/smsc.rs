//! The simulator on its own with the default config (SMPP on 127.0.0.1:2775,
//! control API on 127.0.0.1:2776), as `switchboard sim smsc` runs it.
//!
//! cargo run -p switchboard-sim --example smsc

fn main() -> std::io::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(switchboard_sim::run_cli(
            switchboard_sim::SmscConfig::default(),
        ))
}
