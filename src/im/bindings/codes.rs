//! The rules of one-time codes, as pure functions of the time: a code
//! lives 5 minutes and allows 5 tries; a number is sent codes with a
//! back-off (30 s after the first, doubling) and at most a daily cap.

use crate::im::clock::day_of;
use crate::store::UnixMs;
use rand::Rng;
use sha2::{Digest, Sha256};

pub const LIFE_MS: i64 = 5 * 60 * 1000;
pub const MAX_TRIES: u32 = 5;
pub const FIRST_BACKOFF_MS: i64 = 30_000;

/// A 6-digit code from the thread CSPRNG (ChaCha, seeded by the OS).
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

pub fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(code.trim().as_bytes()).to_vec()
}

/// What is known of codes sent to one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sends {
    pub day: i64,
    pub sent_today: u32,
    pub last_sent_at: UnixMs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    /// Wait this many seconds before asking again.
    TooSoon(i64),
    /// The number had its codes for today.
    DailyCap,
}

/// May a code be sent now? Gives the new record when it may.
pub fn may_send(before: Option<Sends>, now: UnixMs, cap: u32) -> Result<Sends, SendRefused> {
    let today = day_of(now);
    let Some(s) = before.filter(|s| s.day == today) else {
        return Ok(Sends {
            day: today,
            sent_today: 1,
            last_sent_at: now,
        });
    };
    if s.sent_today >= cap {
        return Err(SendRefused::DailyCap);
    }
    let wait = FIRST_BACKOFF_MS << (s.sent_today.saturating_sub(1)).min(8);
    let ready = s.last_sent_at + wait;
    if now < ready {
        return Err(SendRefused::TooSoon((ready - now + 999) / 1000));
    }
    Ok(Sends {
        day: today,
        sent_today: s.sent_today + 1,
        last_sent_at: now,
    })
}

/// A pending code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub code_hash: Vec<u8>,
    pub expires_at: UnixMs,
    pub tries: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Right,
    Wrong {
        tries_left: u32,
    },
    Expired,
    /// The tries are used up; the code is dead.
    Exhausted,
}

pub fn check(p: &Pending, given: &str, now: UnixMs) -> Verdict {
    if now >= p.expires_at {
        return Verdict::Expired;
    }
    if p.tries >= MAX_TRIES {
        return Verdict::Exhausted;
    }
    if hash(given) == p.code_hash {
        return Verdict::Right;
    }
    let left = MAX_TRIES - p.tries - 1;
    if left == 0 {
        Verdict::Exhausted
    } else {
        Verdict::Wrong { tries_left: left }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn back_off_doubles_and_the_cap_holds_for_the_day() {
        let t0 = 10 * DAY + 1000;
        let s1 = may_send(None, t0, 3).unwrap();
        assert_eq!(
            may_send(Some(s1), t0 + 29_000, 3),
            Err(SendRefused::TooSoon(1))
        );
        let s2 = may_send(Some(s1), t0 + 30_000, 3).unwrap();
        assert!(matches!(
            may_send(Some(s2), t0 + 30_000 + 59_000, 3),
            Err(SendRefused::TooSoon(_))
        ));
        let s3 = may_send(Some(s2), t0 + 90_000, 3).unwrap();
        assert_eq!(
            may_send(Some(s3), t0 + 3_600_000, 3),
            Err(SendRefused::DailyCap)
        );
        assert!(may_send(Some(s3), 11 * DAY, 3).is_ok());
    }

    #[test]
    fn a_code_expires_and_allows_five_tries() {
        let p = Pending {
            code_hash: hash("123456"),
            expires_at: 1000 + LIFE_MS,
            tries: 0,
        };
        assert_eq!(check(&p, "123456", 1000), Verdict::Right);
        assert_eq!(check(&p, "000000", 1000), Verdict::Wrong { tries_left: 4 });
        assert_eq!(check(&p, "123456", 1000 + LIFE_MS), Verdict::Expired);
        let used = Pending {
            tries: 4,
            ..p.clone()
        };
        assert_eq!(check(&used, "000000", 1000), Verdict::Exhausted);
        let dead = Pending { tries: 5, ..p };
        assert_eq!(check(&dead, "123456", 1000), Verdict::Exhausted);
    }
}
