//! The pseudo-terminal a simulated modem sits behind, and the stable link
//! to its slave end (what a udev rule gives a USB modem: `/dev/ttyUSB0`
//! or `/dev/serial/by-id/...`, pointing at whatever node it has now).

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::pty::openpty;
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// The master end (the modem's side) and the slave's device path.
pub(crate) struct Pty {
    pub master: OwnedFd,
    pub tty: PathBuf,
}

/// Opens a pty with the slave in raw mode (no echo, no line editing, no
/// CR/LF translation: bytes pass as on a USB serial port), and points
/// `link` at the slave.
pub(crate) fn open(link: &Path) -> Result<Pty, String> {
    let pair = openpty(None, None).map_err(|e| format!("openpty: {e}"))?;
    let mut t = tcgetattr(&pair.slave).map_err(|e| format!("tcgetattr on the pty: {e}"))?;
    cfmakeraw(&mut t);
    tcsetattr(&pair.slave, SetArg::TCSANOW, &t)
        .map_err(|e| format!("tcsetattr on the pty: {e}"))?;
    let tty = nix::unistd::ttyname(&pair.slave).map_err(|e| format!("ttyname: {e}"))?;
    // Non-blocking for tokio; the slave is closed here so the master sees
    // EIO while no client has the port open.
    let flags = fcntl(&pair.master, FcntlArg::F_GETFL).map_err(|e| format!("fcntl: {e}"))?;
    fcntl(
        &pair.master,
        FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
    )
    .map_err(|e| format!("fcntl O_NONBLOCK: {e}"))?;
    drop(pair.slave);
    point_link(link, &tty)?;
    Ok(Pty {
        master: pair.master,
        tty,
    })
}

/// Makes `link` a symlink to `target`, replacing what was there in one
/// rename so a client never sees a half-made link.
fn point_link(link: &Path, target: &Path) -> Result<(), String> {
    if let Some(dir) = link.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("link: cannot create {}: {e}", dir.display()))?;
    }
    let name = link
        .file_name()
        .ok_or_else(|| format!("link: {} names no file", link.display()))?;
    let tmp = link.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| format!("link: cannot create {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, link).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("link: cannot create {}: {e}", link.display())
    })
}

/// Removes the link if it still points at `tty` (another modem may have
/// taken the name since).
pub(crate) fn remove_link(link: &Path, tty: &Path) {
    if std::fs::read_link(link).is_ok_and(|t| t == tty) {
        let _ = std::fs::remove_file(link);
    }
}
