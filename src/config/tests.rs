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
fn bad_region_is_named() {
    let err = parse("[numbers]\ndefault_region = \"XX\"\n").unwrap_err();
    assert!(err.to_string().contains("numbers.default_region"), "{err}");
}
