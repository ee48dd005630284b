//! `switchboard sim smsc | modem`: the simulators on their own.

use std::net::SocketAddr;
use std::path::PathBuf;

pub async fn smsc(
    config: Option<PathBuf>,
    listen: Option<SocketAddr>,
    control: Option<SocketAddr>,
    dlr_delay_ms: Option<u64>,
) -> Result<(), String> {
    let mut cfg = match config {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => switchboard_sim::SmscConfig::default(),
    };
    if let Some(l) = listen {
        cfg.listen = l;
    }
    if let Some(c) = control {
        cfg.control_listen = Some(c);
    }
    if let Some(d) = dlr_delay_ms {
        cfg.dlr_delay_ms = d;
    }
    switchboard_sim::run_cli(cfg)
        .await
        .map_err(|e| e.to_string())
}
