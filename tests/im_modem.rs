//! The IM side over a GSM modem line: the real binary with `[im]` on and a
//! `[[modem]]` on a simulated modem (a real pty), every SMS to a phone
//! routed through the modem. A bound phone texts the modem line and an IM
//! user reads it from the phone user's IM ID; the answer reaches the phone
//! through the modem as `<id>: …`; an unbound phone gets HELP through the
//! modem; and nobody is shown a number but their own.

mod common;
mod im_support;

use im_support::*;

const P_ALICE: &str = "+491701110001";
const P_STRANGER: &str = "+491701110009";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_on_a_modem_line_write_to_im_ids_and_never_see_a_number() {
    let w = World::start_with_modem("").await;
    w.add_user("alice");
    w.add_user("bob");
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;

    // Alice binds her phone from the API; the code goes out by the modem.
    w.bind(&alice, P_ALICE, 1).await;
    let code = &w.modem().sent()[0];
    assert_eq!(code.to, P_ALICE, "{code:?}");

    // Her phone texts the modem line `bob hi`: Bob's stream has it from
    // alice's IM ID, and the event carries no number.
    let mut bob_events = bob.events().await;
    w.text_modem(P_ALICE, "bob hi");
    let m = bob_events.next("message").await;
    assert_eq!(m["from"], "alice@sb.test", "{m}");
    assert_eq!(m["text"], "hi", "{m}");

    // Bob answers through the users' API; Alice has no client open, so her
    // phone gets `bob: …` through the modem.
    bob.send("alice", "hello from IM").await;
    assert_eq!(w.nth_sms(P_ALICE, 2).await, "bob: hello from IM");
    let sent = w.modem().sent();
    let last = sent.last().expect("the modem sent the answer");
    assert_eq!(
        (last.to.as_str(), last.text.as_str()),
        (P_ALICE, "bob: hello from IM"),
        "{sent:?}"
    );

    // An answer from the phone without an ID goes back to Bob (sticky).
    w.text_modem(P_ALICE, "got it");
    let m = bob_events.next("message").await;
    assert_eq!(
        (m["from"].as_str(), m["text"].as_str()),
        (Some("alice@sb.test"), Some("got it"))
    );

    // An unbound phone texting the modem line gets HELP through the modem,
    // and its text reaches nobody.
    w.text_modem(P_STRANGER, "bob hello");
    let help = w.nth_sms(P_STRANGER, 1).await;
    assert!(help.contains("REG <id>"), "{help}");
    assert!(
        w.modem().sent().iter().any(|s| s.to == P_STRANGER),
        "HELP went out by the modem"
    );
    bob_events
        .none("message", std::time::Duration::from_millis(1000))
        .await;

    // Every SMS to a phone went through the modem, none through the SMSC.
    assert!(w.sim.messages().is_empty(), "{:?}", w.sim.messages());
    // What the gateway received came in on the modem line.
    let inbound = common::wait_inbound(&w.gw, 3).await;
    assert!(inbound.iter().all(|m| m["route"] == MODEM), "{inbound:?}");

    // Others' numbers appear nowhere: not in what Alice or Bob were shown
    // (bodies, events), not in any SMS, not in the log.
    let (_, inbox) = bob.get("/api/v1/inbox").await;
    assert!(inbox["messages"].as_array().is_some_and(|m| !m.is_empty()));
    let (_, me) = alice.get("/api/v1/me").await;
    assert_eq!(me["phone"], P_ALICE, "her own number is shown to her: {me}");
    w.assert_private(&[("alice", P_ALICE), ("bob", "")], &[P_ALICE, P_STRANGER]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modem_line_as_a_virtual_number_goes_straight_to_its_user() {
    let w = World::start_with_modem(&format!(
        "phone_only_users = true\nvirtual_numbers = [{{ address = \"{MODEM_LINE}\", id = \"bob\" }}]"
    ))
    .await;
    w.add_user("bob");
    let bob = w.login("bob").await;
    let mut events = bob.events().await;
    // The modem gives its own line (from +CNUM) as the destination.
    w.text_modem(P_STRANGER, "no ID needed on this line");
    let m = events.next("message").await;
    assert_eq!(m["text"], "no ID needed on this line", "{m}");
    let from = m["from"].as_str().expect("from").to_owned();
    assert!(
        from.starts_with("phone") && from.ends_with("@sb.test"),
        "{m}"
    );
    // The welcome (the phone's new ID) and Bob's answer go out by the modem.
    let welcome = w.nth_sms(P_STRANGER, 1).await;
    assert!(welcome.contains("Your IM ID is phone"), "{welcome}");
    let short = from.trim_end_matches("@sb.test");
    bob.send(short, "hi there").await;
    assert_eq!(w.nth_sms(P_STRANGER, 2).await, "bob: hi there");
    assert!(w.sim.messages().is_empty(), "{:?}", w.sim.messages());
    w.assert_private(&[("bob", "")], &[P_STRANGER]);
}
