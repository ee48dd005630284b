//! Serving the host while the modem cannot work: sends are refused at once
//! (so the host fails over), acknowledgements are kept for later, calls
//! cannot be placed.

use crate::emit::Emitter;
use crate::receive::Inbox;
use crate::send;
use std::future::Future;
use std::time::SystemTime;
use switchboard_protocol::{CallCommand, CallEnd, CallProgress, Command, Event};
use tokio::sync::mpsc;

/// The host asked the handler to stop (or went away).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown;

/// Handles one command while the modem is down. `Err(Shutdown)` to stop.
pub fn handle(
    cmd: Option<Command>,
    inbox: &mut Inbox,
    emitter: &Emitter,
    why: &str,
) -> Result<(), Shutdown> {
    match cmd {
        None | Some(Command::Shutdown) => return Err(Shutdown),
        Some(Command::SendSms(sms)) => send::refuse(emitter, &sms, why),
        // No port: the deletion is owed and done by the next session.
        Some(Command::Ack(t)) => inbox.ack_offline(t),
        Some(Command::Nack(t)) => inbox.nack(t),
        Some(Command::Call(CallCommand::Dial { call, .. })) => {
            emitter.emit(Event::CallProgress {
                call,
                progress: CallProgress::Ended {
                    end: CallEnd::Failed {
                        reason: format!("line down: {why}"),
                    },
                },
                at: SystemTime::now(),
            });
        }
        Some(Command::Call(other)) => {
            tracing::debug!(modem = %emitter.id, ?other, "call command while the modem is down");
        }
        Some(other) => tracing::debug!(modem = %emitter.id, ?other, "command not for a modem"),
    }
    Ok(())
}

/// Runs `fut` while serving commands as down. `Err(Shutdown)` drops `fut`.
pub async fn serving<F: Future>(
    fut: F,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    inbox: &mut Inbox,
    emitter: &Emitter,
    why: &str,
) -> Result<F::Output, Shutdown> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Ok(out),
            cmd = commands.recv() => handle(cmd, inbox, emitter, why)?,
        }
    }
}
