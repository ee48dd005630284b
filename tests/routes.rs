//! Several SMSCs and the route table: the longest prefix picks the links,
//! a later link carries the traffic while an earlier one is down, and the
//! link used is recorded on the message and its parts.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_pick_links_by_prefix_and_fail_over_when_one_is_down() {
    let primary = start_sim(|_| {}).await;
    let backup = start_sim(|_| {}).await;
    let german = start_sim(|_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}\n{}\n{}\n\
         [[route]]\nprefix = \"+\"\nvia = [\"primary\", \"backup\"]\n\n\
         [[route]]\nprefix = \"+49\"\nvia = [\"german\"]\n",
        fast_delivery(3),
        smpp_link("primary", primary.local_addr().port(), ""),
        smpp_link("backup", backup.local_addr().port(), ""),
        smpp_link("german", german.local_addr().port(), ""),
    ))
    .await;
    for link in ["primary", "backup", "german"] {
        gw.api.wait_link_up(link).await;
    }

    // Longest prefix: a German number goes to its own link; others to the
    // first link of the default route.
    let de = gw.api.send_text("+491701234567", "to germany").await;
    let fr = gw
        .api
        .send_text("+33612345678", "to france, first link")
        .await;
    let done = gw
        .api
        .wait_all_in_state(&[de, fr], "delivered", 30 * SECOND)
        .await;
    assert_eq!(done[0]["route"], "german", "{}", done[0]);
    assert_eq!(done[0]["parts"][0]["route"], "german", "{}", done[0]);
    assert_eq!(done[1]["route"], "primary", "{}", done[1]);
    assert_eq!(german.accepted_count(), 1);
    assert_eq!(primary.accepted_count(), 1);
    assert_eq!(backup.accepted_count(), 0);

    // The first link goes away: the second carries the traffic.
    primary.stop().await;
    eventually("the primary link down", 30 * SECOND, || async {
        let hs = gw.api.handlers().await;
        let p = hs
            .iter()
            .find(|h| h["name"] == "primary")
            .cloned()
            .unwrap_or_default();
        if p["state"] == "down" {
            Ok(())
        } else {
            Err(format!("{p}"))
        }
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            gw.api
                .send_text("+33612345678", &format!("failover {i}"))
                .await,
        );
    }
    let done = gw
        .api
        .wait_all_in_state(&ids, "delivered", 60 * SECOND)
        .await;
    for m in &done {
        assert_eq!(m["route"], "backup", "{m}");
    }
    assert_eq!(backup.accepted_count(), 20);
    // Nothing for the default route leaked to the German link.
    assert_eq!(german.accepted_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_no_route_covers_is_refused_at_the_api() {
    let sim = start_sim(|_| {}).await;
    let gw = Gateway::start(&format!(
        "{}\n{}\n[[route]]\nprefix = \"+49\"\nvia = [\"only\"]\n",
        fast_delivery(3),
        smpp_link("only", sim.local_addr().port(), ""),
    ))
    .await;
    let (status, body) = gw
        .api
        .post(
            "/api/v1/messages",
            &serde_json::json!({"to": "+33612345678", "text": "hi"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "to", "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("[[route]]"),
        "{body}"
    );
    assert!(gw.api.outbound_all().await.is_empty());
}
