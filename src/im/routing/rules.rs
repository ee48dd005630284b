//! A user's routing rules: ordered; the first whose conditions all hold
//! decides. Kept as JSON in the user's profiles.

use crate::model::presence::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default, rename = "if")]
    pub when: When,
    pub then: Vec<Action>,
    /// The stock text of a `reply` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// Conditions; an absent one always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// My status is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Vec<Status>>,
    /// The sender is one of: `any`, `contacts`, `unknown` (not in my
    /// contacts), `phone_only`, `user:<id>`, `group:<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<bool>,
    /// `[from, to]` hours of the day (UTC), `to` not included; `[22, 7]`
    /// spans midnight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<[u8; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Deliver to my connected clients.
    Clients,
    /// Keep in my inbox (every message not dropped is kept there).
    Inbox,
    /// Forward to my bound phone as SMS.
    Sms,
    /// Forward by email: refused until the email handler exists.
    Email,
    /// Answer the sender with the rule's `reply` text.
    Reply,
    /// Drop silently.
    Drop,
}

/// Checks rules before they are stored; the error names the field.
pub fn validate(rules: &[Rule]) -> Result<(), (String, String)> {
    if rules.len() > 100 {
        return Err(("rules".into(), "at most 100 rules".into()));
    }
    for (i, r) in rules.iter().enumerate() {
        if r.then.is_empty() {
            return Err((format!("rules[{i}].then"), "names no action".into()));
        }
        for (j, a) in r.then.iter().enumerate() {
            if *a == Action::Email {
                return Err((
                    format!("rules[{i}].then[{j}]"),
                    "'email' needs the email handler, which this gateway does not have yet; \
                     use \"sms\" or \"inbox\" for now"
                        .into(),
                ));
            }
        }
        let wants_reply = r.then.contains(&Action::Reply);
        match (&r.reply, wants_reply) {
            (None, true) => {
                return Err((
                    format!("rules[{i}].reply"),
                    "is missing: the 'reply' action needs the text to answer with".into(),
                ));
            }
            (Some(t), true) if t.trim().is_empty() || t.chars().count() > 300 => {
                return Err((
                    format!("rules[{i}].reply"),
                    "must be 1 to 300 characters".into(),
                ));
            }
            (Some(_), false) => {
                return Err((
                    format!("rules[{i}].reply"),
                    "is given but no 'reply' action is".into(),
                ));
            }
            _ => {}
        }
        if let Some(from) = &r.when.from {
            for (j, f) in from.iter().enumerate() {
                let ok = matches!(f.as_str(), "any" | "contacts" | "unknown" | "phone_only")
                    || f.strip_prefix("user:").is_some_and(|s| !s.is_empty())
                    || f.strip_prefix("group:").is_some_and(|s| !s.is_empty());
                if !ok {
                    return Err((
                        format!("rules[{i}].if.from[{j}]"),
                        format!(
                            "'{f}' is none of any, contacts, unknown, phone_only, user:<id>, group:<name>"
                        ),
                    ));
                }
            }
        }
        if let Some([a, b]) = r.when.hours
            && (a > 23 || b > 24)
        {
            return Err((
                format!("rules[{i}].if.hours"),
                "hours are 0 to 23 (the end may be 24)".into(),
            ));
        }
    }
    Ok(())
}
