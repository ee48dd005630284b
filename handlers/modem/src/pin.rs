//! SIM PIN: entered once when the SIM asks; a PIN the SIM refused is never
//! sent again (three wrong tries lock the SIM and need the PUK).

use crate::at::{AtClient, AtCommand, CommandError, FinalResult};
use std::time::Duration;

/// What the handler remembers across re-opens of the port: whether the
/// configured PIN was refused.
#[derive(Debug, Default)]
pub struct PinMemory {
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error(
        "SIM refused the PIN ({0}): check `pin` of [[modem]] '{1}' (modem[..].pin); it is not tried again because a SIM locks after 3 wrong PINs"
    )]
    Refused(String, String),
    #[error(
        "SIM refused the PIN earlier ({0}); not tried again: fix `pin` of [[modem]] '{1}' (modem[..].pin) and restart"
    )]
    RefusedBefore(String, String),
    #[error("SIM asks for a PIN: set `pin` of [[modem]] '{0}' (modem[..].pin)")]
    Needed(String),
    #[error("SIM is locked and asks for its PUK ({0}): unlock it in a phone")]
    Puk(String),
    #[error("no SIM in the modem (or it is not seated)")]
    NotInserted,
    #[error("SIM not usable: {0}")]
    Other(String),
    #[error(transparent)]
    Command(#[from] CommandError),
}

enum SimState {
    Ready,
    Pin,
    Puk(String),
    NotInserted,
    Busy,
    Other(String),
}

async fn read_state(client: &AtClient) -> Result<SimState, CommandError> {
    let reply = client
        .run(AtCommand::query("AT+CPIN?", &["+CPIN:"]))
        .await?;
    Ok(match &reply.result {
        FinalResult::Ok => match reply
            .value("+CPIN")
            .map(|v| v.trim_matches('"').to_ascii_uppercase())
        {
            Some(v) if v == "READY" => SimState::Ready,
            Some(v) if v == "SIM PIN" => SimState::Pin,
            Some(v) if v.contains("PUK") => SimState::Puk(v),
            Some(v) => SimState::Other(v),
            None => SimState::Other("no +CPIN answer".into()),
        },
        FinalResult::Cme(e) | FinalResult::Cms(e) => match e.code {
            Some(10) | Some(310) => SimState::NotInserted,
            Some(14) | Some(314) => SimState::Busy,
            _ => SimState::Other(reply.result.to_string()),
        },
        other => SimState::Other(other.to_string()),
    })
}

/// Makes sure the SIM is ready, entering the configured PIN at most once
/// for the life of the handler.
pub async fn unlock(
    client: &AtClient,
    name: &str,
    pin: Option<&str>,
    memory: &mut PinMemory,
    busy_wait: Duration,
) -> Result<(), PinError> {
    let mut entered = false;
    // A SIM is "busy" for a few seconds after power-on; a PIN just entered
    // takes a moment to be checked.
    for _ in 0..20 {
        match read_state(client).await? {
            SimState::Ready => return Ok(()),
            SimState::Busy => {}
            SimState::NotInserted => return Err(PinError::NotInserted),
            SimState::Puk(v) => return Err(PinError::Puk(v)),
            SimState::Other(v) => return Err(PinError::Other(v)),
            SimState::Pin => {
                if let Some(why) = &memory.refused {
                    return Err(PinError::RefusedBefore(why.clone(), name.to_owned()));
                }
                let Some(pin) = pin else {
                    return Err(PinError::Needed(name.to_owned()));
                };
                if entered {
                    // Accepted with OK, yet still asking: do not send it
                    // again, count it as refused.
                    let why = "SIM still asks for the PIN after it was entered".to_owned();
                    memory.refused = Some(why.clone());
                    return Err(PinError::Refused(why, name.to_owned()));
                }
                entered = true;
                tracing::info!(modem = name, "entering the SIM PIN");
                let line = format!("AT+CPIN=\"{pin}\"");
                let reply = client
                    .run(AtCommand::set(line))
                    .await
                    .map_err(CommandError::from)?;
                if !reply.result.is_ok() {
                    // Whatever the refusal, a retry could cost one of the
                    // three tries: remember it and stop.
                    let why = reply.result.to_string();
                    memory.refused = Some(why.clone());
                    return Err(PinError::Refused(why, name.to_owned()));
                }
            }
        }
        tokio::time::sleep(busy_wait).await;
    }
    Err(PinError::Other("SIM stayed busy".into()))
}
