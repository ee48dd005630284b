//! Per-user bearer tokens, distinct from the operators' API keys (they
//! start `sbu_`): random, shown once, stored as SHA-256 hashes.

use super::users::{self, User};
use crate::model::im_id::UserId;
use crate::store::UnixMs;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "sbu_";

pub fn new_token() -> (String, Vec<u8>) {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let body: String = (0..32)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let token = format!("{PREFIX}{body}");
    let h = hash(&token);
    (token, h)
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn insert(c: &Connection, hash: &[u8], user: UserId, at: UnixMs) -> rusqlite::Result<()> {
    c.prepare_cached("INSERT INTO im_tokens (hash, user_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![hash, user.0, at])?;
    Ok(())
}

pub fn revoke(c: &Connection, hash: &[u8]) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM im_tokens WHERE hash = ?1")?
        .execute([hash])?;
    Ok(())
}

/// The enabled user a token belongs to.
pub fn user_by_token(c: &Connection, hash: &[u8]) -> rusqlite::Result<Option<User>> {
    let id: Option<i64> = c
        .prepare_cached("SELECT user_id FROM im_tokens WHERE hash = ?1")?
        .query_row([hash], |r| r.get(0))
        .optional()?;
    let Some(id) = id else { return Ok(None) };
    Ok(users::by_id(c, UserId(id))?.filter(|u| !u.disabled))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_differ_and_are_not_api_keys() {
        let (a, ha) = super::new_token();
        let (b, _) = super::new_token();
        assert_ne!(a, b);
        assert!(a.starts_with("sbu_") && a.len() == 36);
        assert_eq!(super::hash(&a), ha);
    }
}
