//! Faults: a refused bind, connections dropped under load, throttling,
//! lost responses and lost submits, and kill -9 of the gateway in the middle
//! of a load. Whatever happens, no message is lost and duplicates stay
//! within what the design allows.

mod common;

use common::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use switchboard_sim::Smsc;

const LINK: &str = "sim";

/// `n` messages with texts unique in their first 20 characters (delivery
/// reports quote those), to `recipients` different numbers.
fn messages(prefix: &str, n: usize, recipients: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            (
                format!("+4917020{:05}", i % recipients),
                format!("{prefix}-{i:05} load test message"),
            )
        })
        .collect()
}

/// Sends in batches of 100; all ids in order.
async fn send_all(api: &Api, msgs: &[(String, String)]) -> Vec<String> {
    let mut ids = Vec::with_capacity(msgs.len());
    for chunk in msgs.chunks(100) {
        ids.extend(api.send_batch(chunk).await);
    }
    ids
}

/// How many times each text was accepted by the SMSC (given a message id).
fn accepted_per_text(sim: &Smsc) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in sim.accepted() {
        *m.entry(r.text).or_insert(0) += 1;
    }
    m
}

/// Outcome counts of the submits the SMSC received.
fn outcomes(sim: &Smsc) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in sim.submits() {
        *m.entry(r.outcome).or_insert(0) += 1;
    }
    m
}

/// Waits until `n` messages are delivered; fails at once when one ends
/// failed or expired (nothing here should).
async fn wait_delivered(api: &Api, n: u64, limit: Duration) {
    eventually(&format!("{n} messages delivered"), limit, || async move {
        let c = api.state_counts().await;
        let bad = c.get("failed").copied().unwrap_or(0) + c.get("expired").copied().unwrap_or(0);
        if bad > 0 {
            let failed: Vec<_> = api
                .outbound_all()
                .await
                .into_iter()
                .filter(|m| m["state"] == "failed" || m["state"] == "expired")
                .take(5)
                .collect();
            panic!("{bad} message(s) ended failed/expired ({c:?}), e.g. {failed:?}");
        }
        if c.get("delivered").copied().unwrap_or(0) >= n {
            Ok(())
        } else {
            Err(format!("{c:?}"))
        }
    })
    .await
}

/// Every message of `msgs` is delivered (per the API) and its text reached
/// the SMSC; returns the texts accepted more than once.
async fn check_all_arrived(
    api: &Api,
    sim: &Smsc,
    msgs: &[(String, String)],
) -> Vec<(String, usize)> {
    let all = api.outbound_all().await;
    assert_eq!(all.len(), msgs.len(), "stored messages");
    let not_delivered: Vec<_> = all
        .iter()
        .filter(|m| m["state"] != "delivered")
        .take(5)
        .collect();
    assert!(not_delivered.is_empty(), "not delivered: {not_delivered:?}");
    let per_text = accepted_per_text(sim);
    let missing: Vec<&String> = msgs
        .iter()
        .map(|(_, t)| t)
        .filter(|t| !per_text.contains_key(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} text(s) never reached the SMSC, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let mut dups: Vec<(String, usize)> = per_text.into_iter().filter(|(_, n)| *n > 1).collect();
    dups.sort();
    dups
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_bind_shows_the_link_down_and_retries_with_growing_gaps() {
    let sim = start_sim(|_| {}).await;
    let port = sim.local_addr().port();
    let mut gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        smpp_link(
            LINK,
            port,
            "password = \"wrong\"\nreconnect_min_secs = 1\nreconnect_max_secs = 30"
        )
    ))
    .await;
    let h = eventually(
        "the link shown down naming the password",
        30 * SECOND,
        || async {
            let hs = gw.api.handlers().await;
            match hs.iter().find(|h| h["name"] == LINK) {
                Some(h)
                    if h["state"] == "down"
                        && h["detail"].as_str().is_some_and(|d| {
                            d.contains("ESME_RINVPASWD") || d.to_lowercase().contains("password")
                        }) =>
                {
                    Ok(h.clone())
                }
                _ => Err(format!("{hs:?}")),
            }
        },
    )
    .await;
    assert_eq!(h["capacity"], 0, "{h}");
    // A message sent meanwhile waits; it is neither lost nor failed.
    let id = gw
        .api
        .send_text("+491700000040", "waiting for a working link")
        .await;

    // Watch the SMSC's bind log for a while.
    let first = eventually("a bind attempt", 10 * SECOND, || async {
        sim.binds()
            .first()
            .map(|b| b.at)
            .ok_or_else(|| "none".to_owned())
    })
    .await;
    let watch = Duration::from_secs(7);
    tokio::time::sleep((first + watch).saturating_duration_since(Instant::now())).await;
    let binds: Vec<_> = sim
        .binds()
        .into_iter()
        .filter(|b| b.at <= first + watch)
        .collect();
    assert!(
        binds.iter().all(|b| b.status == 0x0E),
        "every bind refused with ESME_RINVPASWD: {binds:?}"
    );
    let gaps: Vec<f64> = binds
        .windows(2)
        .map(|w| (w[1].at - w[0].at).as_secs_f64())
        .collect();
    assert!(
        (2..=6).contains(&binds.len()),
        "{} bind attempts in {watch:?} (gaps {gaps:?}): expected a few, backing off",
        binds.len()
    );
    // The wait after the n-th refusal is 1 s doubling (less up to a quarter
    // of jitter). A busy machine can only make a gap longer, so each gap is
    // checked against the shortest the backoff allows: this is growth that
    // load cannot fake or break.
    for (n, &g) in gaps.iter().enumerate() {
        let least = 0.7 * 2f64.powi(n as i32);
        assert!(
            g >= least,
            "retry {} came {g:.2} s after the one before, sooner than the backoff's {least:.2} s: {gaps:?}",
            n + 1
        );
    }
    let m = gw.api.message(&id).await;
    assert_eq!(m["state"], "queued", "{m}");

    // With the password fixed the waiting message goes out.
    let config = std::fs::read_to_string(gw.config_path()).expect("config");
    std::fs::write(
        gw.config_path(),
        config.replace("password = \"wrong\"", "password = \"secret\""),
    )
    .expect("config");
    gw.restart().await;
    gw.api.wait_link_up(LINK).await;
    gw.api
        .wait_all_in_state(&[id], "delivered", 30 * SECOND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_dropped_under_load_lose_nothing() {
    let sim = start_sim(|c| c.faults.drop_every = Some(200)).await;
    // The hold must outlast a reconnect (up to 2 s here) plus the backlog
    // of reports the SMSC sends after it: reports cannot arrive while the
    // link is down.
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(10),
        smpp_link(LINK, sim.local_addr().port(), "response_timeout_secs = 2")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("drop", 2000, 20);
    let start = Instant::now();
    send_all(&gw.api, &msgs).await;
    wait_delivered(&gw.api, 2000, 150 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    let o = outcomes(&sim);
    let drops = o.get("dropped").copied().unwrap_or(0);
    eprintln!(
        "drop_every: {:?} for 2000 messages, outcomes {o:?}, {} binds, duplicates {}",
        start.elapsed(),
        sim.binds().len(),
        dups.len()
    );
    assert!(
        drops >= 5,
        "the SMSC dropped the connection only {drops} times: {o:?}"
    );
    // Each drop leaves one submit accepted but unanswered; its delivery
    // report lets the gateway know it went out, so none is sent twice.
    assert!(
        dups.is_empty(),
        "{} message(s) reached the SMSC more than once: {:?}",
        dups.len(),
        &dups[..dups.len().min(10)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_loses_nothing() {
    let sim = start_sim(|c| c.faults.throttle_rate = 0.2).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        smpp_link(LINK, sim.local_addr().port(), "throttle_backoff_ms = 50")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("throttle", 500, 50);
    send_all(&gw.api, &msgs).await;
    wait_delivered(&gw.api, 500, 90 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    let o = outcomes(&sim);
    assert!(
        o.get("throttled").copied().unwrap_or(0) >= 20,
        "hardly throttled: {o:?}"
    );
    assert!(dups.is_empty(), "throttled messages sent twice: {dups:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_is_resolved_by_the_report_not_by_resending() {
    let sim = start_sim(|c| c.faults.no_response_rate = 0.05).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        smpp_link(LINK, sim.local_addr().port(), "response_timeout_secs = 1")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("noresp", 300, 30);
    send_all(&gw.api, &msgs).await;
    wait_delivered(&gw.api, 300, 90 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    let o = outcomes(&sim);
    assert!(
        o.get("no_response").copied().unwrap_or(0) >= 3,
        "hardly any lost response: {o:?}"
    );
    let mut submits: HashMap<String, usize> = HashMap::new();
    for r in sim.submits() {
        *submits.entry(r.text).or_insert(0) += 1;
    }
    let twice: Vec<_> = submits.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty() && dups.is_empty(),
        "submit_sm sent more than once for {} message(s) although the SMSC had accepted them and reported delivery: {:?}",
        twice.len(),
        &twice[..twice.len().min(10)]
    );
}

/// The same with the report coming only after the response timeout, when
/// the message is already held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_with_a_late_report_is_not_resent() {
    let sim = start_sim(|c| {
        c.faults.no_response_rate = 0.05;
        c.dlr_delay_ms = 2_000;
    })
    .await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(5),
        smpp_link(LINK, sim.local_addr().port(), "response_timeout_secs = 1")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("late", 200, 20);
    send_all(&gw.api, &msgs).await;
    wait_delivered(&gw.api, 200, 90 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    let o = outcomes(&sim);
    assert!(
        o.get("no_response").copied().unwrap_or(0) >= 2,
        "hardly any lost response: {o:?}"
    );
    assert_eq!(
        sim.submits().len(),
        200,
        "submit_sm sent again: {o:?}, duplicates {dups:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_submits_are_sent_again_after_the_hold() {
    let sim = start_sim(|c| c.faults.lost_rate = 0.05).await;
    let gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(2),
        smpp_link(LINK, sim.local_addr().port(), "response_timeout_secs = 1")
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("lost", 200, 20);
    send_all(&gw.api, &msgs).await;
    wait_delivered(&gw.api, 200, 90 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    let lost: HashSet<String> = sim
        .submits()
        .into_iter()
        .filter(|r| r.outcome == "lost")
        .map(|r| r.text)
        .collect();
    assert!(
        lost.len() >= 2,
        "hardly any submit lost: {:?}",
        outcomes(&sim)
    );
    // A lost submit was never accepted, so sending it again is no duplicate.
    assert!(dups.is_empty(), "{dups:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_a_load_loses_nothing() {
    const N: usize = 5000;
    const WINDOW: usize = 10;
    // A slow SMSC while the load is accepted, so the kill lands mid-way.
    let sim = start_sim(|c| c.response_delay_ms = 20).await;
    let mut gw = Gateway::start(&format!(
        "{}\n{}",
        fast_delivery(3),
        smpp_link(LINK, sim.local_addr().port(), &format!("window = {WINDOW}"))
    ))
    .await;
    gw.api.wait_link_up(LINK).await;
    let msgs = messages("kill", N, 100);
    let start = Instant::now();
    let ids = send_all(&gw.api, &msgs).await;
    assert_eq!(ids.len(), N);
    let accepted_all = start.elapsed();
    eventually(
        "1,000 submits accepted at the SMSC",
        120 * SECOND,
        || async {
            let n = sim.accepted_count();
            if n >= 1000 {
                Ok(())
            } else {
                Err(format!("{n}"))
            }
        },
    )
    .await;
    gw.kill9();
    let at_kill = sim.accepted_count();
    eprintln!(
        "kill -9 after {:?} with {at_kill} of {N} accepted at the SMSC (all {N} accepted by the API after {accepted_all:?})",
        start.elapsed()
    );
    assert!(
        at_kill < N,
        "everything was sent before the kill; the test proves nothing"
    );
    sim.set_response_delay(Duration::ZERO);

    gw.restart().await;
    gw.api.wait_link_up(LINK).await;
    wait_delivered(&gw.api, N as u64, 150 * SECOND).await;
    let dups = check_all_arrived(&gw.api, &sim, &msgs).await;
    eprintln!(
        "after restart: all {N} delivered at {:?}; {} sent twice",
        start.elapsed(),
        dups.len()
    );
    assert!(
        dups.len() <= WINDOW,
        "{} messages reached the SMSC more than once (at most the window, {WINDOW}, may): {:?}",
        dups.len(),
        &dups[..dups.len().min(20)]
    );
    assert!(dups.iter().all(|(_, n)| *n == 2), "{dups:?}");
}
