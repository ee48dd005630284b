//! The recovery ladder for a modem that stopped answering: each rung costs
//! more and disturbs more than the one before. The last rung, closing and
//! reopening the port, is the caller's (the session ends).

use crate::at::{AtClient, AtCommand, Kind};
use crate::config::ModemConfig;
use crate::init::{self, InitError, Ready};
use crate::pin::PinMemory;
use std::time::Duration;

pub enum Recovered {
    /// It answers again with its settings intact.
    Answering,
    /// It needed a fresh initialisation (or a radio restart and one).
    Reinitialised(Ready),
}

/// Time the radio gets after +CFUN=1 before initialisation starts again.
const RADIO_SETTLE: Duration = Duration::from_millis(500);

/// Climbs the ladder; `Err` says why the port has to be reopened.
pub async fn climb(
    client: &AtClient,
    cfg: &ModemConfig,
    pins: &mut PinMemory,
) -> Result<Recovered, String> {
    // 1. Retry: a single lost answer, or a modem busy for a moment.
    if init::sync(client, 2).await.is_ok() {
        // It answers; it may still have lost its settings (a silent reset).
        return match client.run(AtCommand::query("AT+CMGF?", &["+CMGF:"])).await {
            Ok(r) if r.value("+CMGF").is_some_and(|v| v.trim() == "0") => Ok(Recovered::Answering),
            _ => reinit(client, cfg, pins).await,
        };
    }
    tracing::warn!(modem = %cfg.name, "modem does not answer AT: initialising again");
    // 2. Re-initialise: ATZ and every setting.
    if let Ok(r) = reinit(client, cfg, pins).await {
        return Ok(r);
    }
    // 3. Restart the radio: minimum functionality, then full again.
    tracing::warn!(modem = %cfg.name, "restarting the radio (+CFUN=0/1)");
    let _ = client
        .run(AtCommand::set("AT+CFUN=0").with_kind(Kind::Slow))
        .await;
    let _ = client
        .run(AtCommand::set("AT+CFUN=1").with_kind(Kind::Slow))
        .await;
    tokio::time::sleep(RADIO_SETTLE).await;
    reinit(client, cfg, pins).await
}

async fn reinit(
    client: &AtClient,
    cfg: &ModemConfig,
    pins: &mut PinMemory,
) -> Result<Recovered, String> {
    match init::initialise(client, cfg, pins).await {
        Ok(r) => Ok(Recovered::Reinitialised(r)),
        Err(InitError::Unresponsive(e)) => Err(format!("modem does not answer: {e}")),
        Err(e) => Err(e.to_string()),
    }
}
