//! `switchboard config example | check`.

use crate::config::{self, Config};
use std::path::Path;

pub fn example() {
    print!("{}", config::EXAMPLE);
}

pub fn check(path: &Path) -> Result<(), String> {
    let c = Config::load(path).map_err(|e| e.to_string())?;
    println!(
        "{}: ok ({} SMPP link(s), {} modem(s), {} route(s))",
        path.display(),
        c.smpp.len(),
        c.modem.len(),
        c.route.len()
    );
    Ok(())
}
