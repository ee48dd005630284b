//! Calls through a real pty: missed, withheld, answered, rejected, and the
//! callback sequence dial, hold, dial, join.

mod common;

use common::{Rig, number};
use switchboard_protocol::{
    Address, CallCommand, CallEnd, CallId, CallProgress, Caller, Command, Event, MissedCall,
};
use switchboard_sim::modem::{DialOutcome, IncomingCall, Profile, RingEnd};

fn missed(e: &Event) -> Option<MissedCall> {
    match e {
        Event::CallMissed(m) => Some(m.clone()),
        _ => None,
    }
}

fn incoming(e: &Event) -> Option<(CallId, Caller)> {
    match e {
        Event::CallIncoming { call, caller, .. } => Some((*call, caller.clone())),
        _ => None,
    }
}

async fn missed_call_on(profile: Profile) {
    let mut rig =
        Rig::start_with(profile, |s| s.number = Some("+491701111111".into()), |_| {}).await;
    rig.wait_up().await;
    rig.sim
        .inject_call(IncomingCall::from_number("+491701234567", 3))
        .unwrap();
    let (id, caller) = rig.wait_for("call incoming", incoming).await;
    let want = Caller::Number(Address::International(number("+491701234567")));
    assert_eq!(caller, want);
    let m = rig.wait_for("call missed", missed).await;
    assert_eq!(m.call, id);
    assert_eq!(m.caller, want);
    assert_eq!(m.rings, 3, "{profile:?}");
    assert!(!m.rejected);
    assert_eq!(m.line.as_ref().map(|l| l.as_str()), Some("+491701111111"));
    assert!(m.ended_at >= m.started_at);
    // Exactly one end for the call.
    let later = rig.drain_for(std::time::Duration::from_millis(1500)).await;
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, Event::CallMissed(_) | Event::CallProgress { .. })),
        "{later:?}"
    );
    rig.stop().await;
}

#[tokio::test]
async fn missed_call_generic_by_ring_silence() {
    missed_call_on(Profile::Generic).await;
}

#[tokio::test]
async fn missed_call_huawei() {
    missed_call_on(Profile::Huawei).await;
}

#[tokio::test]
async fn missed_call_simcom() {
    missed_call_on(Profile::Simcom).await;
}

#[tokio::test]
async fn missed_call_quectel() {
    missed_call_on(Profile::Quectel).await;
}

#[tokio::test]
async fn withheld_caller() {
    let mut rig = Rig::start(Profile::Huawei).await;
    rig.wait_up().await;
    rig.sim.inject_call(IncomingCall::withheld(2)).unwrap();
    let (_, caller) = rig.wait_for("call incoming", incoming).await;
    assert_eq!(caller, Caller::Withheld);
    let m = rig.wait_for("call missed", missed).await;
    assert_eq!(m.caller, Caller::Withheld);
    assert_eq!(m.rings, 2);
    rig.stop().await;
}

#[tokio::test]
async fn an_answered_call_is_not_missed() {
    let mut rig = Rig::start(Profile::Quectel).await;
    rig.wait_up().await;
    let mut call = IncomingCall::from_number("+491701234567", 10);
    call.end = RingEnd::Forever;
    call.hangup_after_answer_ms = Some(200);
    rig.sim.inject_call(call).unwrap();
    let (id, _) = rig.wait_for("call incoming", incoming).await;
    rig.send(Command::Call(CallCommand::Answer { call: id }));
    let mut progress = Vec::new();
    loop {
        let ev = rig
            .wait_for("progress", |e| match e {
                Event::CallProgress { call, progress, .. } if *call == id => Some(progress.clone()),
                Event::CallMissed(m) => panic!("answered call reported missed: {m:?}"),
                _ => None,
            })
            .await;
        let done = matches!(ev, CallProgress::Ended { .. });
        progress.push(ev);
        if done {
            break;
        }
    }
    assert_eq!(
        progress,
        [
            CallProgress::Active,
            CallProgress::Ended {
                end: CallEnd::Completed
            }
        ]
    );
    assert!(rig.sim.at_log().iter().any(|l| l == "ATA"));
    rig.stop().await;
}

#[tokio::test]
async fn rejected_after_n_rings_is_still_missed() {
    let mut rig =
        Rig::start_with(Profile::Simcom, |_| {}, |c| c.reject_after_rings = Some(2)).await;
    rig.wait_up().await;
    let mut call = IncomingCall::from_number("+491701234567", 10);
    call.end = RingEnd::Forever;
    rig.sim.inject_call(call).unwrap();
    let m = rig.wait_for("call missed", missed).await;
    assert!(m.rejected);
    assert_eq!(m.rings, 2);
    assert!(
        rig.sim.at_log().iter().any(|l| l == "ATH"),
        "{:?}",
        rig.sim.at_log()
    );
    rig.stop().await;
}

async fn progress_until(rig: &mut Rig, id: CallId, want: CallProgress) -> Vec<CallProgress> {
    let mut seen = Vec::new();
    loop {
        let p = rig
            .wait_for(&format!("{want:?} for {id}"), |e| match e {
                Event::CallProgress { call, progress, .. } if *call == id => Some(progress.clone()),
                _ => None,
            })
            .await;
        seen.push(p.clone());
        if p == want {
            return seen;
        }
        assert!(
            !matches!(p, CallProgress::Ended { .. }),
            "{id} ended early: {seen:?}"
        );
    }
}

#[tokio::test]
async fn dial_hold_dial_join_hang_up() {
    let mut rig = Rig::start(Profile::Huawei).await;
    rig.wait_up().await;
    let (a, b) = (CallId::Placed(1), CallId::Placed(2));
    rig.sim.set_dial_outcome(
        "+491702222222",
        DialOutcome::Answer {
            after_ms: 100,
            hangup_after_ms: None,
        },
    );
    rig.sim.set_dial_outcome(
        "+491703333333",
        DialOutcome::Answer {
            after_ms: 100,
            hangup_after_ms: None,
        },
    );
    rig.sim.clear_at_log();

    rig.send(Command::Call(CallCommand::Dial {
        call: a,
        to: number("+491702222222"),
    }));
    let seen = progress_until(&mut rig, a, CallProgress::Active).await;
    assert_eq!(seen.first(), Some(&CallProgress::Dialling));
    rig.send(Command::Call(CallCommand::HoldAndSwap));
    progress_until(&mut rig, a, CallProgress::Held).await;
    rig.send(Command::Call(CallCommand::Dial {
        call: b,
        to: number("+491703333333"),
    }));
    progress_until(&mut rig, b, CallProgress::Active).await;
    rig.send(Command::Call(CallCommand::Join));
    progress_until(&mut rig, b, CallProgress::Joined).await;
    rig.send(Command::Call(CallCommand::Dtmf {
        call: b,
        digits: "12#".into(),
    }));
    rig.send(Command::Call(CallCommand::HangUp { call: None }));
    for id in [a, b] {
        progress_until(
            &mut rig,
            id,
            CallProgress::Ended {
                end: CallEnd::Completed,
            },
        )
        .await;
    }
    let log: Vec<String> = rig
        .sim
        .at_log()
        .into_iter()
        .filter(|l| {
            l.starts_with("ATD")
                || l.starts_with("AT+CHLD")
                || l.starts_with("AT+VTS")
                || l == "AT+CHUP"
        })
        .collect();
    assert_eq!(
        log,
        [
            "ATD+491702222222;",
            "AT+CHLD=2",
            "ATD+491703333333;",
            "AT+CHLD=3",
            "AT+VTS=1",
            "AT+VTS=2",
            "AT+VTS=#",
            "AT+CHUP"
        ]
    );
    let calls = rig.sim.calls();
    assert!(calls.iter().filter(|c| c.joined).count() >= 2, "{calls:?}");
    rig.stop().await;
}

#[tokio::test]
async fn busy_and_unanswered_dials() {
    let mut rig = Rig::start(Profile::Generic).await;
    rig.wait_up().await;
    rig.sim
        .set_dial_outcome("+491702222222", DialOutcome::Busy { after_ms: 50 });
    rig.sim
        .set_dial_outcome("+491703333333", DialOutcome::NoAnswer { after_ms: 150 });
    rig.send(Command::Call(CallCommand::Dial {
        call: CallId::Placed(1),
        to: number("+491702222222"),
    }));
    progress_until(
        &mut rig,
        CallId::Placed(1),
        CallProgress::Ended { end: CallEnd::Busy },
    )
    .await;
    rig.send(Command::Call(CallCommand::Dial {
        call: CallId::Placed(2),
        to: number("+491703333333"),
    }));
    progress_until(
        &mut rig,
        CallId::Placed(2),
        CallProgress::Ended {
            end: CallEnd::NoAnswer,
        },
    )
    .await;
    rig.stop().await;
}

#[tokio::test]
async fn rings_are_counted_at_real_intervals() {
    let mut rig = Rig::start_with(
        Profile::Huawei,
        |s| s.timing.ring_interval_ms = 700,
        |c| {
            c.ring_timeout_secs = 10;
            c.call_poll_ms = 1000;
            c.health_secs = 15;
        },
    )
    .await;
    rig.wait_up().await;
    rig.sim
        .inject_call(IncomingCall::from_number("+491701234567", 3))
        .unwrap();
    let m = rig.wait_for("call missed", missed).await;
    assert_eq!(m.rings, 3, "{:#?}", rig.seen);
    rig.stop().await;
}
