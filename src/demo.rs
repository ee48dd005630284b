//! `switchboard demo`: the whole gateway on embedded defaults, against an
//! in-process simulated SMSC, with commands to try printed on start.

use crate::config::{Config, RouteConfig};
use crate::store::{Store, WriteOp, now_ms};
use std::net::SocketAddr;
use switchboard_sim::{Smsc, SmscConfig};

pub async fn create_key(store: &Store, name: &str) -> Result<String, String> {
    let (key, hash) = crate::api::new_key();
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

/// Binds `want`, or any free port on the same address when it is taken.
async fn free_addr(want: SocketAddr) -> SocketAddr {
    match tokio::net::TcpListener::bind(want).await {
        Ok(_) => want,
        Err(_) => SocketAddr::new(want.ip(), 0),
    }
}

pub async fn run(listen: SocketAddr) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("switchboard-demo-")
        .tempdir()
        .map_err(|e| format!("cannot make a directory for the demo database: {e}"))?;
    let control = free_addr(SocketAddr::from(([127, 0, 0, 1], 2776))).await;
    let smsc = Smsc::start(SmscConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        control_listen: Some(control),
        ..SmscConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the simulated SMSC: {e}"))?;
    let account = smsc_account(&smsc);

    let mut config = Config::default();
    config.server.listen = free_addr(listen).await;
    config.store.path = dir.path().join("switchboard.db");
    let link: switchboard_smpp::SmppConfig = toml::from_str(&format!(
        "name = \"sim\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"{}\"\npassword = \"{}\"\nreconnect_min_secs = 1\n",
        smsc.local_addr().port(),
        account.0,
        account.1
    ))
    .map_err(|e| format!("demo link config: {e}"))?;
    config.smpp.push(link);
    config.route.push(RouteConfig {
        prefix: "+".into(),
        via: vec!["sim".into()],
    });

    let running = crate::serve::start(config)
        .await
        .map_err(|e| e.to_string())?;
    let key = create_key(&running.store, "demo").await?;
    let api = format!("http://{}", running.api_addr);
    let ctl = smsc
        .control_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    println!(
        r#"
switchboard demo is running.
  API:             {api}
  database:        {db} (deleted when the demo stops)
  simulated SMSC:  SMPP on {smpp}, control on {ctl}
  API key:         {key}

Try, in another terminal:

  export SB_KEY={key}

  # send an SMS (the simulated SMSC accepts it and reports delivery after 0.5 s)
  curl -s -X POST {api}/api/v1/messages -H "Authorization: Bearer $SB_KEY" \
       -H 'Content-Type: application/json' \
       -d '{{"to":"+491701234567","text":"Hello from switchboard €[]{{}}^","report":true}}'

  # its state, route, parts and delivery report
  curl -s {api}/api/v1/messages/1 -H "Authorization: Bearer $SB_KEY"

  # a phone sends an SMS to the gateway (injected at the simulated SMSC)
  curl -s -X POST {ctl}/mo -H 'Content-Type: application/json' \
       -d '{{"from":"+491701234567","to":"12345","text":"Hi gateway, this came from a phone"}}'

  # what was received
  curl -s "{api}/api/v1/messages?direction=in" -H "Authorization: Bearer $SB_KEY"

  # links, health and metrics
  curl -s {api}/api/v1/handlers -H "Authorization: Bearer $SB_KEY"
  curl -s {api}/healthz
  curl -s {api}/metrics

Stop with Ctrl-C."#,
        db = dir.path().join("switchboard.db").display(),
        smpp = smsc.local_addr(),
    );
    running.until_signal().await;
    smsc.stop().await;
    drop(dir);
    Ok(())
}

fn smsc_account(smsc: &Smsc) -> (String, String) {
    smsc.config()
        .accounts
        .first()
        .map(|a| (a.system_id.clone(), a.password.clone()))
        .unwrap_or_else(|| ("switchboard".into(), "secret".into()))
}
