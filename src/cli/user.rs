//! `switchboard user add | list | disable | enable | passwd`.

use crate::cli::UserCommand;
use crate::config::Config;
use crate::im::directory::{ImId, password, users};
use crate::store::{Store, now_ms};
use std::io::BufRead;
use std::path::Path;

fn open(config: &Path) -> Result<(Config, Store), String> {
    let c = Config::load(config).map_err(|e| e.to_string())?;
    let store = Store::open(&c.store.path, c.store.synchronous).map_err(|e| e.to_string())?;
    Ok((c, store))
}

fn read_password() -> Result<String, String> {
    let pw = match std::env::var("SWITCHBOARD_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    password::check_strength(&pw)?;
    Ok(pw)
}

fn name(id: &str, c: &Config) -> Result<ImId, String> {
    ImId::parse(id, &c.im.cluster).map_err(|e| format!("'{id}': {e}"))
}

/// `switchboard user add`: a full user `id` with `pw` (checked for
/// strength); the full IM ID.
pub async fn add(store: &Store, cluster: &str, id: &str, pw: &str) -> Result<String, String> {
    let n = ImId::parse(id, cluster).map_err(|e| format!("'{id}': {e}"))?;
    password::check_strength(pw)?;
    let hash = password::hash(pw)?;
    let nn = n.clone();
    let created = store
        .exec(move |db| users::create(db, &nn, Some(&hash), false, now_ms()))
        .await
        .map_err(|e| e.to_string())?;
    match created {
        Some(_) => Ok(n.full(cluster)),
        None => Err(format!("the IM ID '{n}' is taken")),
    }
}

pub async fn run(cmd: UserCommand) -> Result<(), String> {
    match cmd {
        UserCommand::Add { id, config } => {
            let (c, store) = open(&config)?;
            // A bad name is told before the password is asked for.
            name(&id, &c)?;
            let full = add(&store, &c.im.cluster, &id, &read_password()?).await?;
            println!("{full}");
            Ok(())
        }
        UserCommand::List { config } => {
            let (c, store) = open(&config)?;
            let list = store.read(users::list).map_err(|e| e.to_string())?;
            for (u, phone) in list {
                let mut flags = Vec::new();
                if u.disabled {
                    flags.push("disabled");
                }
                if u.phone_only {
                    flags.push("phone-only");
                }
                if u.discoverable {
                    flags.push("discoverable");
                }
                println!(
                    "{}\t{}\t{}",
                    u.name.full(&c.im.cluster),
                    phone.as_deref().unwrap_or("-"),
                    flags.join(",")
                );
            }
            Ok(())
        }
        UserCommand::Disable { id, config } => set_disabled(&id, &config, true).await,
        UserCommand::Enable { id, config } => set_disabled(&id, &config, false).await,
        UserCommand::Passwd { id, config } => {
            let (c, store) = open(&config)?;
            let n = name(&id, &c)?;
            let hash = password::hash(&read_password()?)?;
            let nn = n.clone();
            let done = store
                .exec(move |db| users::set_password(db, &nn, &hash))
                .await
                .map_err(|e| e.to_string())?;
            if done {
                eprintln!(
                    "password of {} set; their sessions ended",
                    n.full(&c.im.cluster)
                );
                Ok(())
            } else {
                Err(format!("no user '{n}'"))
            }
        }
    }
}

async fn set_disabled(id: &str, config: &Path, disabled: bool) -> Result<(), String> {
    let (c, store) = open(config)?;
    let n = name(id, &c)?;
    let nn = n.clone();
    let done = store
        .exec(move |db| users::set_disabled(db, &nn, disabled))
        .await
        .map_err(|e| e.to_string())?;
    if !done {
        return Err(format!("no user '{n}'"));
    }
    eprintln!(
        "{} {}",
        n.full(&c.im.cluster),
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}
