//! `switchboard demo`: the whole gateway on embedded defaults, against an
//! in-process simulated SMSC and a simulated GSM modem on a pseudo-terminal
//! (a second line, driven through the real serial code), with commands to
//! try printed on start.

use crate::config::{Config, RouteConfig};
use std::net::SocketAddr;
use switchboard_modem::ModemConfig;
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile, Timing};
use switchboard_sim::{Smsc, SmscConfig};

/// The simulated modem's SIM number (the demo's phone line).
const LINE: &str = "+4915901234567";
/// The demo's IM cluster (`alice@demo.local`).
const CLUSTER: &str = "demo.local";

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
    let modem_control = free_addr(SocketAddr::from(([127, 0, 0, 1], 2777))).await;
    let modem = ModemSim::start(ModemSimConfig {
        profile: Profile::Huawei,
        control_listen: Some(modem_control),
        number: Some(LINE.into()),
        // Rings a second apart, so the missed call is over in seconds.
        timing: Timing {
            ring_interval_ms: 1000,
            ..Timing::default()
        },
        ..ModemSimConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the simulated modem: {e}"))?;

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
    config.modem.push(ModemConfig::new("gsm", &modem.device()));
    // German mobile numbers from +4915 go out through the modem line (the
    // SMSC carries them while it is down); everything else through the SMSC.
    config.route.push(RouteConfig {
        prefix: "+".into(),
        via: vec!["sim".into(), "gsm".into()],
    });
    config.route.push(RouteConfig {
        prefix: "+4915".into(),
        via: vec!["gsm".into(), "sim".into()],
    });

    // The IM side: phones and IM users write to each other through IM IDs;
    // a phone without a binding is given an IM ID of its own.
    config.im.enabled = true;
    config.im.cluster = CLUSTER.into();
    config.im.phone_only_users = true;

    let running = crate::app::start(config).await.map_err(|e| e.to_string())?;
    let key = super::apikey::store_new(&running.store, "demo").await?;
    let alice_pw = random_password();
    let alice = crate::cli::user::add(&running.store, CLUSTER, "alice", &alice_pw).await?;
    // The modem line takes a moment to initialise (AT, PIN, CNMI, ...);
    // commands tried before it is up would be carried by the SMSC instead.
    let modem_up = wait_link_up(&running, "gsm", std::time::Duration::from_secs(20)).await;
    if !modem_up {
        eprintln!(
            "note: the simulated modem is not up yet; the SMSC carries its traffic meanwhile"
        );
    }
    let api = format!("http://{}", running.api_addr);
    let ctl = smsc
        .control_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let mctl = modem
        .control_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    println!(
        r#"
switchboard demo is running.
  API:             {api}
  database:        {db} (deleted when the demo stops)
  simulated SMSC:  SMPP on {smpp}, control on {ctl}
  simulated modem: line {LINE} on {tty}, control on {mctl}
  API key:         {key}
  IM user:         {alice} (password below, new each run)

Try, in another terminal:

  export SB_KEY={key}

  # send an SMS (the simulated SMSC accepts it and reports delivery after 0.5 s)
  curl -s -X POST {api}/api/v1/messages -H "Authorization: Bearer $SB_KEY" \
       -H 'Content-Type: application/json' \
       -d '{{"to":"+491701234567","text":"Hello from switchboard €[]{{}}^","report":true}}'

  # its state, route, parts and delivery report
  curl -s {api}/api/v1/messages/1 -H "Authorization: Bearer $SB_KEY"

  # send through the GSM modem line (numbers from +4915 are routed to it)
  curl -s -X POST {api}/api/v1/messages -H "Authorization: Bearer $SB_KEY" \
       -H 'Content-Type: application/json' \
       -d '{{"to":"+4915112345678","text":"Hello through the modem 👋","report":true}}'
  curl -s {api}/api/v1/messages/2 -H "Authorization: Bearer $SB_KEY"

  # a phone sends an SMS to the gateway (injected at the simulated SMSC)
  curl -s -X POST {ctl}/mo -H 'Content-Type: application/json' \
       -d '{{"from":"+491701234567","to":"12345","text":"Hi gateway, this came from a phone"}}'

  # a phone sends an SMS to the modem line (injected at the simulated modem)
  curl -s -X POST {mctl}/sms -H 'Content-Type: application/json' \
       -d '{{"from":"+491701234567","text":"Hi modem line, this came from a phone"}}'

  # what was received (through the SMSC and through the modem)
  curl -s "{api}/api/v1/messages?direction=in" -H "Authorization: Bearer $SB_KEY"

  # somebody calls the line; it rings three times, nobody answers
  curl -s -X POST {mctl}/call -H 'Content-Type: application/json' \
       -d '{{"caller":{{"type":"number","value":"+491701234567"}},"rings":3}}'

  # the calls the line saw: the missed call, with caller and rings
  curl -s {api}/api/v1/calls -H "Authorization: Bearer $SB_KEY"

  # links (the modem with signal, operator and line), health and metrics
  curl -s {api}/api/v1/handlers -H "Authorization: Bearer $SB_KEY"
  curl -s {api}/healthz
  curl -s {api}/metrics

  # log in as the IM user alice (made for this run); her token in $TOKEN
  export SB_ALICE_PW={alice_pw}
  TOKEN=$(curl -s -X POST {api}/api/v1/login -H 'Content-Type: application/json' \
       -d '{{"id":"alice","password":"'"$SB_ALICE_PW"'"}}' \
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

  # a phone texts alice by her IM ID (it is given an IM ID of its own by SMS)
  curl -s -X POST {ctl}/mo -H 'Content-Type: application/json' \
       -d '{{"from":"+491709876543","to":"12345","text":"alice hello from my phone"}}'

  # alice's inbox: the message, from the phone's IM ID, never its number
  curl -s {api}/api/v1/inbox -H "Authorization: Bearer $TOKEN"

  # alice answers the newest sender through the users' API
  FROM=$(curl -s {api}/api/v1/inbox -H "Authorization: Bearer $TOKEN" \
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["from"])')
  curl -s -X POST {api}/api/v1/im/messages -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' \
       -d '{{"to":"'"$FROM"'","text":"hi, alice here"}}'

  # the SMS the phone got, at the simulated SMSC: "alice: hi, alice here"
  curl -s {ctl}/messages

Stop with Ctrl-C."#,
        db = dir.path().join("switchboard.db").display(),
        smpp = smsc.local_addr(),
        tty = modem.device(),
    );
    running.until_signal().await;
    smsc.stop().await;
    modem.stop().await;
    drop(dir);
    Ok(())
}

/// Waits until the link `name` reports up; false after `limit`.
async fn wait_link_up(
    running: &crate::app::Running,
    name: &str,
    limit: std::time::Duration,
) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        let up = running
            .dispatcher
            .status
            .snapshot()
            .iter()
            .any(|h| h.name == name && h.state == switchboard_protocol::HandlerState::Up);
        if up {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// A password for the demo user, new each run.
fn random_password() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

fn smsc_account(smsc: &Smsc) -> (String, String) {
    smsc.config()
        .accounts
        .first()
        .map(|a| (a.system_id.clone(), a.password.clone()))
        .unwrap_or_else(|| ("switchboard".into(), "secret".into()))
}
