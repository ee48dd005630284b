//! Values as the store writes them into columns and reads them back, used
//! by the writes and the reads alike (so neither uses the other).

/// A value as the JSON kept in a TEXT column.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    // Serialising our own plain data types cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

/// The address as people write it, from its stored JSON.
pub fn address_text(stored: &str) -> String {
    serde_json::from_str::<switchboard_protocol::Address>(stored)
        .map(|a| a.to_string())
        .unwrap_or_default()
}
