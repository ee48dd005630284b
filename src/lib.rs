//! switchboard's host: everything the `switchboard` binary runs. A library
//! so that the fuzz targets (`fuzz/`) reach the parsers of outside input
//! (phone numbers, what phones text) that live here.

mod app;
mod bus;
mod cli;
mod config;
mod im;
pub mod model;
mod ops;
pub mod phones;
mod sms;
mod store;
mod web;

pub use cli::Cli;

/// Runs one command of the command line to its end.
pub async fn run(cli: Cli) -> Result<(), String> {
    cli::run(cli).await
}
