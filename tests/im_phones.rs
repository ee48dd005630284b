//! Phones and IM users write to each other through IM IDs: bindings (API
//! and REG), the three ways to address an ID, the sticky reply, the
//! commands, the helpful replies, STOP and START, phone-only users; and
//! nobody is shown another's number (HTTP bodies, events, SMS, the log).

mod common;
mod im_support;

use im_support::*;
use std::time::Duration;

const P_ALICE: &str = "+491701110001";
const P_BOB: &str = "+491701110002";
const P_STRANGER: &str = "+491701110009";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_phones_and_im_users_write_through_ids_and_never_see_a_number() {
    let w = World::start("").await;
    w.add_user("alice");
    w.add_user("bob");
    let alice = w.login("alice").await;
    let bob = w.login("Bob").await;

    // (a) Alice binds her phone from the API with the code sent to it.
    w.bind(&alice, P_ALICE, 1).await;
    let (_, me) = alice.get("/api/v1/me").await;
    assert_eq!(me["phone"], P_ALICE, "her own number is shown to her: {me}");

    // (b) Bob's phone texts REG bob; Bob's client hears of it; he enters the code.
    let mut bob_events = bob.events().await;
    w.text(P_BOB, "reg Bob").await;
    let sms = w.nth_sms(P_BOB, 1).await;
    assert!(sms.contains("bob@sb.test"), "{sms}");
    bob_events.next("binding.requested").await;
    let (s, v) = bob
        .post(
            "/api/v1/bindings/confirm",
            &serde_json::json!({"code": code_in(&sms)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    drop(bob_events);

    // A bound phone texts `alice hi`: Alice's stream has it from bob's ID.
    let mut alice_events = alice.events().await;
    w.text(P_BOB, "alice hi").await;
    let m = alice_events.next("message").await;
    assert_eq!(m["from"], "bob@sb.test", "{m}");
    assert_eq!(m["text"], "hi", "{m}");

    // Alice answers; Bob is offline, so his phone gets `alice: …`.
    alice.send("bob", "hello Bob").await;
    assert_eq!(w.nth_sms(P_BOB, 2).await, "alice: hello Bob");

    // A text without an ID goes to whoever wrote last (sticky reply).
    w.text(P_BOB, "sure thing").await;
    let m = alice_events.next("message").await;
    assert_eq!(
        (m["from"].as_str(), m["text"].as_str()),
        (Some("bob@sb.test"), Some("sure thing"))
    );

    // The other two ways to write an ID, any case.
    w.text(P_BOB, "@ALICE second").await;
    assert_eq!(alice_events.next("message").await["text"], "second");
    w.text(P_BOB, "Alice: third one").await;
    assert_eq!(alice_events.next("message").await["text"], "third one");

    // Two phones through IDs: Alice goes offline; her phone gets Bob's
    // text, answers without an ID, and Bob's phone gets it.
    drop(alice_events);
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.text(P_BOB, "alice are you there").await;
    assert_eq!(w.nth_sms(P_ALICE, 2).await, "bob: are you there");
    w.text(P_ALICE, "yes, on the train").await;
    assert_eq!(w.nth_sms(P_BOB, 3).await, "alice: yes, on the train");

    // WHO and STATUS.
    w.text(P_BOB, "who").await;
    let who = w.nth_sms(P_BOB, 4).await;
    assert!(who.starts_with("alice@sb.test wrote to you last"), "{who}");
    w.text(P_BOB, "STATUS").await;
    let st = w.nth_sms(P_BOB, 5).await;
    assert!(st.contains("bob@sb.test") && st.contains(": on"), "{st}");

    // An unknown ID gets a helpful reply naming a similar one.
    w.text(P_BOB, "@alcie hello?").await;
    let u = w.nth_sms(P_BOB, 6).await;
    assert!(
        u.contains("\"alcie\"") && u.contains("Did you mean alice?"),
        "{u}"
    );
    // ... at most once an hour.
    w.text(P_BOB, "@alcie hello again").await;
    w.no_more_sms(P_BOB, 6).await;

    // STOP ends SMS to the phone until START; messages wait in the inbox.
    w.text(P_BOB, "STOP").await;
    assert!(w.nth_sms(P_BOB, 7).await.contains("no more SMS"));
    alice.send("bob", "while you were stopped").await;
    w.no_more_sms(P_BOB, 7).await;
    let (_, inbox) = bob.get("/api/v1/inbox?unread=true").await;
    assert_eq!(
        inbox["messages"][0]["text"], "while you were stopped",
        "{inbox}"
    );
    assert_eq!(inbox["messages"][0]["from"], "alice@sb.test", "{inbox}");
    let (status, bad) = bob.get("/api/v1/inbox?limit=many").await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["field"], "query", "{bad}");
    w.text(P_BOB, "start").await;
    assert!(w.nth_sms(P_BOB, 8).await.contains("on again"));
    alice.send("bob", "welcome back").await;
    assert_eq!(w.nth_sms(P_BOB, 9).await, "alice: welcome back");

    // HELP explains the commands.
    w.text(P_BOB, "help").await;
    let help = w.nth_sms(P_BOB, 10).await;
    assert!(
        help.contains("REG") && help.contains("You are bob@sb.test"),
        "{help}"
    );

    // An unbound phone gets HELP (once an hour), and its text goes nowhere.
    w.text(P_STRANGER, "alice hello").await;
    let h = w.nth_sms(P_STRANGER, 1).await;
    assert!(h.contains("REG <id>"), "{h}");
    w.text(P_STRANGER, "alice hello?").await;
    w.no_more_sms(P_STRANGER, 1).await;

    // Others' numbers appear nowhere: not in what Alice or Bob were shown
    // (bodies, events), not in any SMS, not in the log.
    let (_, contacts) = alice.get("/api/v1/inbox").await;
    assert!(
        contacts["messages"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    w.assert_private(
        &[("alice", P_ALICE), ("bob", P_BOB)],
        &[P_ALICE, P_BOB, P_STRANGER],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbound_phone_gets_an_id_of_its_own_and_picks_a_name() {
    let w = World::start("phone_only_users = true").await;
    w.add_user("alice");
    let alice = w.login("alice").await;
    let mut events = alice.events().await;
    w.text(P_STRANGER, "alice hi from a plain phone").await;
    let welcome = w.nth_sms(P_STRANGER, 1).await;
    assert!(welcome.contains("Your IM ID is phone"), "{welcome}");
    let m = events.next("message").await;
    let from = m["from"].as_str().expect("from").to_owned();
    assert!(
        from.starts_with("phone") && from.ends_with("@sb.test"),
        "{m}"
    );
    assert_eq!(m["text"], "hi from a plain phone");

    w.text(P_STRANGER, "NICK dave").await;
    assert_eq!(
        w.nth_sms(P_STRANGER, 2).await,
        "Done: you are now dave@sb.test."
    );
    w.text(P_STRANGER, "alice it is dave now").await;
    let m = events.next("message").await;
    assert_eq!(m["from"], "dave@sb.test", "{m}");

    // A name that is taken, and a full user cannot rename by SMS.
    w.text(P_STRANGER, "nick alice").await;
    assert!(w.nth_sms(P_STRANGER, 3).await.contains("taken"));

    alice.send("dave", "hi Dave").await;
    assert_eq!(w.nth_sms(P_STRANGER, 4).await, "alice: hi Dave");
    w.assert_private(&[("alice", "")], &[P_STRANGER]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_virtual_number_goes_straight_to_its_user() {
    let w = World::start(
        "phone_only_users = true\nvirtual_numbers = [{ address = \"1234501\", id = \"alice\" }]",
    )
    .await;
    w.add_user("alice");
    let alice = w.login("alice").await;
    let mut events = alice.events().await;
    w.text_to(P_STRANGER, "1234501", "no ID needed here").await;
    let m = events.next("message").await;
    assert_eq!(m["text"], "no ID needed here", "{m}");
    // Commands still work on a virtual number.
    w.text_to(P_STRANGER, "1234501", "WHO").await;
    let who = w.nth_sms(P_STRANGER, 2).await;
    assert!(who.starts_with("Nobody wrote"), "{who}");
    w.assert_private(&[("alice", "")], &[P_STRANGER]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_stored_but_not_handled_before_a_crash_is_handled_at_the_next_start() {
    let mut w = World::start("").await;
    w.add_user("alice");
    w.add_user("bob");
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    w.bind(&alice, P_ALICE, 1).await;
    w.bind(&bob, P_BOB, 1).await;

    // The gateway dies right after storing an SMS from Bob's phone, before
    // the IM side handled it (the row is what the store holds by then).
    w.gw.kill9();
    let db = w.gw.dir().join("switchboard.db");
    let c = rusqlite::Connection::open(&db).expect("open the store");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    c.execute(
        "INSERT INTO inbound (handler, from_addr, to_addr, text, coding, parts, complete, received_at)
         VALUES ('sim', ?1, '{\"type\":\"other\",\"value\":\"12345\"}', 'alice did you get this', 'gsm7', 1, 1, ?2)",
        rusqlite::params![format!("{{\"type\":\"international\",\"value\":\"{P_BOB}\"}}"), now],
    )
    .expect("insert");
    drop(c);
    w.gw.restart().await;
    w.gw.api.wait_link_up("sim").await;
    // Alice is offline: her phone gets it, once.
    assert_eq!(w.nth_sms(P_ALICE, 2).await, "bob: did you get this");
    // (Handled is recorded just after the SMS went out: let it commit; a
    // crash in between would send it again, at least once.)
    tokio::time::sleep(Duration::from_millis(1000)).await;
    w.gw.restart().await;
    w.gw.api.wait_link_up("sim").await;
    w.no_more_sms(P_ALICE, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sticky_reply_expires_and_the_reply_throttle_opens_after_an_hour() {
    let w = World::start("sticky_reply_secs = 600").await;
    w.add_user("alice");
    w.add_user("bob");
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    w.bind(&bob, P_BOB, 1).await;
    let mut events = alice.events().await;
    alice.send("bob", "ping").await;
    assert_eq!(w.nth_sms(P_BOB, 2).await, "alice: ping");
    w.advance_clock(599).await;
    w.text(P_BOB, "pong").await;
    assert_eq!(events.next("message").await["text"], "pong");

    // Past its time a text without an ID has nobody to go to.
    w.advance_clock(2).await;
    w.text(P_BOB, "still there?").await;
    assert!(w.nth_sms(P_BOB, 3).await.starts_with("Who is this for?"));
    w.text(P_BOB, "hello??").await;
    w.no_more_sms(P_BOB, 3).await;
    // One automatic reply of a kind per hour, then another.
    w.advance_clock(3600).await;
    w.text(P_BOB, "hello???").await;
    assert!(w.nth_sms(P_BOB, 4).await.starts_with("Who is this for?"));
    drop(bob);
}
