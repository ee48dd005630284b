//! `switchboard apikey create`: an operator's API key, shown once.

use crate::config::Config;
use crate::store::{Store, WriteOp, now_ms};
use std::path::Path;

pub async fn create(name: &str, config: &Path) -> Result<(), String> {
    let c = Config::load(config).map_err(|e| e.to_string())?;
    let store = Store::open(&c.store.path, c.store.synchronous).map_err(|e| e.to_string())?;
    let key = store_new(&store, name).await?;
    println!("{key}");
    eprintln!("API key '{name}' created. It is shown only this once; store it now.");
    Ok(())
}

/// Makes a key, stores its hash, and gives the key back.
pub async fn store_new(store: &Store, name: &str) -> Result<String, String> {
    let (key, hash) = crate::web::api::new_key();
    let name = name.to_owned();
    store
        .call(|done| WriteOp::CreateApiKey {
            name,
            hash,
            at: now_ms(),
            done,
        })
        .await
        .map_err(|e| format!("cannot store the API key: {e}"))?;
    Ok(key)
}
