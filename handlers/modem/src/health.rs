//! Health checks: signal, registration and operator, read into the radio
//! status the host shows.

use crate::at::{AtClient, AtCommand, CommandError};
use crate::number::{fields, num};
use switchboard_protocol::{RadioStatus, Registration};

/// `+CSQ: <rssi>,<ber>`: 0..=31 maps to -113..-51 dBm, 99 is unknown.
pub fn csq(v: &str) -> Option<u8> {
    num::<u8>(&fields(v), 0).filter(|&r| r <= 31 || r == 99)
}

pub fn dbm(csq: u8) -> Option<i32> {
    (csq <= 31).then(|| -113 + 2 * i32::from(csq))
}

/// The stat of `+CREG: <n>,<stat>[,...]` (a query answer).
pub fn creg_stat(v: &str) -> Option<u8> {
    num(&fields(v), 1)
}

pub fn registration(stat: u8) -> Registration {
    match stat {
        0 => Registration::NotRegistered,
        1 => Registration::Home,
        2 => Registration::Searching,
        3 => Registration::Denied,
        5 => Registration::Roaming,
        // 6/7: SMS only home/roaming (LTE); 9/10: CSFB not preferred.
        6 | 9 => Registration::Home,
        7 | 10 => Registration::Roaming,
        _ => Registration::Unknown,
    }
}

/// The operator of `+COPS: <mode>,<format>,"<oper>"[,<act>]`.
pub fn operator(v: &str) -> Option<String> {
    fields(v)
        .get(2)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// One round of health queries. A modem that does not answer is an error;
/// a modem that refuses a query (no +CEREG on 2G sticks) is not.
pub async fn check(client: &AtClient, radio: &mut RadioStatus) -> Result<(), CommandError> {
    let r = client.ok(AtCommand::query("AT+CSQ", &["+CSQ:"])).await?;
    if let Some(c) = r.value("+CSQ").and_then(csq) {
        radio.csq = Some(c);
        radio.signal_dbm = dbm(c);
    }
    let mut reg = Registration::Unknown;
    let r = client
        .run(AtCommand::query("AT+CREG?", &["+CREG:"]))
        .await?;
    if let Some(stat) = r.value("+CREG").and_then(creg_stat) {
        reg = registration(stat);
    }
    // LTE-only registrations show in +CEREG alone.
    if !reg.is_registered() {
        let r = client
            .run(AtCommand::query("AT+CEREG?", &["+CEREG:"]))
            .await?;
        if let Some(stat) = r.value("+CEREG").and_then(creg_stat) {
            let lte_reg = registration(stat);
            if lte_reg.is_registered() || reg == Registration::Unknown {
                reg = lte_reg;
            }
        }
    }
    radio.registration = reg;
    if reg.is_registered() {
        let r = client
            .run(AtCommand::query("AT+COPS?", &["+COPS:"]))
            .await?;
        radio.operator = r.value("+COPS").and_then(operator);
    } else {
        radio.operator = None;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_answers() {
        assert_eq!(csq("20,99"), Some(20));
        assert_eq!(csq("99,99"), Some(99));
        assert_eq!(csq("40,0"), None);
        assert_eq!(dbm(20), Some(-73));
        assert_eq!(dbm(99), None);
        assert_eq!(creg_stat("0,5"), Some(5));
        assert_eq!(registration(5), Registration::Roaming);
        assert_eq!(registration(3), Registration::Denied);
        assert_eq!(
            operator("0,0,\"Telekom.de\",2").as_deref(),
            Some("Telekom.de")
        );
        assert_eq!(operator("0"), None);
    }
}
