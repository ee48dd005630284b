//! The command line.

mod apikey;
mod config;
pub mod demo;
mod serve;
mod sim;
pub mod user;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "SMS/telephony-to-IM gateway")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway with a configuration file.
    Serve {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run everything on embedded defaults: a fresh database, a simulated
    /// SMSC and the API on 127.0.0.1, and print commands to try.
    Demo {
        /// Where the API listens (a free port is picked if this one is taken).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Manage IM users (administrators: `list` shows bound numbers).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Simulators for tests and trials.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example configuration that works as is.
    Example,
    /// Check a configuration file and say what is wrong with it.
    Check {
        #[arg(long, short)]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, short)]
        config: PathBuf,
    },
}

/// Passwords are read from the environment variable SWITCHBOARD_PASSWORD
/// or else from the first line of standard input, never from arguments
/// (which other users of the machine can see).
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with a password.
    Add {
        /// The IM ID (`alice`).
        id: String,
        #[arg(long, short)]
        config: PathBuf,
    },
    /// List users, their state and bound number.
    List {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Disable a user: no login, tokens revoked, not reachable.
    Disable {
        id: String,
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Enable a disabled user again.
    Enable {
        id: String,
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Set a user's password (ends their sessions).
    Passwd {
        id: String,
        #[arg(long, short)]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// A simulated SMSC (SMPP server) with an HTTP control API.
    Smsc {
        /// TOML file with the simulator's settings (keys of SmscConfig).
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long)]
        control: Option<SocketAddr>,
        #[arg(long)]
        dlr_delay_ms: Option<u64>,
    },
    /// A simulated GSM modem on a pty (or raw TCP) with an HTTP control API.
    Modem {
        /// generic, huawei, simcom or quectel.
        #[arg(long, default_value = "huawei")]
        profile: switchboard_sim::modem::Profile,
        /// Stable link to the pty (default: a temp dir's ttyUSB0).
        #[arg(long)]
        link: Option<PathBuf>,
        /// Serve raw TCP (as ser2net) instead of a pty.
        #[arg(long)]
        tcp: Option<SocketAddr>,
        #[arg(long)]
        control: Option<SocketAddr>,
        /// Time a +CMGS takes (ms); other delays become realistic too.
        #[arg(long)]
        delay_ms: Option<u64>,
        /// The SIM's own number (+CNUM).
        #[arg(long)]
        number: Option<String>,
        /// A SIM PIN the client must enter.
        #[arg(long)]
        pin: Option<String>,
    },
}

/// Runs one command to its end.
pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { config } => serve::run(config).await,
        Command::Demo { listen } => demo::run(listen).await,
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            config::example();
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { config },
        } => config::check(&config),
        Command::Apikey {
            command: ApikeyCommand::Create { name, config },
        } => apikey::create(&name, &config).await,
        Command::User { command } => user::run(command).await,
        Command::Sim {
            command:
                SimCommand::Smsc {
                    config,
                    listen,
                    control,
                    dlr_delay_ms,
                },
        } => sim::smsc(config, listen, control, dlr_delay_ms).await,
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
