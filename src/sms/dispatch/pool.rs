//! Links as the dispatcher keeps them, and the choice of a link for a
//! message: the route's tiers in order, and within a pool of modems the
//! least busy one that can take the message.
//!
//! A SIM may have a daily limit (operators bar or bill SIMs that send too
//! much). Parts count towards the day when they are handed over, so a
//! window of messages in flight cannot overshoot the limit; parts a try
//! did not get sent are given back. A modem at its limit is passed over
//! like a link that is down, until the next (UTC) day.

use super::routes::Route;
use serde::Serialize;
use std::collections::HashMap;
use switchboard_protocol::{HandlerHandle, HandlerId, HandlerState};

/// What kind of link a handler is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Smpp,
    Modem,
}

/// A link as the host starts it: its channel and what the pool needs.
#[derive(Debug, Clone)]
pub struct LinkSpec {
    pub handle: HandlerHandle,
    pub kind: LinkKind,
    /// Most SMS parts per day (a SIM's limit).
    pub daily_limit: Option<u32>,
}

pub struct Slot {
    pub handle: HandlerHandle,
    pub kind: LinkKind,
    pub state: HandlerState,
    pub capacity: u32,
    /// Messages handed over whose outcome is not yet committed.
    pub in_flight: u32,
    pub daily_limit: Option<u32>,
    /// Parts sent (or handed over and not given back) on `day`.
    pub sent_today: u64,
    pub day: i64,
}

impl Slot {
    pub fn new(spec: LinkSpec, day: i64, sent_today: u64) -> Slot {
        Slot {
            handle: spec.handle,
            kind: spec.kind,
            state: HandlerState::Down,
            capacity: 0,
            in_flight: 0,
            daily_limit: spec.daily_limit,
            sent_today,
            day,
        }
    }

    /// Starts a new day's count when the day has changed.
    pub fn roll_day(&mut self, day: i64) {
        if day != self.day {
            self.day = day;
            self.sent_today = 0;
        }
    }

    /// Whether `parts` more parts stay within today's limit.
    pub fn within_limit(&self, parts: u64) -> bool {
        self.daily_limit
            .is_none_or(|l| self.sent_today + parts <= u64::from(l))
    }

    pub fn at_limit(&self) -> bool {
        self.daily_limit
            .is_some_and(|l| self.sent_today >= u64::from(l))
    }

    /// Whether the link can take a message of `parts` parts now.
    pub fn usable(&self, parts: u64) -> bool {
        self.state != HandlerState::Down
            && self.in_flight < self.capacity
            && self.within_limit(parts)
    }

    /// A message of `parts` parts is handed over.
    pub fn take(&mut self, parts: u64) {
        self.in_flight += 1;
        self.sent_today += parts;
    }

    /// Parts handed over that the try did not get sent (same day only: a
    /// new day's count never goes below what it saw).
    pub fn give_back(&mut self, parts: u64, handed_on: i64) {
        if handed_on == self.day {
            self.sent_today = self.sent_today.saturating_sub(parts);
        }
    }
}

/// The link for a message of `parts` parts on `route`: the first tier with
/// a usable link, and in a pool the least busy (fewest in flight, then
/// fewest sent today, then the first named). A link the message just
/// failed on (`avoid`) is taken only when no other is usable.
pub fn pick(
    route: &Route,
    slots: &HashMap<HandlerId, Slot>,
    avoid: Option<&HandlerId>,
    parts: u64,
) -> Option<HandlerId> {
    let best = |skip: Option<&HandlerId>| {
        route.tiers.iter().find_map(|tier| {
            tier.iter()
                .enumerate()
                .filter(|(_, h)| Some(*h) != skip)
                .filter_map(|(i, h)| slots.get(h).filter(|s| s.usable(parts)).map(|s| (i, h, s)))
                .min_by_key(|(i, _, s)| (s.in_flight, s.sent_today, *i))
                .map(|(_, h, _)| h.clone())
        })
    };
    best(avoid).or_else(|| avoid.and_then(|_| best(None)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::channel_pair;

    fn slot(name: &str, kind: LinkKind, limit: Option<u32>) -> (HandlerId, Slot) {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let (handle, _io) = channel_pair(HandlerId::new(name), tx);
        let mut s = Slot::new(
            LinkSpec {
                handle,
                kind,
                daily_limit: limit,
            },
            100,
            0,
        );
        s.state = HandlerState::Up;
        s.capacity = 4;
        (HandlerId::new(name), s)
    }

    fn route(tiers: &[&[&str]]) -> Route {
        Route {
            prefix: "+".into(),
            tiers: tiers
                .iter()
                .map(|t| t.iter().map(|n| HandlerId::new(*n)).collect())
                .collect(),
        }
    }

    #[test]
    fn a_pool_spreads_over_its_modems_least_busy_first() {
        let mut slots: HashMap<_, _> = ["m1", "m2", "m3"]
            .iter()
            .map(|n| slot(n, LinkKind::Modem, None))
            .collect();
        let r = route(&[&["m1", "m2", "m3"]]);
        let mut used = Vec::new();
        for _ in 0..6 {
            let h = pick(&r, &slots, None, 1).unwrap();
            slots.get_mut(&h).unwrap().take(1);
            used.push(h.0);
        }
        assert_eq!(used, ["m1", "m2", "m3", "m1", "m2", "m3"]);
    }

    #[test]
    fn a_modem_at_its_limit_is_skipped_until_the_next_day() {
        let mut slots: HashMap<_, _> = [
            slot("m1", LinkKind::Modem, Some(2)),
            slot("m2", LinkKind::Modem, None),
            slot("smsc", LinkKind::Smpp, None),
        ]
        .into_iter()
        .collect();
        let m1 = HandlerId::new("m1");
        let r = route(&[&["m1"], &["m2"]]);
        slots.get_mut(&m1).unwrap().sent_today = 1;
        assert_eq!(pick(&r, &slots, None, 1), Some(m1.clone()));
        // Two more parts would pass the limit of 2.
        assert_eq!(pick(&r, &slots, None, 2).unwrap().0, "m2");
        slots.get_mut(&m1).unwrap().take(1);
        assert!(slots[&m1].at_limit());
        assert_eq!(pick(&r, &slots, None, 1).unwrap().0, "m2");
        slots.get_mut(&m1).unwrap().roll_day(101);
        assert_eq!(pick(&r, &slots, None, 1), Some(m1));
    }

    #[test]
    fn a_down_pool_fails_over_to_the_next_tier_and_the_failed_link_is_avoided() {
        let mut slots: HashMap<_, _> = [
            slot("m1", LinkKind::Modem, None),
            slot("m2", LinkKind::Modem, None),
            slot("smsc", LinkKind::Smpp, None),
        ]
        .into_iter()
        .collect();
        let r = route(&[&["m1", "m2"], &["smsc"]]);
        let m1 = HandlerId::new("m1");
        assert_eq!(pick(&r, &slots, Some(&m1), 1).unwrap().0, "m2");
        slots.get_mut(&HandlerId::new("m2")).unwrap().state = HandlerState::Down;
        // m1 failed this message: the SMPP link is tried before it again.
        assert_eq!(pick(&r, &slots, Some(&m1), 1).unwrap().0, "smsc");
        slots.get_mut(&HandlerId::new("smsc")).unwrap().state = HandlerState::Down;
        assert_eq!(pick(&r, &slots, Some(&m1), 1), Some(m1.clone()));
        slots.get_mut(&m1).unwrap().state = HandlerState::Down;
        assert_eq!(pick(&r, &slots, None, 1), None);
    }

    #[test]
    fn parts_not_sent_are_given_back_the_same_day_only() {
        let (_, mut s) = slot("m1", LinkKind::Modem, Some(10));
        s.take(3);
        s.give_back(2, 100);
        assert_eq!(s.sent_today, 1);
        s.take(3);
        s.roll_day(101);
        s.give_back(3, 100);
        assert_eq!(s.sent_today, 0);
    }
}
