//! Injected failures and the per-submit decision they lead to.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Failure rates in 0.0..=1.0, each rolled independently per submit_sm in
/// the order the fields are listed (the first that hits wins), so a rate of
/// 1.0 always applies unless an earlier one hit.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Swallow the PDU: no response, no delivery report, not accepted.
    pub lost_rate: f64,
    /// Answer generic_nack (ESME_RSYSERR).
    pub generic_nack_rate: f64,
    /// Permanent refusal: submit_sm_resp ESME_RINVDSTADR (0x0B).
    pub fail_rate: f64,
    /// submit_sm_resp ESME_RTHROTTLED (0x58), not accepted.
    pub throttle_rate: f64,
    /// submit_sm_resp ESME_RMSGQFUL (0x14), not accepted.
    pub queue_full_rate: f64,
    /// Accept (assign an id, schedule the report) but never answer.
    pub no_response_rate: f64,
    /// Accepted and answered, but the delivery report says UNDELIV.
    pub undeliverable_rate: f64,
    /// Close the connection after every N-th submit_sm on it. That submit is
    /// accepted (id assigned, report scheduled) but its response is never
    /// sent: it models an SMSC that crashed between storing and answering,
    /// which is what makes gateways send duplicates.
    pub drop_every: Option<u64>,
}

/// What to do with one submit_sm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Lost,
    GenericNack,
    Refuse { status: u32, outcome: &'static str },
    Accept { respond: bool, undeliverable: bool },
}

pub(crate) const ESME_RINVDSTADR: u32 = 0x0B;
pub(crate) const ESME_RMSGQFUL: u32 = 0x14;
pub(crate) const ESME_RTHROTTLED: u32 = 0x58;

impl Faults {
    /// Names the first field out of range, for config and HTTP errors.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("lost_rate", self.lost_rate),
            ("generic_nack_rate", self.generic_nack_rate),
            ("fail_rate", self.fail_rate),
            ("throttle_rate", self.throttle_rate),
            ("queue_full_rate", self.queue_full_rate),
            ("no_response_rate", self.no_response_rate),
            ("undeliverable_rate", self.undeliverable_rate),
        ];
        for (name, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(format!("{name}: a rate is between 0.0 and 1.0, got {r}"));
            }
        }
        if self.drop_every == Some(0) {
            return Err("drop_every: must be at least 1 (or absent for never)".into());
        }
        Ok(())
    }

    pub(crate) fn decide(&self) -> Decision {
        // Most runs have no faults: skip the random numbers entirely.
        let hit = |rate: f64| rate > 0.0 && (rate >= 1.0 || rand::rng().random::<f64>() < rate);
        if hit(self.lost_rate) {
            Decision::Lost
        } else if hit(self.generic_nack_rate) {
            Decision::GenericNack
        } else if hit(self.fail_rate) {
            Decision::Refuse {
                status: ESME_RINVDSTADR,
                outcome: "failed",
            }
        } else if hit(self.throttle_rate) {
            Decision::Refuse {
                status: ESME_RTHROTTLED,
                outcome: "throttled",
            }
        } else if hit(self.queue_full_rate) {
            Decision::Refuse {
                status: ESME_RMSGQFUL,
                outcome: "queue_full",
            }
        } else {
            Decision::Accept {
                respond: !hit(self.no_response_rate),
                undeliverable: hit(self.undeliverable_rate),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_accepts() {
        assert_eq!(
            Faults::default().decide(),
            Decision::Accept {
                respond: true,
                undeliverable: false
            }
        );
    }

    #[test]
    fn rate_one_always_applies() {
        let f = Faults {
            throttle_rate: 1.0,
            ..Faults::default()
        };
        for _ in 0..100 {
            assert!(matches!(
                f.decide(),
                Decision::Refuse {
                    status: ESME_RTHROTTLED,
                    ..
                }
            ));
        }
    }

    #[test]
    fn half_rate_is_roughly_half() {
        let f = Faults {
            fail_rate: 0.5,
            ..Faults::default()
        };
        let n = (0..4000)
            .filter(|_| matches!(f.decide(), Decision::Refuse { .. }))
            .count();
        assert!((1600..2400).contains(&n), "{n}");
    }

    #[test]
    fn out_of_range_rates_are_named() {
        let f = Faults {
            queue_full_rate: 1.5,
            ..Faults::default()
        };
        assert!(f.validate().unwrap_err().starts_with("queue_full_rate"));
        let f = Faults {
            lost_rate: f64::NAN,
            ..Faults::default()
        };
        assert!(f.validate().is_err());
    }
}
