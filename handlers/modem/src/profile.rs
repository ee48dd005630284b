//! Modem families and what differs between them.

use crate::config::ProfileChoice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Generic,
    Huawei,
    Simcom,
    Quectel,
}

/// The quirks the handler needs to know of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub family: Family,
    /// Hangs up every call. Huawei voice sticks ignore ATH for voice and
    /// want AT+CHUP (as chan_dongle does); the others take ATH.
    pub hangup: &'static str,
    /// Switches vendor noise off; failures are ignored.
    pub noise_off: &'static [&'static str],
    /// Extra settings after the standard ones; failures are ignored.
    pub extra: &'static [&'static str],
    /// The modem reports call progress itself (Huawei ^ORIG/^CONF/^CONN/
    /// ^CEND, SIMCom +CLCC URCs), so +CLCC polling is only a safety net.
    pub reports_calls: bool,
}

impl Profile {
    pub fn of(family: Family) -> Profile {
        match family {
            Family::Generic => Profile {
                family,
                hangup: "ATH",
                noise_off: &[],
                extra: &[],
                reports_calls: false,
            },
            Family::Huawei => Profile {
                family,
                hangup: "AT+CHUP",
                // ^CURC=0 stops ^RSSI/^BOOT/^MODE/^DSFLOWRPT; ^CEND and
                // friends stay.
                noise_off: &["AT^CURC=0"],
                extra: &[],
                reports_calls: true,
            },
            Family::Simcom => Profile {
                family,
                hangup: "ATH",
                noise_off: &[],
                // +CLCC as URCs on every call state change.
                extra: &["AT+CLCC=1"],
                reports_calls: true,
            },
            Family::Quectel => Profile {
                family,
                hangup: "ATH",
                noise_off: &[],
                extra: &[],
                reports_calls: false,
            },
        }
    }

    pub fn name(&self) -> &'static str {
        match self.family {
            Family::Generic => "generic",
            Family::Huawei => "huawei",
            Family::Simcom => "simcom",
            Family::Quectel => "quectel",
        }
    }

    /// The configured family, or `None` for "auto".
    pub fn configured(choice: ProfileChoice) -> Option<Family> {
        match choice {
            ProfileChoice::Auto => None,
            ProfileChoice::Generic => Some(Family::Generic),
            ProfileChoice::Huawei => Some(Family::Huawei),
            ProfileChoice::Simcom => Some(Family::Simcom),
            ProfileChoice::Quectel => Some(Family::Quectel),
        }
    }
}

/// The family from `+CGMI` and `+CGMM` answers.
pub fn detect(manufacturer: &str, model: &str) -> Family {
    let both = format!("{manufacturer} {model}").to_ascii_lowercase();
    if both.contains("huawei") {
        Family::Huawei
    } else if both.contains("simcom") || both.contains("sim800") || both.contains("sim7") {
        Family::Simcom
    } else if both.contains("quectel") || both.contains("ec25") || both.contains("eg91") {
        Family::Quectel
    } else {
        Family::Generic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_recognised() {
        assert_eq!(detect("huawei", "E1750"), Family::Huawei);
        assert_eq!(
            detect("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H"),
            Family::Simcom
        );
        assert_eq!(detect("Quectel", "EC25"), Family::Quectel);
        assert_eq!(detect("Generic", "GSM Modem"), Family::Generic);
        assert_eq!(Profile::of(Family::Huawei).hangup, "AT+CHUP");
        assert_eq!(Profile::of(Family::Quectel).hangup, "ATH");
    }
}
