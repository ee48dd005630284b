//! The one spec every device handler is started and inspected through: what
//! it is and can do (known from its configuration, before it starts), how
//! it is started, and a check of its device that `switchboard doctor` runs
//! without the host.

use crate::{Capability, HandlerId, HandlerIo};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// The kind of device or network a handler connects. For logs, the console
/// and `doctor`; the host routes and counts by [`Capability`], never by
/// kind, so a new network needs no change there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HandlerKind {
    Smpp,
    Modem,
    Email,
}

impl HandlerKind {
    /// The name as in config tables and serialised forms: `smpp`, `modem`,
    /// `email`.
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Smpp => "smpp",
            HandlerKind::Modem => "modem",
            HandlerKind::Email => "email",
        }
    }
}

impl std::fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the host knows of a handler before starting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerSpec {
    pub id: HandlerId,
    pub kind: HandlerKind,
    /// What it can do, known from its configuration before it starts; the host routes and counts by these, never by kind.
    pub capabilities: Vec<Capability>,
    /// Most SMS parts it may send per UTC day (a SIM's plan), when it has a limit.
    pub daily_limit: Option<u32>,
}

impl HandlerSpec {
    /// Whether the handler has capability `c`.
    pub fn can(&self, c: Capability) -> bool {
        self.capabilities.contains(&c)
    }
}

/// A device handler as the host starts and inspects it, whatever its kind.
pub trait Handler: Send {
    fn spec(&self) -> HandlerSpec;
    /// Starts the handler's task on the current tokio runtime.
    fn start(self: Box<Self>, io: HandlerIo) -> tokio::task::JoinHandle<()>;
    /// A one-off check of the device or network on its own (no host, no channels, does not disturb a running instance more than needed): what `switchboard doctor` will print.
    fn health_check(&self) -> Pin<Box<dyn Future<Output = HealthReport> + Send + 'static>>;
}

/// What one health check of a handler found, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    pub handler: HandlerId,
    pub kind: HandlerKind,
    /// In the order they ran; a step that could not run for an earlier
    /// failure is not listed.
    pub checks: Vec<HealthCheck>,
}

impl HealthReport {
    /// No check failed (warnings allowed).
    pub fn ok(&self) -> bool {
        !self.checks.iter().any(|c| c.outcome == CheckOutcome::Fail)
    }

    /// The check named `name`, if it ran.
    pub fn check(&self, name: &str) -> Option<&HealthCheck> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// One step of a health check (`connect`, `bind`, `sim`, `signal` ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    pub outcome: CheckOutcome,
    /// What was found, for a person (`bound trx as esme`, `-73 dBm`).
    pub detail: String,
    /// What to do about it, for a person.
    pub advice: Option<String>,
}

impl HealthCheck {
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        HealthCheck {
            name: name.to_owned(),
            outcome: CheckOutcome::Pass,
            detail: detail.into(),
            advice: None,
        }
    }

    pub fn warn(name: &str, detail: impl Into<String>, advice: impl Into<String>) -> Self {
        HealthCheck {
            name: name.to_owned(),
            outcome: CheckOutcome::Warn,
            detail: detail.into(),
            advice: Some(advice.into()),
        }
    }

    pub fn fail(name: &str, detail: impl Into<String>, advice: impl Into<String>) -> Self {
        HealthCheck {
            name: name.to_owned(),
            outcome: CheckOutcome::Fail,
            detail: detail.into(),
            advice: Some(advice.into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    /// Works, but something a person should look at.
    Warn,
    Fail,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcomes: &[CheckOutcome]) -> HealthReport {
        HealthReport {
            handler: HandlerId::new("h"),
            kind: HandlerKind::Modem,
            checks: outcomes
                .iter()
                .enumerate()
                .map(|(i, &outcome)| HealthCheck {
                    name: format!("c{i}"),
                    outcome,
                    detail: String::new(),
                    advice: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_report_is_ok_unless_a_check_failed() {
        use CheckOutcome::*;
        assert!(report(&[]).ok());
        assert!(report(&[Pass, Warn, Pass]).ok());
        assert!(!report(&[Pass, Fail, Warn]).ok());
        assert_eq!(
            report(&[Pass, Warn]).check("c1").map(|c| c.outcome),
            Some(Warn)
        );
        assert!(report(&[Pass]).check("c9").is_none());
    }

    #[test]
    fn kinds_and_outcomes_serialise_in_snake_case() {
        for (k, s) in [
            (HandlerKind::Smpp, "smpp"),
            (HandlerKind::Modem, "modem"),
            (HandlerKind::Email, "email"),
        ] {
            assert_eq!(k.as_str(), s);
            assert_eq!(k.to_string(), s);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(
            serde_json::to_string(&CheckOutcome::Warn).unwrap(),
            "\"warn\""
        );
    }

    #[test]
    fn a_spec_answers_for_its_capabilities_only() {
        let spec = HandlerSpec {
            id: HandlerId::new("op1"),
            kind: HandlerKind::Smpp,
            capabilities: vec![Capability::SendSms, Capability::DeliveryReports],
            daily_limit: None,
        };
        assert!(spec.can(Capability::SendSms));
        assert!(!spec.can(Capability::ReceiveSms));
        assert!(!spec.can(Capability::VoiceCalls));
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["kind"], "smpp");
        assert_eq!(json["capabilities"][1], "delivery_reports");
        let back: HandlerSpec = serde_json::from_value(json).unwrap();
        assert_eq!(back, spec);
    }
}
