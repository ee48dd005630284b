//! Names of the IM world: a user's row id and their public IM ID.

use serde::Serialize;
use std::fmt;

/// A user's row in `im_users`. Never shown to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// The local part of an IM ID (`alice`), kept in lower case: IDs are
/// case-insensitive. Shown in full as `alice@<cluster>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ImId(String);

/// Words a phone texts as commands cannot be IM IDs.
pub const RESERVED: &[&str] = &[
    "help", "reg", "nick", "stop", "start", "who", "status", "admin", "root",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImIdError {
    #[error("an IM ID is 2 to 32 letters, digits, '.', '_' or '-', starting with a letter")]
    Malformed,
    #[error("'{0}' is a command word and cannot be an IM ID")]
    Reserved(String),
    #[error("'{0}' belongs to another cluster than this one ('{1}')")]
    OtherCluster(String, String),
}

impl ImId {
    /// Reads `alice`, `Alice` or `alice@<cluster>` (this cluster only).
    pub fn parse(input: &str, cluster: &str) -> Result<ImId, ImIdError> {
        let input = input.trim();
        let local = match input.split_once('@') {
            Some((local, c)) if c.eq_ignore_ascii_case(cluster) => local,
            Some((_, c)) => return Err(ImIdError::OtherCluster(c.to_owned(), cluster.to_owned())),
            None => input,
        };
        let name = local.to_ascii_lowercase();
        let ok = (2..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if !ok {
            return Err(ImIdError::Malformed);
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(ImIdError::Reserved(name));
        }
        Ok(ImId(name))
    }

    /// A name read from the store, already checked when it was written.
    pub fn from_stored(name: String) -> ImId {
        ImId(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn full(&self, cluster: &str) -> String {
        format!("{}@{cluster}", self.0)
    }
}

impl fmt::Display for ImId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_case_insensitive_and_checked() {
        assert_eq!(ImId::parse("Alice", "c").unwrap().as_str(), "alice");
        assert_eq!(ImId::parse("ALICE@C", "c").unwrap().as_str(), "alice");
        assert!(matches!(
            ImId::parse("alice@x", "c"),
            Err(ImIdError::OtherCluster(..))
        ));
        assert_eq!(ImId::parse("a", "c"), Err(ImIdError::Malformed));
        assert_eq!(ImId::parse("1abc", "c"), Err(ImIdError::Malformed));
        assert!(matches!(
            ImId::parse("help", "c"),
            Err(ImIdError::Reserved(_))
        ));
        assert_eq!(ImId::parse("bob", "c").unwrap().full("c"), "bob@c");
    }
}
