//! One-time codes for bindings under a clock the test moves: expiry after
//! 5 minutes, 5 tries, resend back-off, the daily cap per number; and
//! contact matching with its daily quota and uniform refusal.

mod common;
mod im_support;

use im_support::*;
use serde_json::json;

const PHONE: &str = "+491703330001";

async fn ask_code(u: &User) -> (u16, serde_json::Value) {
    u.post("/api/v1/bindings", &json!({"phone": PHONE})).await
}

async fn confirm_code(u: &User, code: String) -> (u16, serde_json::Value) {
    u.post("/api/v1/bindings/confirm", &json!({"code": code}))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_expire_allow_five_tries_back_off_and_are_capped_per_day() {
    let w = World::start("code_daily_cap = 3").await;
    w.add_user("alice");
    let alice = w.login("alice").await;
    let ask = || ask_code(&alice);
    let confirm = |code: String| confirm_code(&alice, code);

    let (s, v) = ask().await;
    assert_eq!(s, 202, "{v}");
    let first = code_in(&w.nth_sms(PHONE, 1).await);
    // Back-off: not again at once.
    let (s, v) = ask().await;
    assert_eq!((s, v["error"].as_str()), (429, Some("too_soon")), "{v}");

    // Five tries: four wrong ones say how many are left, the fifth kills it.
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_owned();
    for left in (1..=4).rev() {
        let (s, v) = confirm(wrong.clone()).await;
        assert_eq!((s, v["error"].as_str()), (422, Some("wrong_code")), "{v}");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries left")),
            "{v}"
        );
    }
    let (_, v) = confirm(wrong.clone()).await;
    assert_eq!(v["error"], "code_exhausted", "{v}");
    let (_, v) = confirm(first).await;
    assert_eq!(v["error"], "no_code", "the dead code is gone: {v}");

    // A second code after the back-off; it expires after 5 minutes.
    w.advance_clock(31).await;
    let (s, v) = ask().await;
    assert_eq!(s, 202, "{v}");
    let second = code_in(&w.nth_sms(PHONE, 2).await);
    w.advance_clock(301).await;
    let (_, v) = confirm(second).await;
    assert_eq!(v["error"], "code_expired", "{v}");

    // The third is the last for today (the back-off has doubled meanwhile).
    let (s, v) = ask().await;
    assert_eq!(s, 202, "{v}");
    let third = code_in(&w.nth_sms(PHONE, 3).await);
    w.advance_clock(600).await;
    let (s, v) = ask().await;
    assert_eq!((s, v["error"].as_str()), (429, Some("daily_cap")), "{v}");
    // The third code is dead anyway (expired); tomorrow a new one comes.
    let (_, v) = confirm(third).await;
    assert_eq!(v["error"], "code_expired", "{v}");
    w.advance_clock(86_400).await;
    let (s, v) = ask().await;
    assert_eq!(s, 202, "{v}");
    let fourth = code_in(&w.nth_sms(PHONE, 4).await);
    let (s, v) = confirm(fourth).await;
    assert_eq!((s, v["phone"].as_str()), (200, Some(PHONE)), "{v}");

    // One phone ↔ one IM ID.
    w.add_user("mallory");
    let mallory = w.login("mallory").await;
    w.advance_clock(86_400).await;
    let (s, v) = mallory
        .post("/api/v1/bindings", &json!({"phone": PHONE}))
        .await;
    assert_eq!((s, v["error"].as_str()), (409, Some("phone_taken")), "{v}");
    w.assert_private(&[("alice", PHONE)], &[PHONE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_matching_finds_the_discoverable_and_refuses_past_the_quota() {
    let w = World::start("match_daily_quota = 6").await;
    for u in ["alice", "bob", "carol"] {
        w.add_user(u);
    }
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    let carol = w.login("carol").await;
    let (p_bob, p_carol) = ("+491703330002", "+491703330003");
    w.bind(&bob, p_bob, 1).await;
    w.bind(&carol, p_carol, 1).await;
    // Bob allows being found; Carol does not (the default).
    let (s, _) = bob
        .call(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&json!({"discoverable": true})),
        )
        .await;
    assert_eq!(s, 200);

    // National and international forms; nonsense is simply not matched.
    let (s, v) = alice
        .post(
            "/api/v1/match",
            &json!({"numbers": ["0170 3330002", "+49 170 3330003", "not a number"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["matches"],
        json!([{"index": 0, "id": "bob@sb.test"}]),
        "{v}"
    );

    // Three more fit the quota of six; the next request is refused the same
    // way whether or not it would find anyone, and tomorrow works again.
    let (s, _) = alice
        .post(
            "/api/v1/match",
            &json!({"numbers": ["+491703330002", "+491709999999", "+491709999998"]}),
        )
        .await;
    assert_eq!(s, 200);
    let (s1, r1) = alice
        .post("/api/v1/match", &json!({"numbers": ["+491703330002"]}))
        .await;
    let (s2, r2) = alice
        .post("/api/v1/match", &json!({"numbers": ["+491709999997"]}))
        .await;
    assert_eq!((s1, s2), (429, 429));
    assert_eq!(r1, r2, "the refusal is uniform");
    assert_eq!(r1["error"], "quota_exhausted");
    w.advance_clock(86_400).await;
    let (s, v) = alice
        .post("/api/v1/match", &json!({"numbers": ["+491703330002"]}))
        .await;
    assert_eq!(
        (s, v["matches"][0]["id"].as_str()),
        (200, Some("bob@sb.test")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_cli_adds_lists_disables_and_sets_passwords() {
    let w = World::start("").await;
    w.add_user("alice");
    let alice = w.login("alice").await;
    let (ok, _, err) = w.cli(&["user", "add", "Alice"]);
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = w.cli(&["user", "add", "help"]);
    assert!(!ok && err.contains("command word"), "{err}");

    // Operator keys are not user tokens, and the other way round.
    let (s, v) = w.gw.api.get("/api/v1/me").await;
    assert_eq!(s, 401, "{v}");
    let (s, _) =
        w.gw.api
            .request(
                reqwest::Method::GET,
                "/api/v1/handlers",
                None,
                common::Auth::Header(&format!("Bearer {}", alice.token)),
            )
            .await;
    assert_eq!(s, 401);

    w.bind(&alice, PHONE, 1).await;
    let (ok, out, _) = w.cli(&["user", "list"]);
    assert!(
        ok && out.contains("alice@sb.test") && out.contains(PHONE),
        "administrators see numbers: {out}"
    );

    let (ok, _, _) = w.cli(&["user", "disable", "alice"]);
    assert!(ok);
    let (s, _) = alice.get("/api/v1/me").await;
    assert_eq!(s, 401, "a disabled user's token is dead");
    let (s, _) =
        w.gw.api
            .request(
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&json!({"id": "alice", "password": PASSWORD})),
                common::Auth::None,
            )
            .await;
    assert_eq!(s, 401);
    let (ok, _, _) = w.cli(&["user", "enable", "alice"]);
    assert!(ok);
    let again = w.login("alice").await;
    let (ok, _, _) = w.cli(&["user", "passwd", "alice"]);
    assert!(ok);
    let (s, _) = again.get("/api/v1/me").await;
    assert_eq!(s, 401, "a new password ends sessions");
    let (s, v) =
        w.gw.api
            .request(
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&json!({"id": "alice", "password": "wrong password"})),
                common::Auth::None,
            )
            .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (401, Some("wrong IM ID or password"))
    );
}
