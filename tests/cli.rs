//! The command line as a new user meets it: the demo and every command it
//! prints, `serve` without a config, and the example config.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// Runs one printed command in bash with the demo's key exported.
fn run(export: &str, cmd: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -e\n{export}\n{cmd}"))
        .output()
        .expect("bash runs (and curl is installed by scripts/test)");
    assert!(
        out.status.success(),
        "printed command failed: {cmd}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Re-runs a command until its output contains `want`.
fn run_until(export: &str, cmd: &str, want: &str) -> String {
    let start = Instant::now();
    loop {
        let out = run(export, cmd);
        if out.contains(want) {
            return out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{cmd}\nnever printed {want:?}; last output: {out}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_demo_runs_and_every_command_it_prints_works() {
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("demo output");
        let done = line.contains("Stop with Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    let text = lines.join("\n");
    let db = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("database:"))
        .and_then(|l| l.split_whitespace().next())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("the demo names its database:\n{text}"));
    assert!(db.exists(), "{}", db.display());

    // The printed commands: continuation lines joined, comments dropped.
    let block = text
        .split_once("Try, in another terminal:")
        .and_then(|(_, rest)| rest.split_once("Stop with Ctrl-C"))
        .map(|(b, _)| b)
        .unwrap_or_else(|| panic!("no commands printed:\n{text}"));
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in block.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                commands.push(std::mem::take(&mut current));
            }
        }
    }
    let export = commands.remove(0);
    assert!(export.starts_with("export SB_KEY=sb_"), "{export}");
    let find = |needle: &str| {
        commands
            .iter()
            .find(|c| c.contains(needle))
            .unwrap_or_else(|| panic!("no printed command with {needle:?} in {commands:#?}"))
            .clone()
    };

    let sent = run(&export, &find("-d '{\"to\""));
    assert!(sent.contains("\"state\":\"queued\""), "{sent}");
    let shown = run_until(
        &export,
        &find("/api/v1/messages/1"),
        "\"state\":\"delivered\"",
    );
    assert!(
        shown.contains("€[]{}^"),
        "the text comes back intact: {shown}"
    );
    assert!(shown.contains("\"report\":\"delivered\""), "{shown}");
    // The second line: the simulated GSM modem on a pty.
    let via_modem = run(&export, &find("+4915112345678"));
    assert!(via_modem.contains("\"state\":\"queued\""), "{via_modem}");
    let shown = run_until(
        &export,
        &find("/api/v1/messages/2"),
        "\"state\":\"delivered\"",
    );
    assert!(shown.contains("\"route\":\"gsm\""), "{shown}");
    assert!(
        shown.contains("Hello through the modem 👋"),
        "the UCS-2 text comes back intact: {shown}"
    );
    let injected = run(&export, &find("/mo"));
    assert!(injected.contains("\"parts\":1"), "{injected}");

    let to_modem = run(&export, &find("/sms"));
    assert!(to_modem.contains("\"parts\":1"), "{to_modem}");
    let received = run_until(
        &export,
        &find("direction=in"),
        "Hi modem line, this came from a phone",
    );
    assert!(
        received.contains("Hi gateway, this came from a phone"),
        "{received}"
    );
    let rang = run(&export, &find("\"rings\":3"));
    assert!(rang.contains("\"index\""), "{rang}");
    let calls = run_until(&export, &find("/api/v1/calls"), "\"outcome\":\"missed\"");
    assert!(
        calls.contains("\"rings\":3") && calls.contains("\"caller\":\"+491701234567\""),
        "{calls}"
    );

    let handlers = run_until(&export, &find("/api/v1/handlers"), "\"operator\"");
    assert!(
        !handlers.contains("\"state\":\"down\"") && handlers.contains("\"kind\":\"modem\""),
        "{handlers}"
    );
    assert!(run(&export, &find("/healthz")).contains("\"status\":\"ok\""));
    let metrics = run(&export, &find("/metrics"));
    // The two sent by the API and the gateway's answers to the two texts
    // from a phone: every SMS queued counts, whoever asked for it.
    assert!(
        metrics.contains("switchboard_messages_accepted_total 4"),
        "{metrics}"
    );

    // The IM side: alice logs in, a phone texts her by her IM ID, she reads
    // it from the phone's IM ID and answers; the phone gets "alice: …".
    let pw = find("export SB_ALICE_PW=");
    let login = find("TOKEN=$(");
    let alice = format!("{export}\n{pw}\n{login}");
    let token = run(&alice, "echo \"$TOKEN\"");
    assert!(
        token.trim().starts_with("sbu_"),
        "login gives a token: {token}"
    );
    let texted = run(&export, &find("alice hello from my phone"));
    assert!(texted.contains("\"parts\":1"), "{texted}");
    let inbox = run_until(&alice, &find("/api/v1/inbox -H"), "hello from my phone");
    assert!(
        inbox.contains("@demo.local"),
        "from the phone's IM ID: {inbox}"
    );
    let answer = format!("{}\n{}", find("FROM=$("), find("/api/v1/im/messages"));
    let sent = run(&alice, &answer);
    assert!(sent.contains("\"state\":\"accepted\""), "{sent}");
    for seen in [&inbox, &sent] {
        assert!(
            !seen.contains("491709876543") && !seen.contains("+49"),
            "a phone number in alice's API answers: {seen}"
        );
    }
    let at_smsc = commands
        .iter()
        .find(|c| c.ends_with("/messages"))
        .unwrap_or_else(|| panic!("no command reading the simulator's messages"))
        .clone();
    let got = run_until(&export, &at_smsc, "alice: hi, alice here");
    assert!(got.contains("491709876543"), "{got}");

    assert_eq!(
        commands.len(),
        19,
        "a printed command is not tried here: {commands:#?}"
    );

    // Ctrl-C stops it and removes the demo database.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the demo did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !db.exists(),
        "the demo database is removed on exit: {}",
        db.display()
    );
}

#[test]
fn serve_without_a_config_says_how_to_make_one() {
    let out = Command::new(BIN).arg("serve").output().expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("switchboard config example"), "{err}");
}

#[test]
fn the_example_config_checks_and_a_bad_key_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = Command::new(BIN)
        .args(["config", "example"])
        .output()
        .expect("runs");
    assert!(example.status.success());
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, &example.stdout).expect("write");
    let check = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .env("SMSC_PASSWORD", "secret")
        .output()
        .expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Without the secret in the environment the key is named.
    let check = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .env_remove("SMSC_PASSWORD")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(
        !check.status.success()
            && err.contains("smpp[0].password")
            && err.contains("SMSC_PASSWORD"),
        "{err}"
    );

    let bad = String::from_utf8_lossy(&example.stdout).replace("window = 10", "windw = 10");
    std::fs::write(&path, bad).expect("write");
    let check = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .env("SMSC_PASSWORD", "secret")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success() && err.contains("windw"), "{err}");
}
