//! Call bookkeeping without a modem: the events each sequence of codes gives.

use super::{CallSettings, Calls};
use crate::clcc::parse_clcc;
use crate::emit::Emitter;
use crate::urc::{self, EndCause, Urc};
use std::time::{Duration, SystemTime};
use switchboard_protocol::{CallEnd, CallProgress, Caller, Envelope, Event, HandlerId};
use tokio::sync::mpsc;
use tokio::time::Instant;

fn calls(reject_after: Option<u32>) -> (Calls, mpsc::UnboundedReceiver<Envelope>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let c = Calls::new(
        Emitter::new(HandlerId::new("t"), tx),
        CallSettings {
            name: "t".into(),
            line: None,
            ring_timeout: Duration::from_secs(10),
            reject_after,
            hangup: "ATH",
        },
    );
    (c, rx)
}

fn events(rx: &mut mpsc::UnboundedReceiver<Envelope>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e.event);
    }
    out
}

fn clip(line: &str) -> Caller {
    match urc::parse(line, None) {
        Urc::Clip(c) => c,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn ring_silence_ends_a_call_as_missed() {
    let (mut c, mut rx) = calls(None);
    let now = SystemTime::now();
    assert!(!c.on_ring(true, now));
    c.on_clip(clip("+CLIP: \"+491701234567\",145,,,,0"), now);
    tokio::time::advance(Duration::from_secs(4)).await;
    c.on_ring(true, now);
    tokio::time::advance(Duration::from_secs(9)).await;
    c.on_tick(Instant::now());
    assert!(c.any(), "9 s of silence is not yet 10");
    tokio::time::advance(Duration::from_secs(2)).await;
    c.on_tick(Instant::now());
    assert!(!c.any());
    let ev = events(&mut rx);
    assert!(matches!(
        ev[0],
        Event::CallIncoming {
            caller: Caller::Number(_),
            ..
        }
    ));
    match &ev[1] {
        Event::CallMissed(m) => {
            assert_eq!(m.rings, 2);
            assert!(!m.rejected);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ev.len(), 2);
}

#[tokio::test]
async fn data_calls_are_not_counted() {
    let (mut c, mut rx) = calls(None);
    c.on_ring(false, SystemTime::now());
    assert!(!c.any());
    assert!(events(&mut rx).is_empty());
}

#[tokio::test]
async fn reject_after_n_rings_is_asked_for_once() {
    let (mut c, _rx) = calls(Some(2));
    let now = SystemTime::now();
    assert!(!c.on_ring(true, now));
    assert!(c.on_ring(true, now));
}

#[tokio::test]
async fn an_answered_incoming_call_ends_completed_not_missed() {
    let (mut c, mut rx) = calls(None);
    let now = SystemTime::now();
    c.on_ring(true, now);
    c.on_clip(clip("+CLIP: \"\",128,,,,1"), now);
    c.apply_list(&[parse_clcc("1,1,0,0,0,\"\",128").unwrap()]);
    assert!(!c.on_ended(Some(1), EndCause::Normal));
    let ev = events(&mut rx);
    assert!(matches!(
        &ev[0],
        Event::CallIncoming {
            caller: Caller::Withheld,
            ..
        }
    ));
    assert!(matches!(
        &ev[1],
        Event::CallProgress {
            progress: CallProgress::Active,
            ..
        }
    ));
    assert!(matches!(
        &ev[2],
        Event::CallProgress {
            progress: CallProgress::Ended {
                end: CallEnd::Completed
            },
            ..
        }
    ));
    assert!(!ev.iter().any(|e| matches!(e, Event::CallMissed(_))));
}

#[tokio::test]
async fn a_call_gone_from_the_list_has_ended() {
    let (mut c, mut rx) = calls(None);
    let now = SystemTime::now();
    c.on_ring(true, now);
    c.apply_list(&[parse_clcc("2,1,4,0,0,\"+491701234567\",145").unwrap()]);
    c.apply_list(&[]);
    let ev = events(&mut rx);
    match ev.last() {
        Some(Event::CallMissed(m)) => {
            assert!(matches!(m.caller, Caller::Number(_)), "caller from +CLCC");
            assert_eq!(m.rings, 1);
        }
        other => panic!("{other:?}"),
    }
}
