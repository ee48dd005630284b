//! SMPP device handler: an ESME that binds to one SMSC (transceiver, or
//! transmitter + receiver), submits messages with a window of outstanding
//! PDUs, and turns deliver_sm into received messages and delivery reports
//! whose responses wait for the host's acknowledgement.
//!
//! Built on rusmpp (PDUs, codec) and rusmppc (connection, enquire_link);
//! reconnecting, windowing, throttling and the SMS logic are here.

mod acks;
mod address;
mod backoff;
mod bind;
mod coalesce;
pub mod config;
mod context;
pub mod dlr;
mod guard;
mod handler;
pub mod ids;
mod incoming;
mod link;
mod mo;
mod pause;
mod pdu_build;
mod pending;
mod raw_pdu;
mod smpp_time;
pub mod status_codes;
mod submit;
mod sync;
mod token_bucket;
mod turn_end;

pub use config::{BindMode, ConfigError, DlrIdFormat, LongMessages, SmppConfig};

use switchboard_protocol::HandlerIo;
use tokio::task::JoinHandle;

/// Starts the handler for one `[[smpp]]` link on the current tokio runtime.
/// It runs until it receives `Command::Shutdown` or the host drops its
/// command sender.
pub fn spawn(cfg: SmppConfig, io: HandlerIo) -> JoinHandle<()> {
    tokio::spawn(handler::run(cfg, io))
}

/// Entry points for the fuzz targets in `fuzz/`; not an API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::config::DlrIdFormat;
    use crate::guard::{Screened, screen};
    use crate::incoming::IncomingSm;
    use crate::{dlr, mo, raw_pdu};
    use bytes::{Bytes, BytesMut};
    use rusmpp::Pdu;
    use rusmpp::tokio_codec::CommandCodec;
    use std::time::SystemTime;
    use tokio_util::codec::Decoder;

    /// One frame from an SMSC through everything that reads one: the
    /// screen, rusmpp (when the screen passes it), the lenient reader, and
    /// the receipt and message readers after them.
    pub fn incoming_frame(frame: &[u8]) {
        let body = frame.get(raw_pdu::HEADER_LEN..).unwrap_or(&[]);
        let _ = raw_pdu::Header::parse(frame);
        let _ = raw_pdu::submit_sm_resp_id(body);
        if let Screened::Pass(b) = screen(Bytes::copy_from_slice(frame)) {
            let mut buf = BytesMut::from(&b[..]);
            if let Ok(Some(cmd)) = CommandCodec::new()
                .with_max_length(b.len())
                .decode(&mut buf)
                && let Some(Pdu::DeliverSm(d)) = cmd.pdu()
            {
                read(&IncomingSm::from_deliver_sm(d));
            }
        }
        if let Ok(sm) = IncomingSm::parse_raw(body) {
            read(&sm);
        }
    }

    fn read(sm: &IncomingSm) {
        let _ = dlr::is_receipt(sm);
        for f in [DlrIdFormat::AsIs, DlrIdFormat::Hex, DlrIdFormat::Decimal] {
            let _ = dlr::receipt(sm, f);
        }
        let _ = mo::inbound(sm, SystemTime::UNIX_EPOCH);
    }
}
