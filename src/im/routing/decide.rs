//! The decision, as a pure function: the recipient's rules and the facts
//! of one message give the actions.

use super::rules::{Action, Rule};
use crate::model::presence::Status;

/// What is known of a message when it is routed.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The recipient's effective status.
    pub status: Status,
    /// The sender's IM ID (local part).
    pub sender: &'a str,
    /// The sender's group in the recipient's contacts; `None` when the
    /// sender is not a contact.
    pub group: Option<&'a str>,
    pub phone_only: bool,
    pub urgent: bool,
    /// Hour of the day, UTC.
    pub hour: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub actions: Vec<Action>,
    pub reply: Option<String>,
}

pub fn decide(rules: &[Rule], f: &Facts) -> Decision {
    for r in rules {
        if holds(r, f) {
            return Decision {
                actions: r.then.clone(),
                reply: r.reply.clone(),
            };
        }
    }
    Decision {
        actions: defaults(f),
        reply: None,
    }
}

/// Online → clients; away/offline → inbox and SMS (when a phone is
/// bound); busy → inbox, urgent passes to the clients.
pub fn defaults(f: &Facts) -> Vec<Action> {
    match f.status {
        Status::Available | Status::Invisible => vec![Action::Clients],
        Status::Busy if f.urgent => vec![Action::Clients],
        Status::Busy => vec![Action::Inbox],
        Status::Away | Status::Offline => vec![Action::Inbox, Action::Sms],
    }
}

fn holds(r: &Rule, f: &Facts) -> bool {
    let w = &r.when;
    if let Some(s) = &w.status
        && !s.contains(&f.status)
    {
        return false;
    }
    if let Some(u) = w.urgent
        && u != f.urgent
    {
        return false;
    }
    if let Some([a, b]) = w.hours {
        let inside = if a <= b {
            f.hour >= a && f.hour < b
        } else {
            f.hour >= a || f.hour < b
        };
        if !inside {
            return false;
        }
    }
    if let Some(from) = &w.from
        && !from.iter().any(|s| sender_is(s, f))
    {
        return false;
    }
    true
}

fn sender_is(s: &str, f: &Facts) -> bool {
    match s {
        "any" => true,
        "contacts" => f.group.is_some(),
        "unknown" => f.group.is_none(),
        "phone_only" => f.phone_only,
        _ => {
            if let Some(u) = s.strip_prefix("user:") {
                let local = u.split('@').next().unwrap_or(u);
                local.eq_ignore_ascii_case(f.sender)
            } else if let Some(g) = s.strip_prefix("group:") {
                f.group == Some(g)
            } else {
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::When;
    use super::*;

    fn facts(status: Status) -> Facts<'static> {
        Facts {
            status,
            sender: "bob",
            group: None,
            phone_only: false,
            urgent: false,
            hour: 12,
        }
    }

    #[test]
    fn defaults_follow_the_status() {
        assert_eq!(
            decide(&[], &facts(Status::Available)).actions,
            [Action::Clients]
        );
        assert_eq!(
            decide(&[], &facts(Status::Offline)).actions,
            [Action::Inbox, Action::Sms]
        );
        assert_eq!(decide(&[], &facts(Status::Busy)).actions, [Action::Inbox]);
        let urgent = Facts {
            urgent: true,
            ..facts(Status::Busy)
        };
        assert_eq!(decide(&[], &urgent).actions, [Action::Clients]);
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let rules = vec![
            Rule {
                when: When {
                    from: Some(vec!["group:family".into()]),
                    ..When::default()
                },
                then: vec![Action::Sms],
                reply: None,
            },
            Rule {
                when: When {
                    hours: Some([22, 7]),
                    ..When::default()
                },
                then: vec![Action::Drop],
                reply: None,
            },
        ];
        let fam = Facts {
            group: Some("family"),
            hour: 23,
            ..facts(Status::Available)
        };
        assert_eq!(decide(&rules, &fam).actions, [Action::Sms]);
        let night = Facts {
            hour: 3,
            ..facts(Status::Available)
        };
        assert_eq!(decide(&rules, &night).actions, [Action::Drop]);
        assert_eq!(
            decide(&rules, &facts(Status::Available)).actions,
            [Action::Clients]
        );
    }

    #[test]
    fn email_is_refused_with_the_field() {
        let r = vec![Rule {
            when: When::default(),
            then: vec![Action::Inbox, Action::Email],
            reply: None,
        }];
        let (field, msg) = super::super::rules::validate(&r).unwrap_err();
        assert_eq!(field, "rules[0].then[1]");
        assert!(msg.contains("email handler"), "{msg}");
    }
}
