//! switchboard's host: everything the `switchboard` binary runs. A library
//! so that the fuzz targets (`fuzz/`) reach the parsers of outside input
//! (phone numbers, what phones text) that live here.

mod api;
mod bindings;
mod cli;
mod clock;
mod concat_ref;
mod config;
mod demo;
mod directory;
mod dispatch;
mod im;
mod inbox;
mod matching;
mod metrics;
pub mod phone;
mod presence;
mod routing_service;
mod serve;
pub mod sms_commands;
mod store;
mod user_cli;
mod webhooks;

use cli::{ApikeyCommand, Command, ConfigCommand, SimCommand};
use config::Config;

pub use cli::Cli;

/// Runs one command of the command line to its end.
pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { config } => {
            let Some(path) = config else {
                return Err("serve needs a configuration file: switchboard serve --config switchboard.toml\n\
                     Make one with: switchboard config example > switchboard.toml\n\
                     (or try everything on defaults with: switchboard demo)"
                    .into());
            };
            let config = Config::load(&path).map_err(|e| e.to_string())?;
            let running = serve::start(config).await.map_err(|e| e.to_string())?;
            println!("listening on http://{}", running.api_addr);
            running.until_signal().await;
            Ok(())
        }
        Command::Demo { listen } => demo::run(listen).await,
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { config },
        } => {
            let c = Config::load(&config).map_err(|e| e.to_string())?;
            println!(
                "{}: ok ({} SMPP link(s), {} modem(s), {} route(s))",
                config.display(),
                c.smpp.len(),
                c.modem.len(),
                c.route.len()
            );
            Ok(())
        }
        Command::Apikey {
            command: ApikeyCommand::Create { name, config },
        } => {
            let c = Config::load(&config).map_err(|e| e.to_string())?;
            let store = store::Store::open(&c.store.path, c.store.synchronous)
                .map_err(|e| e.to_string())?;
            let key = demo::create_key(&store, &name).await?;
            println!("{key}");
            eprintln!("API key '{name}' created. It is shown only this once; store it now.");
            Ok(())
        }
        Command::User { command } => user_cli::run(command).await,
        Command::Sim {
            command:
                SimCommand::Smsc {
                    config,
                    listen,
                    control,
                    dlr_delay_ms,
                },
        } => {
            let mut cfg = match config {
                Some(p) => {
                    let text = std::fs::read_to_string(&p)
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                    toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
                }
                None => switchboard_sim::SmscConfig::default(),
            };
            if let Some(l) = listen {
                cfg.listen = l;
            }
            if let Some(c) = control {
                cfg.control_listen = Some(c);
            }
            if let Some(d) = dlr_delay_ms {
                cfg.dlr_delay_ms = d;
            }
            switchboard_sim::run_cli(cfg)
                .await
                .map_err(|e| e.to_string())
        }
        Command::Sim {
            command:
                SimCommand::Modem {
                    profile,
                    link,
                    tcp,
                    control,
                    delay_ms,
                    number,
                    pin,
                },
        } => {
            switchboard_sim::run_modem_cli(switchboard_sim::ModemCliOptions {
                profile,
                link,
                tcp,
                control,
                delay_ms,
                number,
                pin,
            })
            .await
        }
    }
}
