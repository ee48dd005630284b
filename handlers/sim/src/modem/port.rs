//! The modem's port: moves bytes between the AT interpreter and a client
//! through a pty master or a TCP connection, and tells the interpreter when
//! a client opens or closes the port. One task per plug-in; unplugging
//! cancels it, which closes the pty master (the client's reads fail with
//! EIO, as when a USB device goes away) or the TCP listener.

use super::pty;
use nix::errno::Errno;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What the port tells the interpreter.
#[derive(Debug)]
pub(crate) enum Input {
    /// A client opened the port.
    Opened,
    /// The client closed it.
    Closed,
    Bytes(Vec<u8>),
    /// A new port is there; the modem powers on and writes to `Sink`.
    Plugged(Sink),
    /// The port is gone; the modem is off.
    Unplugged,
}

/// Where the interpreter writes; bytes sent while no client has the port
/// open are lost, as a real modem's are.
pub(crate) type Sink = mpsc::UnboundedSender<Vec<u8>>;

/// How often to look for a client while nobody has the pty open (the
/// master only says "hung up" then, so it cannot be waited on).
const NO_CLIENT_POLL: Duration = Duration::from_millis(10);

pub(crate) struct PortTask {
    cancel: CancellationToken,
    input: mpsc::UnboundedSender<Input>,
    tty: Option<(PathBuf, PathBuf)>,
    tcp_addr: Option<SocketAddr>,
}

impl PortTask {
    /// A new pty behind `link`.
    pub fn pty(
        link: &std::path::Path,
        input: mpsc::UnboundedSender<Input>,
        tracker: &TaskTracker,
    ) -> Result<PortTask, String> {
        let p = pty::open(link)?;
        let cancel = CancellationToken::new();
        let (sink, out) = mpsc::unbounded_channel();
        let _ = input.send(Input::Plugged(sink.clone()));
        tracker.spawn(run_pty(p.master, out, input.clone(), cancel.clone()));
        Ok(PortTask {
            cancel,
            input,
            tty: Some((link.to_path_buf(), p.tty)),
            tcp_addr: None,
        })
    }

    /// A TCP listener on `addr` (port 0 picks one).
    pub async fn tcp(
        addr: SocketAddr,
        input: mpsc::UnboundedSender<Input>,
        tracker: &TaskTracker,
    ) -> Result<PortTask, String> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("tcp {addr}: {e}"))?;
        let bound = listener
            .local_addr()
            .map_err(|e| format!("tcp {addr}: {e}"))?;
        let cancel = CancellationToken::new();
        let (sink, out) = mpsc::unbounded_channel();
        let _ = input.send(Input::Plugged(sink.clone()));
        tracker.spawn(run_tcp(listener, out, input.clone(), cancel.clone()));
        Ok(PortTask {
            cancel,
            input,
            tty: None,
            tcp_addr: Some(bound),
        })
    }

    pub fn tty(&self) -> Option<PathBuf> {
        self.tty.as_ref().map(|(_, t)| t.clone())
    }

    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// Pulls the plug: removes the link, closes the port, and tells the
    /// modem it is off.
    pub fn close(self) {
        if let Some((link, tty)) = &self.tty {
            pty::remove_link(link, tty);
        }
        self.cancel.cancel();
        let _ = self.input.send(Input::Unplugged);
    }
}

enum Read {
    Data(usize),
    /// Nothing to read now (a client has the slave open).
    Empty,
    /// No client has the slave open.
    NoClient,
}

fn read_master(fd: &OwnedFd, buf: &mut [u8]) -> std::io::Result<Read> {
    match nix::unistd::read(fd, buf) {
        Ok(0) => Ok(Read::NoClient),
        Ok(n) => Ok(Read::Data(n)),
        Err(Errno::EAGAIN) => Ok(Read::Empty),
        Err(Errno::EIO) => Ok(Read::NoClient),
        Err(e) => Err(std::io::Error::from(e)),
    }
}

async fn write_master(fd: &AsyncFd<OwnedFd>, mut bytes: &[u8]) -> Result<(), ()> {
    while !bytes.is_empty() {
        let mut guard = fd.writable().await.map_err(|_| ())?;
        match guard.try_io(|f| nix::unistd::write(f.get_ref(), bytes).map_err(std::io::Error::from))
        {
            Ok(Ok(n)) => bytes = &bytes[n..],
            Ok(Err(_)) => return Err(()),
            Err(_would_block) => continue,
        }
    }
    Ok(())
}

/// Watches a master through tokio while a client has the slave open.
fn register(fd: OwnedFd) -> std::io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd stays open and names the same descriptor until it
    // is dropped or taken back with `into_inner`.
    unsafe { AsyncFd::register(fd) }.map_err(|e| e.into_parts().1)
}

async fn run_pty(
    master: OwnedFd,
    mut out: mpsc::UnboundedReceiver<Vec<u8>>,
    input: mpsc::UnboundedSender<Input>,
    cancel: CancellationToken,
) {
    let mut buf = vec![0u8; 4096];
    let mut master = master;
    loop {
        // Nobody has the port open: the master reports a hang-up, which
        // cannot be waited on, so look every few milliseconds.
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(NO_CLIENT_POLL) => {}
                Some(_) = out.recv() => continue,
            }
            match read_master(&master, &mut buf) {
                Ok(Read::NoClient) => continue,
                Ok(Read::Empty) => {
                    let _ = input.send(Input::Opened);
                }
                Ok(Read::Data(n)) => {
                    let _ = input.send(Input::Opened);
                    let _ = input.send(Input::Bytes(buf[..n].to_vec()));
                }
                Err(e) => {
                    tracing::warn!("simulated modem: pty master read failed: {e}");
                    return;
                }
            }
            break;
        }
        // A client is there. The AsyncFd is made afresh per client: tokio
        // keeps a hang-up as readiness for good.
        let fd = match register(master) {
            Ok(fd) => fd,
            Err(e) => {
                tracing::warn!("simulated modem: cannot watch the pty master: {e}");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                Some(bytes) = out.recv() => {
                    // A client that stops reading must not keep the plug in.
                    let written = tokio::select! {
                        _ = cancel.cancelled() => return,
                        r = write_master(&fd, &bytes) => r,
                    };
                    if written.is_err() {
                        break;
                    }
                }
                guard = fd.readable() => {
                    let Ok(mut guard) = guard else { return };
                    match guard.try_io(|f| read_master(f.get_ref(), &mut buf)) {
                        Ok(Ok(Read::Data(n))) => {
                            let _ = input.send(Input::Bytes(buf[..n].to_vec()));
                        }
                        Ok(Ok(Read::Empty)) | Err(_) => guard.clear_ready(),
                        Ok(Ok(Read::NoClient)) => break,
                        Ok(Err(e)) => {
                            tracing::warn!("simulated modem: pty master read failed: {e}");
                            return;
                        }
                    }
                }
            }
        }
        let _ = input.send(Input::Closed);
        master = fd.into_inner();
    }
}

async fn run_tcp(
    listener: TcpListener,
    mut out: mpsc::UnboundedReceiver<Vec<u8>>,
    input: mpsc::UnboundedSender<Input>,
    cancel: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            _ = cancel.cancelled() => return,
            Some(_) = out.recv() => continue,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!("simulated modem: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = input.send(Input::Opened);
        serve_tcp(stream, &listener, &mut out, &input, &cancel).await;
        let _ = input.send(Input::Closed);
        if cancel.is_cancelled() {
            return;
        }
    }
}

/// One client, until it leaves; other clients are turned away meanwhile,
/// as ser2net does for a port in use.
async fn serve_tcp(
    mut stream: TcpStream,
    listener: &TcpListener,
    out: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    input: &mpsc::UnboundedSender<Input>,
    cancel: &CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 4096];
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            Ok((other, _)) = listener.accept() => drop(other),
            Some(bytes) = out.recv() => {
                let written = tokio::select! {
                    _ = cancel.cancelled() => return,
                    r = stream.write_all(&bytes) => r,
                };
                if written.is_err() {
                    return;
                }
            }
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let _ = input.send(Input::Bytes(buf[..n].to_vec()));
                }
            },
        }
    }
}
