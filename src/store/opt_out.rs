//! Phones that texted STOP. A message to one that honours opt-out is stored
//! already ended (failed, [`OPTED_OUT`]) in the commit that accepts it, so
//! it is neither sent nor dropped without a trace. The store reads the
//! `im_phones` row itself: it owns that table's schema, and phones/ (which
//! writes the row) uses the store, so the store cannot use it back.

use rusqlite::{Connection, OptionalExtension};
use switchboard_protocol::PhoneNumber;

/// The reason a message to a stopped phone ends with (the API and the
/// `message.status` webhook show it).
pub const OPTED_OUT: &str = "recipient_opted_out";

/// Whether the phone texted STOP (and not START since).
pub fn opted_out(c: &Connection, phone: &PhoneNumber) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("SELECT stopped FROM im_phones WHERE phone = ?1")?
            .query_row([phone.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or(false),
    )
}
