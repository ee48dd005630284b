//! What differs between modem families: identification, +CNMI modes,
//! storage index base, start-up and periodic noise, and how calls are
//! reported.

use super::config::Profile;

/// Supported values of each +CNMI parameter (mode, mt, bm, ds, bfr).
pub(crate) type CnmiModes = [&'static [u8]; 5];

pub(crate) struct ProfileData {
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub revision: &'static str,
    pub imei: &'static str,
    pub imsi: &'static str,
    /// The +CNMI=? line.
    pub cnmi_test: &'static str,
    pub cnmi: CnmiModes,
    /// First storage index (+CMTI, +CMGR, +CMGL, +CMGD).
    pub index_base: u16,
    /// +CEREG exists (LTE modems).
    pub cereg: bool,
    /// Text for an unknown command.
    pub unsupported: &'static str,
    /// Lines printed at power-on.
    pub boot: &'static [&'static str],
    /// Periodic noise (Huawei), cycled; stopped by `AT^CURC=0`.
    pub noise: &'static [&'static str],
    /// +CLIP's tail after the number and type (`,,,,0` or `,"",0,"",0`),
    /// without the validity digit.
    pub clip_tail: &'static str,
    /// Vendor call progress: ^ORIG/^CONF/^CONN/^CEND.
    pub huawei_calls: bool,
    /// `VOICE CALL: BEGIN` / `VOICE CALL: END: hhmmss` / `MISSED_CALL:`.
    pub simcom_calls: bool,
    /// A missed incoming call ends with NO CARRIER (Quectel); generic
    /// modems stay silent and the ringing just stops.
    pub no_carrier_on_missed: bool,
    /// The URC a full SIM storage prints, if any.
    pub memory_full_urc: Option<&'static str>,
}

const HUAWEI: ProfileData = ProfileData {
    manufacturer: "huawei",
    model: "E1750",
    revision: "11.126.16.04.00",
    imei: "358192034567891",
    imsi: "262011234567890",
    cnmi_test: "+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)",
    cnmi: [&[0, 1, 2], &[0, 1, 2, 3], &[0, 2], &[0, 1, 2], &[0, 1]],
    index_base: 0,
    cereg: false,
    unsupported: "COMMAND NOT SUPPORT",
    boot: &[
        "^BOOT:20952548,0,0,0,72",
        "^SRVST:2",
        "^MODE:5,4",
        "^SIMST:1",
    ],
    noise: &[
        "^RSSI:20",
        "^BOOT:20952548,0,0,0,72",
        "^MODE:5,4",
        "^RSSI:19",
        "^DSFLOWRPT:00000007,00000000,00000000,0000000000000000,0000000000000000,0003E800,0003E800",
    ],
    clip_tail: ",,,,",
    huawei_calls: true,
    simcom_calls: false,
    no_carrier_on_missed: false,
    memory_full_urc: Some("^SMMEMFULL: \"SM\""),
};

const SIMCOM: ProfileData = ProfileData {
    manufacturer: "SIMCOM INCORPORATED",
    model: "SIMCOM_SIM7600E-H",
    revision: "LE20B04SIM7600M22",
    imei: "862636051234567",
    imsi: "262021234567890",
    cnmi_test: "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi: [&[0, 1, 2], &[0, 1, 2, 3], &[0, 2], &[0, 1, 2], &[0, 1]],
    index_base: 1,
    cereg: true,
    unsupported: "ERROR",
    boot: &["RDY", "+CPIN: READY", "SMS DONE", "PB DONE"],
    noise: &[],
    clip_tail: ",\"\",0,\"\",",
    huawei_calls: false,
    simcom_calls: true,
    no_carrier_on_missed: false,
    memory_full_urc: None,
};

const QUECTEL: ProfileData = ProfileData {
    manufacturer: "Quectel",
    model: "EC25",
    revision: "EC25EFAR06A06M4G",
    imei: "867698041234567",
    imsi: "262031234567890",
    cnmi_test: "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi: [&[0, 1, 2], &[0, 1, 2, 3], &[0, 2], &[0, 1, 2], &[0, 1]],
    index_base: 0,
    cereg: true,
    unsupported: "ERROR",
    boot: &[
        "RDY",
        "+CFUN: 1",
        "+CPIN: READY",
        "+QUSIM: 1",
        "+QIND: SMS DONE",
        "+QIND: PB DONE",
    ],
    noise: &[],
    clip_tail: ",\"\",0,\"\",",
    huawei_calls: false,
    simcom_calls: false,
    no_carrier_on_missed: true,
    memory_full_urc: Some("+QIND: \"smsfull\",\"SM\""),
};

const GENERIC: ProfileData = ProfileData {
    manufacturer: "Generic",
    model: "GSM Modem",
    revision: "1.0",
    imei: "490154203237518",
    imsi: "262079876543210",
    cnmi_test: "+CNMI: (0-2),(0-3),(0-3),(0-2),(0,1)",
    cnmi: [
        &[0, 1, 2],
        &[0, 1, 2, 3],
        &[0, 1, 2, 3],
        &[0, 1, 2],
        &[0, 1],
    ],
    index_base: 1,
    cereg: false,
    unsupported: "ERROR",
    boot: &[],
    noise: &[],
    clip_tail: ",,,,",
    huawei_calls: false,
    simcom_calls: false,
    no_carrier_on_missed: false,
    memory_full_urc: None,
};

pub(crate) fn data(p: Profile) -> &'static ProfileData {
    match p {
        Profile::Generic => &GENERIC,
        Profile::Huawei => &HUAWEI,
        Profile::Simcom => &SIMCOM,
        Profile::Quectel => &QUECTEL,
    }
}
