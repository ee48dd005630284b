//! A minimal AT client over a real tty (tokio-serial), as a modem handler
//! would open the simulator, for the simulator's own tests.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_serial::SerialPortBuilderExt;

pub const T: Duration = Duration::from_secs(5);

pub trait Port: AsyncRead + AsyncWrite + Unpin + Send {}
impl<X: AsyncRead + AsyncWrite + Unpin + Send> Port for X {}

pub struct Client {
    port: Box<dyn Port>,
    /// Everything read and not yet consumed by a `read_until`.
    pub buf: String,
}

impl Client {
    pub async fn open(path: &Path) -> Client {
        let port = tokio_serial::new(path.to_string_lossy(), 115_200)
            .open_native_async()
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        Client {
            port: Box::new(port),
            buf: String::new(),
        }
    }

    pub async fn tcp(addr: std::net::SocketAddr) -> Client {
        let s = tokio::net::TcpStream::connect(addr).await.unwrap();
        Client {
            port: Box::new(s),
            buf: String::new(),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        self.port.write_all(bytes).await.unwrap();
        self.port.flush().await.unwrap();
    }

    /// Reads until `done(text so far)` gives the length to consume; returns
    /// that text.
    pub async fn read_until(&mut self, done: impl Fn(&str) -> Option<usize>) -> String {
        let mut chunk = [0u8; 1024];
        let deadline = tokio::time::Instant::now() + T;
        loop {
            if let Some(n) = done(&self.buf) {
                let rest = self.buf.split_off(n);
                return std::mem::replace(&mut self.buf, rest);
            }
            let r = tokio::time::timeout_at(deadline, self.port.read(&mut chunk)).await;
            match r {
                Ok(Ok(0)) => panic!("port closed; got {:?}", self.buf),
                Ok(Ok(n)) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Ok(Err(e)) => panic!("read: {e}; got {:?}", self.buf),
                Err(_) => panic!("timeout; got {:?}", self.buf),
            }
        }
    }

    /// Reads until `needle` has arrived; returns everything up to its end.
    pub async fn expect(&mut self, needle: &str) -> String {
        let n = needle.to_owned();
        self.read_until(move |b| b.find(&n).map(|i| i + n.len()))
            .await
    }

    /// Sends a command line and returns the reply up to its final result.
    pub async fn cmd(&mut self, line: &str) -> String {
        self.write(format!("{line}\r").as_bytes()).await;
        self.read_until(final_end).await
    }

    /// Nothing more arrives within `d`.
    pub async fn quiet_for(&mut self, d: Duration) -> String {
        let mut chunk = [0u8; 1024];
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(r) = tokio::time::timeout_at(deadline, self.port.read(&mut chunk)).await {
            match r {
                Ok(0) | Err(_) => break,
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
            }
        }
        std::mem::take(&mut self.buf)
    }

    /// Tries one read: Err when the port is gone.
    pub async fn read_fails(&mut self) -> bool {
        let mut chunk = [0u8; 64];
        for _ in 0..50 {
            match tokio::time::timeout(Duration::from_millis(100), self.port.read(&mut chunk)).await
            {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) | Err(_) => {}
            }
        }
        false
    }
}

/// The end of the first final result line in `b`, if one has arrived.
pub fn final_end(b: &str) -> Option<usize> {
    let mut pos = 0;
    for line in b.split_inclusive("\r\n") {
        pos += line.len();
        if !line.ends_with("\r\n") {
            return None;
        }
        let l = line.trim();
        let is_final = matches!(
            l,
            "OK" | "ERROR" | "NO CARRIER" | "BUSY" | "NO ANSWER" | "COMMAND NOT SUPPORT"
        ) || l.starts_with("+CME ERROR:")
            || l.starts_with("+CMS ERROR:");
        if is_final {
            return Some(pos);
        }
    }
    None
}
