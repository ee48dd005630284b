//! The AT engine: owns the port, keeps one command in flight, gives each
//! response line to the command that expects it and every other line to
//! the unsolicited side.

use super::command::{
    AtCommand, AtError, CommandError, EngineEvent, InfoLine, Kind, Reply, Unsolicited,
};
use super::final_result::FinalResult;
use super::lines::{LineSplitter, Piece};
use super::unsolicited::{has_pdu_line, is_hex_line, looks_unsolicited};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;
/// After a timeout, how long to keep dropping late answers once the modem
/// answered the resynchronising `AT` again.
const SETTLE: Duration = Duration::from_millis(150);

/// Time allowed per kind of command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub quick: Duration,
    pub send: Duration,
    pub call: Duration,
    pub slow: Duration,
}

impl Timeouts {
    fn of(&self, kind: Kind) -> Duration {
        match kind {
            Kind::Quick => self.quick,
            Kind::Send => self.send,
            Kind::Call => self.call,
            Kind::Slow => self.slow,
        }
    }
}

struct Request {
    cmd: AtCommand,
    reply: oneshot::Sender<Result<Reply, AtError>>,
}

/// A handle to send commands through one engine; cheap to clone. Commands
/// from all clones are carried out one at a time, in the order sent.
#[derive(Clone, Debug)]
pub struct AtClient {
    tx: mpsc::UnboundedSender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("cmd", &self.cmd.line)
            .finish()
    }
}

impl AtClient {
    /// Runs a command and returns whatever final result it got.
    pub async fn run(&self, cmd: AtCommand) -> Result<Reply, AtError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Request { cmd, reply: tx })
            .map_err(|_| AtError::Closed("engine stopped".into()))?;
        rx.await
            .unwrap_or_else(|_| Err(AtError::Closed("engine stopped".into())))
    }

    /// Runs a command that must end in OK.
    pub async fn ok(&self, cmd: AtCommand) -> Result<Reply, CommandError> {
        let line = cmd.line.clone();
        let reply = self.run(cmd).await?;
        if reply.result.is_ok() {
            Ok(reply)
        } else {
            Err(CommandError::Refused {
                command: line,
                result: reply.result,
            })
        }
    }

    /// A settings command that must end in OK.
    pub async fn set(&self, line: &str) -> Result<Reply, CommandError> {
        self.ok(AtCommand::set(line)).await
    }
}

/// Starts an engine over `io`. It stops when the port closes or every
/// client is dropped; aborting its task closes the port.
pub fn start<T>(
    io: T,
    timeouts: Timeouts,
    events: mpsc::UnboundedSender<EngineEvent>,
) -> (AtClient, JoinHandle<()>)
where
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(io, timeouts, rx, events));
    (AtClient { tx }, task)
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    AwaitPrompt,
    AwaitFinal,
}

/// The command being carried out: a request, or the `AT` that resynchronises
/// after a timeout (then the request waits in `held`).
struct InFlight {
    request: Option<Request>,
    line: String,
    kind: Kind,
    info: Vec<InfoLine>,
    pending_pdu: bool,
    phase: Phase,
    deadline: Instant,
    timeout: Duration,
}

struct Engine<W> {
    wr: W,
    timeouts: Timeouts,
    events: mpsc::UnboundedSender<EngineEvent>,
    inflight: Option<InFlight>,
    /// A request waiting for resynchronisation to finish.
    held: Option<Request>,
    /// Lines after a timeout may answer the old command: resynchronise first.
    desync: bool,
    settle_until: Option<Instant>,
    /// A `+CMT:` / `+CDS:` header waiting for its PDU line.
    urc_header: Option<Unsolicited>,
}

async fn run<T>(
    io: T,
    timeouts: Timeouts,
    mut requests: mpsc::UnboundedReceiver<Request>,
    events: mpsc::UnboundedSender<EngineEvent>,
) where
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, wr): (ReadHalf<T>, WriteHalf<T>) = tokio::io::split(io);
    let mut engine = Engine {
        wr,
        timeouts,
        events,
        inflight: None,
        held: None,
        desync: false,
        settle_until: None,
        urc_header: None,
    };
    let mut splitter = LineSplitter::new();
    let mut buf = vec![0u8; 2048];
    loop {
        let deadline = engine.deadline();
        let idle = engine.inflight.is_none() && engine.held.is_none();
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) => return engine.closed("end of file on the port".into()),
                Err(e) => return engine.closed(e.to_string()),
                Ok(n) => {
                    let bytes = buf.get(..n).unwrap_or(&[]);
                    tracing::trace!(bytes = ?String::from_utf8_lossy(bytes), "modem wrote");
                    for piece in splitter.feed(bytes) {
                        if let Err(e) = engine.on_piece(piece).await {
                            return engine.closed(e);
                        }
                    }
                    if engine.awaiting_prompt() && splitter.take_bare_prompt()
                        && let Err(e) = engine.on_piece(Piece::Prompt).await
                    {
                        return engine.closed(e);
                    }
                }
            },
            req = requests.recv(), if idle => match req {
                None => return,
                Some(req) => if let Err(e) = engine.begin(req).await {
                    return engine.closed(e);
                },
            },
            _ = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                if let Err(e) = engine.on_deadline().await {
                    return engine.closed(e);
                }
            }
        }
    }
}

impl<W: AsyncWrite + Unpin> Engine<W> {
    fn deadline(&self) -> Option<Instant> {
        match (&self.inflight, self.settle_until) {
            (Some(f), _) => Some(f.deadline),
            (None, Some(t)) => Some(t),
            (None, None) => None,
        }
    }

    fn awaiting_prompt(&self) -> bool {
        self.inflight
            .as_ref()
            .is_some_and(|f| f.phase == Phase::AwaitPrompt)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        if bytes.starts_with(b"AT+CPIN=") {
            tracing::trace!("to modem: AT+CPIN=<pin>");
        } else {
            tracing::trace!(bytes = ?String::from_utf8_lossy(bytes), "to modem");
        }
        // A modem that stopped reading fills the tty buffer; never block
        // the engine on it for longer than a quick command may take.
        match tokio::time::timeout(self.timeouts.quick, async {
            self.wr.write_all(bytes).await?;
            self.wr.flush().await
        })
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("write to the port blocked".into()),
        }
    }

    async fn begin(&mut self, req: Request) -> Result<(), String> {
        if self.desync {
            self.held = Some(req);
            self.send_line("AT", None, Kind::Quick, self.timeouts.quick)
                .await
        } else {
            let line = req.cmd.line.clone();
            let kind = req.cmd.kind;
            let timeout = self.timeouts.of(kind);
            self.send_line(&line, Some(req), kind, timeout).await
        }
    }

    async fn send_line(
        &mut self,
        line: &str,
        request: Option<Request>,
        kind: Kind,
        timeout: Duration,
    ) -> Result<(), String> {
        let prompt = request.as_ref().is_some_and(|r| r.cmd.pdu.is_some());
        // The prompt comes at once; only the network's answer takes long.
        let first_wait = if prompt { self.timeouts.quick } else { timeout };
        self.inflight = Some(InFlight {
            request,
            line: line.to_owned(),
            kind,
            info: Vec::new(),
            pending_pdu: false,
            phase: if prompt {
                Phase::AwaitPrompt
            } else {
                Phase::AwaitFinal
            },
            deadline: Instant::now() + first_wait,
            timeout,
        });
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\r');
        self.write(&bytes).await
    }

    async fn on_deadline(&mut self) -> Result<(), String> {
        let Some(f) = self.inflight.take() else {
            // Settling after a resynchronisation is over: run what waited.
            self.settle_until = None;
            return match self.held.take() {
                Some(req) => self.begin(req).await,
                None => Ok(()),
            };
        };
        let after = f.timeout;
        if f.phase == Phase::AwaitPrompt {
            // Leave the PDU input mode so the next command is read as one.
            self.write(&[ESC]).await?;
        }
        tracing::debug!(command = %f.line, ?after, "modem did not answer");
        self.desync = true;
        let err = if f.phase == Phase::AwaitFinal
            && f.request.as_ref().is_some_and(|r| r.cmd.pdu.is_some())
        {
            AtError::Unconfirmed {
                command: f.line.clone(),
                reason: format!("no answer within {after:?}"),
            }
        } else {
            AtError::Timeout {
                command: f.line.clone(),
                after,
            }
        };
        if let Some(req) = f.request {
            let _ = req.reply.send(Err(err));
        }
        // A resynchronising AT that got no answer fails what waited too.
        if let Some(req) = self.held.take() {
            let _ = req.reply.send(Err(AtError::Timeout {
                command: "AT".into(),
                after,
            }));
        }
        // A dial that nobody answers in time says nothing about the modem
        // (old firmware holds ATD's OK until the call connects).
        if f.kind != Kind::Call {
            let _ = self.events.send(EngineEvent::Timeout(f.line));
        }
        Ok(())
    }

    async fn on_piece(&mut self, piece: Piece) -> Result<(), String> {
        match piece {
            Piece::Prompt => self.on_prompt().await,
            Piece::Line(line) => {
                self.on_line(line);
                Ok(())
            }
        }
    }

    async fn on_prompt(&mut self) -> Result<(), String> {
        let Some(f) = self.inflight.as_mut() else {
            return Ok(());
        };
        if f.phase != Phase::AwaitPrompt {
            return Ok(());
        }
        let Some(pdu) = f.request.as_ref().and_then(|r| r.cmd.pdu.clone()) else {
            return Ok(());
        };
        f.phase = Phase::AwaitFinal;
        f.deadline = Instant::now() + f.timeout;
        let mut bytes = pdu.into_bytes();
        bytes.push(CTRL_Z);
        self.write(&bytes).await
    }

    fn on_line(&mut self, line: String) {
        tracing::trace!(%line, "modem line");
        if let Some(mut header) = self.urc_header.take() {
            if is_hex_line(&line) {
                header.pdu = Some(line);
                self.unsolicited(header);
                return;
            }
            self.unsolicited(header);
        }
        if let Some(f) = self.inflight.as_mut() {
            if f.pending_pdu {
                f.pending_pdu = false;
                if is_hex_line(&line) {
                    if let Some(last) = f.info.last_mut() {
                        last.pdu = Some(line);
                    }
                    return;
                }
            }
            if is_echo(f, &line) {
                return;
            }
            let expect = f.request.as_ref().map(|r| r.cmd.expect);
            if let Some(result) = FinalResult::parse(&line) {
                if !result.is_call_result() || f.kind == Kind::Call {
                    self.complete(result);
                    return;
                }
            } else if let Some(expect) = expect {
                let mine =
                    expect.matches_prefix(&line) || (expect.bare && !looks_unsolicited(&line));
                if mine {
                    f.info.push(InfoLine {
                        text: line,
                        pdu: None,
                    });
                    f.pending_pdu = expect.pdu_follows;
                    return;
                }
            }
        } else if let Some(result) = FinalResult::parse(&line)
            && !result.is_call_result()
        {
            tracing::debug!(%result, "final result without a command dropped");
            return;
        }
        let u = Unsolicited {
            line,
            pdu: None,
            at: SystemTime::now(),
        };
        if has_pdu_line(&u.line) {
            self.urc_header = Some(u);
        } else {
            self.unsolicited(u);
        }
    }

    fn complete(&mut self, result: FinalResult) {
        let Some(f) = self.inflight.take() else {
            return;
        };
        match f.request {
            Some(req) => {
                let _ = req.reply.send(Ok(Reply {
                    info: f.info,
                    result,
                }));
            }
            None => {
                // The resynchronising AT was answered: wait a moment for
                // late lines, then run what waited.
                self.desync = false;
                self.settle_until = Some(Instant::now() + SETTLE);
            }
        }
    }

    fn unsolicited(&mut self, u: Unsolicited) {
        let _ = self.events.send(EngineEvent::Unsolicited(u));
    }

    fn closed(mut self, reason: String) {
        tracing::debug!(%reason, "modem port closed");
        if let Some(header) = self.urc_header.take() {
            self.unsolicited(header);
        }
        let err = AtError::Closed(reason.clone());
        if let Some(f) = self.inflight.take()
            && let Some(req) = f.request
        {
            let e = if f.phase == Phase::AwaitFinal && req.cmd.pdu.is_some() {
                AtError::Unconfirmed {
                    command: f.line,
                    reason: format!("port closed: {reason}"),
                }
            } else {
                err.clone()
            };
            let _ = req.reply.send(Err(e));
        }
        if let Some(req) = self.held.take() {
            let _ = req.reply.send(Err(err));
        }
        let _ = self.events.send(EngineEvent::Closed(reason));
    }
}

/// With echo on (before ATE0, or after a modem reset) the command line and
/// the PDU come back; they are not responses.
fn is_echo(f: &InFlight, line: &str) -> bool {
    if line.eq_ignore_ascii_case(&f.line) {
        return true;
    }
    f.request
        .as_ref()
        .and_then(|r| r.cmd.pdu.as_deref())
        .is_some_and(|pdu| line.eq_ignore_ascii_case(pdu) || line.ends_with(pdu))
}
