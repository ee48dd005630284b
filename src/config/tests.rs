use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("test.toml"))
}

#[test]
fn the_example_parses() {
    // SAFETY: tests in this module are the only ones touching this variable.
    unsafe { std::env::set_var("SMSC_PASSWORD", "secret") };
    let c = parse(EXAMPLE).expect("example config must parse");
    assert_eq!(c.smpp.len(), 1);
    assert_eq!(c.smpp[0].password, "secret");
    assert_eq!(c.route[0].via, ["smsc"]);
}

#[test]
fn unknown_key_is_named() {
    let err = parse("[server]\nlisten = \"127.0.0.1:1\"\nlistn = 3\n").unwrap_err();
    assert!(err.to_string().contains("listn"), "{err}");
}

#[test]
fn bad_value_is_named() {
    let err = parse("[server]\nlisten = \"nowhere\"\n").unwrap_err();
    assert!(err.to_string().contains("listen"), "{err}");
}

#[test]
fn route_to_unknown_link_is_refused() {
    let err = parse("[[route]]\nprefix = \"+49\"\nvia = [\"nope\"]\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("route[0].via[0]") && text.contains("nope"),
        "{text}"
    );
}

#[test]
fn missing_environment_variable_is_named() {
    let err = parse(
        "[[smpp]]\nname=\"a\"\nhost=\"h\"\nport=1\nsystem_id=\"x\"\npassword=\"${SB_TEST_UNSET_VAR}\"\n",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("SB_TEST_UNSET_VAR") && text.contains("smpp[0].password"),
        "{text}"
    );
}

#[test]
fn a_zero_header_timeout_is_refused() {
    let err = parse("[server]\nheader_timeout_secs = 0\n").unwrap_err();
    assert!(
        err.to_string().contains("server.header_timeout_secs"),
        "{err}"
    );
}

#[test]
fn bad_region_is_named() {
    let err = parse("[numbers]\ndefault_region = \"XX\"\n").unwrap_err();
    assert!(err.to_string().contains("numbers.default_region"), "{err}");
}

/// The example's commented [[modem]] table, uncommented (options that are
/// shown doubly commented stay off).
fn example_with_modem() -> String {
    let mut out = String::new();
    let mut in_modem = false;
    for line in EXAMPLE.lines() {
        if line.starts_with("# [[modem]]") {
            in_modem = true;
        } else if !line.starts_with('#') {
            in_modem = false;
        }
        match line.strip_prefix("# ") {
            Some(rest) if in_modem && !rest.starts_with('#') => out.push_str(rest),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.replace("via = [\"smsc\"]\n", "via = [\"gsm0\", \"smsc\"]\n")
}

#[test]
fn the_example_modem_section_parses_when_uncommented() {
    // SAFETY: tests in this module are the only ones touching these variables.
    unsafe {
        std::env::set_var("SMSC_PASSWORD", "secret");
        std::env::set_var("SIM_PIN", "1234");
    }
    let text = example_with_modem();
    let c = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(c.modem.len(), 1);
    let m = &c.modem[0];
    assert_eq!(m.name, "gsm0");
    assert_eq!(m.pin.as_deref(), Some("1234"));
    assert_eq!(m.daily_limit, Some(500));
    assert_eq!(c.route[0].via, ["gsm0", "smsc"]);
}

const MODEM: &str = "[[modem]]\nname = \"gsm0\"\ndevice = \"/dev/ttyUSB0\"\n";

#[test]
fn a_modem_and_a_link_may_not_share_a_name() {
    let text = format!("[[smpp]]\nname=\"gsm0\"\nhost=\"h\"\nport=1\nsystem_id=\"x\"\n{MODEM}");
    let err = parse(&text).unwrap_err().to_string();
    assert!(
        err.contains("modem[0].name") && err.contains("gsm0"),
        "{err}"
    );
    let err = parse(&format!("{MODEM}{MODEM}")).unwrap_err().to_string();
    assert!(err.contains("modem[1].name"), "{err}");
}

#[test]
fn modem_mistakes_name_the_key() {
    let cases = [
        ("device = \"tcp://nohost\"", "modem[0].device"),
        ("pin = \"12ab\"", "modem[0].pin"),
        ("daily_limit = 0", "modem[0].daily_limit"),
        ("health_secs = 0", "modem[0].health_secs"),
        ("profile = \"nokia\"", "profile"),
        ("number = \"0170 123\"", "number"),
        ("devic = \"x\"", "devic"),
    ];
    for (line, key) in cases {
        let text = MODEM.replace("device = \"/dev/ttyUSB0\"\n", "")
            + if line.starts_with("device") {
                ""
            } else {
                "device = \"/dev/ttyUSB0\"\n"
            }
            + line
            + "\n";
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(key), "{line}: {err}");
    }
    let two = format!("{MODEM}[[modem]]\nname = \"gsm1\"\ndevice = \"/dev/ttyUSB0\"\n");
    let err = parse(&two).unwrap_err().to_string();
    assert!(
        err.contains("modem[1].device") && err.contains("gsm0"),
        "{err}"
    );
}

#[test]
fn a_modem_pin_comes_from_the_environment() {
    let text = format!("{MODEM}pin = \"${{SB_TEST_UNSET_PIN}}\"\n");
    let err = parse(&text).unwrap_err().to_string();
    assert!(
        err.contains("modem[0].pin") && err.contains("SB_TEST_UNSET_PIN"),
        "{err}"
    );
}

#[test]
fn routes_may_name_modems() {
    let text = format!(
        "{MODEM}[[modem]]\nname = \"gsm1\"\ndevice = \"tcp://10.0.0.5:7001\"\n\
         [[route]]\nprefix = \"+49\"\nvia = [\"gsm0\", \"gsm1\"]\n"
    );
    let c = parse(&text).unwrap();
    assert_eq!(c.route[0].via, ["gsm0", "gsm1"]);
    let err = parse(&format!(
        "{MODEM}[[route]]\nprefix = \"+49\"\nvia = [\"gsm9\"]\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("route[0].via[0]") && err.contains("[[modem]]"),
        "{err}"
    );
}

#[test]
fn opt_out_applies_to_the_api_unless_turned_off() {
    assert!(parse("").unwrap().delivery.opt_out_applies_to_api);
    let off = parse("[delivery]\nopt_out_applies_to_api = false\n").unwrap();
    assert!(!off.delivery.opt_out_applies_to_api);
    let err = parse("[delivery]\nopt_out_applies_to_api = \"no\"\n").unwrap_err();
    assert!(err.to_string().contains("opt_out_applies_to_api"), "{err}");
}
