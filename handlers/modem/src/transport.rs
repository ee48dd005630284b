//! Opening the modem's port: a serial device (a pty works the same) or raw
//! TCP to a serial server.

use crate::config::Device;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_serial::SerialPortBuilderExt;

/// What the AT engine runs over.
pub trait Port: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Port for T {}

pub type BoxPort = Box<dyn Port>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn open(device: &Device, baud: u32) -> Result<BoxPort, String> {
    match device {
        Device::Serial(path) => {
            let name = path.to_string_lossy().into_owned();
            // 8N1 without flow control, as USB modems' AT ports expect;
            // the port is opened exclusively so a second program (an
            // unconfigured ModemManager) cannot read half the answers.
            let port = tokio_serial::new(&name, baud)
                .data_bits(tokio_serial::DataBits::Eight)
                .parity(tokio_serial::Parity::None)
                .stop_bits(tokio_serial::StopBits::One)
                .flow_control(tokio_serial::FlowControl::None)
                .open_native_async()
                .map_err(|e| format!("cannot open {name}: {e}"))?;
            Ok(Box::new(port))
        }
        Device::Tcp(addr) => {
            let stream =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
                    .await
                    .map_err(|_| {
                        format!("cannot connect to {addr}: no answer within {CONNECT_TIMEOUT:?}")
                    })?
                    .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
            let _ = stream.set_nodelay(true);
            Ok(Box::new(stream))
        }
    }
}
