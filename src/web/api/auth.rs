//! Bearer API keys. Keys carry about 186 bits of randomness, so they are stored as
//! SHA-256 hashes (a slow password hash would add nothing against guessing
//! and cost every request milliseconds).

use super::AppState;
use super::error::ApiError;
use crate::store::Store;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

const PREFIX: &str = "sb_";

/// A new key in its one-time readable form, and its hash for the store.
pub fn new_key() -> (String, Vec<u8>) {
    let mut rng = rand::rng();
    let body: String = (0..32)
        .map(|_| {
            const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            ALPHABET[rng.random_range(0..ALPHABET.len())] as char
        })
        .collect();
    let key = format!("{PREFIX}{body}");
    let hash = hash(&key);
    (key, hash)
}

pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The checked API key of a request. As an extractor it answers 401 before
/// anything else of the request is read, and it leaves the request's
/// headers where they are (the `HeaderMap` extractor copies them).
#[derive(Debug, Clone, Copy)]
pub struct ApiKey {
    pub id: i64,
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        app.keys
            .check(&app.store, &parts.headers)
            .map(|id| ApiKey { id })
    }
}

/// Known keys, so a request costs no read once its key has been seen.
#[derive(Debug, Default)]
pub struct KeyCache(RwLock<HashMap<Vec<u8>, i64>>);

impl KeyCache {
    pub fn check(&self, store: &Store, headers: &HeaderMap) -> Result<i64, ApiError> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized("send your API key as 'Authorization: Bearer <key>'")
            })?;
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be 'Bearer <key>'")
            })?;
        let h = hash(key);
        if let Some(id) = self.0.read().ok().and_then(|m| m.get(&h).copied()) {
            return Ok(id);
        }
        let found = store
            .read(|c| crate::store::api_key_by_hash(c, &h))
            .map_err(ApiError::unavailable)?;
        let id = found.ok_or_else(|| {
            ApiError::unauthorized("this API key is not known or was disabled; create one with 'switchboard apikey create'")
        })?;
        if let Ok(mut m) = self.0.write() {
            m.insert(h, id);
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_hash_stably() {
        let (a, ha) = new_key();
        let (b, _) = new_key();
        assert_ne!(a, b);
        assert!(a.starts_with("sb_") && a.len() == 35);
        assert_eq!(hash(&a), ha);
    }
}
