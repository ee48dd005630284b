//! Bringing a modem from "port open" to "ready for SMS and calls".

use crate::at::{AtClient, AtCommand, CommandError, Expect, Kind, Reply};
use crate::cnmi::{self, Cnmi};
use crate::config::ModemConfig;
use crate::number::{self, fields, num};
use crate::pin::{self, PinError, PinMemory};
use crate::profile::{self, Profile};
use std::time::Duration;
use switchboard_protocol::PhoneNumber;

/// What initialisation found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub profile: Profile,
    /// `+CGMI` and `+CGMM`, joined.
    pub model: String,
    /// The +CNMI in force; `None`: no notifications, sweeps only.
    pub cnmi: Option<Cnmi>,
    /// `+CSMS` service 1: direct +CMT / +CDS must be acknowledged with
    /// +CNMA.
    pub cnma: bool,
    /// The line's own number (config or +CNUM).
    pub line: Option<PhoneNumber>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    #[error("modem does not answer: {0}")]
    Unresponsive(CommandError),
    #[error(transparent)]
    Sim(PinError),
    #[error("modem refused a setting it needs: {0}")]
    Refused(CommandError),
}

impl From<CommandError> for InitError {
    fn from(e: CommandError) -> Self {
        if e.is_unresponsive() {
            InitError::Unresponsive(e)
        } else {
            InitError::Refused(e)
        }
    }
}

/// Runs a command whose refusal does not matter, only its silence.
async fn try_cmd(client: &AtClient, cmd: AtCommand) -> Result<Option<Reply>, InitError> {
    let line = cmd.line.clone();
    match client.run(cmd).await {
        Ok(r) if r.result.is_ok() => Ok(Some(r)),
        Ok(r) => {
            tracing::debug!(command = %line, result = %r.result, "modem refused an optional setting");
            Ok(None)
        }
        Err(e) => Err(InitError::Unresponsive(e.into())),
    }
}

/// Checks the modem answers at all: a fresh port may hold half a line or
/// a modem still booting.
pub async fn sync(client: &AtClient, tries: u32) -> Result<(), InitError> {
    let mut last = None;
    for _ in 0..tries.max(1) {
        match client.run(AtCommand::set("AT")).await {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(InitError::Unresponsive(CommandError::At(
        last.unwrap_or(crate::at::AtError::Closed("no answer".into())),
    )))
}

pub async fn initialise(
    client: &AtClient,
    cfg: &ModemConfig,
    pins: &mut PinMemory,
) -> Result<Ready, InitError> {
    sync(client, 3).await?;
    try_cmd(client, AtCommand::set("ATZ").with_kind(Kind::Slow)).await?;
    try_cmd(client, AtCommand::set("ATE0")).await?;
    try_cmd(client, AtCommand::set("AT+CMEE=1")).await?;

    let manufacturer = bare_answer(client, "AT+CGMI", &["+CGMI:"]).await?;
    let model_name = bare_answer(client, "AT+CGMM", &["+CGMM:"]).await?;
    let family = Profile::configured(cfg.profile)
        .unwrap_or_else(|| profile::detect(&manufacturer, &model_name));
    let profile = Profile::of(family);
    let model = format!("{manufacturer} {model_name}").trim().to_owned();
    tracing::info!(modem = %cfg.name, %model, profile = profile.name(), "modem identified");

    pin::unlock(
        client,
        &cfg.name,
        cfg.pin.as_deref(),
        pins,
        Duration::from_millis(500),
    )
    .await
    .map_err(|e| match e {
        PinError::Command(c) if c.is_unresponsive() => InitError::Unresponsive(c),
        other => InitError::Sim(other),
    })?;

    for line in profile.noise_off {
        try_cmd(client, AtCommand::set(*line)).await?;
    }
    client.set("AT+CMGF=0").await?;
    let cnma = try_cmd(client, AtCommand::query("AT+CSMS?", &["+CSMS:"]))
        .await?
        .and_then(|r| r.value("+CSMS").and_then(|v| num::<u8>(&fields(v), 0)))
        == Some(1);
    let s = &cfg.storage;
    if try_cmd(
        client,
        AtCommand::query(format!("AT+CPMS=\"{s}\",\"{s}\",\"{s}\""), &["+CPMS:"]),
    )
    .await?
    .is_none()
    {
        try_cmd(
            client,
            AtCommand::query(format!("AT+CPMS=\"{s}\""), &["+CPMS:"]),
        )
        .await?;
    }
    let cnmi = choose_cnmi(client, cfg).await?;
    if cnmi.is_none() {
        tracing::warn!(modem = %cfg.name, "modem takes no +CNMI setting: new messages are found by sweeps only");
    }
    try_cmd(client, AtCommand::set("AT+CLIP=1")).await?;
    try_cmd(client, AtCommand::set("AT+CRC=1")).await?;
    if let Some(smsc) = &cfg.smsc {
        try_cmd(client, AtCommand::set(format!("AT+CSCA=\"{smsc}\",145"))).await?;
    }
    for line in profile.extra {
        try_cmd(client, AtCommand::set(*line)).await?;
    }
    let line = match &cfg.number {
        Some(n) => Some(n.clone()),
        None => own_number(client).await?,
    };
    Ok(Ready {
        profile,
        model,
        cnmi,
        cnma,
        line,
    })
}

async fn bare_answer(
    client: &AtClient,
    line: &str,
    prefixes: &'static [&'static str],
) -> Result<String, InitError> {
    let reply = try_cmd(
        client,
        AtCommand::set(line).expecting(Expect::bare(prefixes)),
    )
    .await?;
    let Some(reply) = reply else {
        return Ok(String::new());
    };
    let text = reply
        .info
        .first()
        .map(|l| {
            let t = l.text.as_str();
            prefixes
                .iter()
                .find_map(|p| crate::at::command::strip_prefix_value(t, p))
                .unwrap_or(t)
                .trim_matches('"')
                .to_owned()
        })
        .unwrap_or_default();
    Ok(text)
}

async fn choose_cnmi(client: &AtClient, cfg: &ModemConfig) -> Result<Option<Cnmi>, InitError> {
    let mut candidates: Vec<Cnmi> = Vec::new();
    if let Some(c) = cfg.cnmi.as_deref().and_then(Cnmi::from_config) {
        candidates.push(c);
    } else if let Some(r) = try_cmd(client, AtCommand::query("AT+CNMI=?", &["+CNMI:"])).await?
        && let Some(c) = r
            .value("+CNMI")
            .map(cnmi::parse_test)
            .and_then(|a| cnmi::choose(&a))
    {
        candidates.push(c);
    }
    for values in cnmi::FALLBACKS {
        let c = Cnmi { values };
        if !candidates.contains(&c) {
            candidates.push(c);
        }
    }
    for c in candidates {
        if try_cmd(client, AtCommand::set(c.command()))
            .await?
            .is_some()
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// `+CNUM: "<alpha>","<number>",<type>`; many SIMs have none stored.
async fn own_number(client: &AtClient) -> Result<Option<PhoneNumber>, InitError> {
    let Some(r) = try_cmd(client, AtCommand::query("AT+CNUM", &["+CNUM:"])).await? else {
        return Ok(None);
    };
    Ok(r.values("+CNUM").find_map(|v| {
        let f = fields(v);
        let n = f.get(1)?;
        number::address(n, num(&f, 2)).and_then(|a| number::e164(&a))
    }))
}
