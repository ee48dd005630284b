//! `switchboard serve --config FILE`: the daemon until a signal.

use crate::config::Config;
use std::path::PathBuf;

pub async fn run(config: Option<PathBuf>) -> Result<(), String> {
    let Some(path) = config else {
        return Err(
            "serve needs a configuration file: switchboard serve --config switchboard.toml\n\
             Make one with: switchboard config example > switchboard.toml\n\
             (or try everything on defaults with: switchboard demo)"
                .into(),
        );
    };
    let config = Config::load(&path).map_err(|e| e.to_string())?;
    let running = crate::app::start(config).await.map_err(|e| e.to_string())?;
    println!("listening on http://{}", running.api_addr);
    running.until_signal().await;
    Ok(())
}
