//! What a command is, what it expects back, and what it got.

use super::final_result::FinalResult;
use std::fmt;
use std::time::{Duration, SystemTime};

/// How long a command may take, chosen by what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Queries and settings: answered at once by the modem itself.
    Quick,
    /// `+CMGS`: the answer waits for the network.
    Send,
    /// `ATD` / `ATA`: call set-up; call results (NO CARRIER, BUSY...) end it.
    Call,
    /// `+CFUN`, `+COPS=`...: the radio takes seconds.
    Slow,
}

/// Which information lines belong to the response; every other line is
/// unsolicited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    /// Lines starting with one of these are the response's.
    pub prefixes: &'static [&'static str],
    /// Lines without a `+`/`^` prefix that are not known unsolicited codes
    /// are the response's too (`+CGMI`, `+CGMM`, `ATI` answer in bare text).
    pub bare: bool,
    /// Each matching line is followed by a PDU line (`+CMGR`, `+CMGL`).
    pub pdu_follows: bool,
}

impl Expect {
    pub const NOTHING: Expect = Expect {
        prefixes: &[],
        bare: false,
        pdu_follows: false,
    };
    pub const fn prefix(prefixes: &'static [&'static str]) -> Expect {
        Expect {
            prefixes,
            bare: false,
            pdu_follows: false,
        }
    }
    pub const fn with_pdus(prefixes: &'static [&'static str]) -> Expect {
        Expect {
            prefixes,
            bare: false,
            pdu_follows: true,
        }
    }
    pub const fn bare(prefixes: &'static [&'static str]) -> Expect {
        Expect {
            prefixes,
            bare: true,
            pdu_follows: false,
        }
    }
    pub fn matches_prefix(&self, line: &str) -> bool {
        self.prefixes
            .iter()
            .any(|p| starts_with_ignore_case(line, p))
    }
}

pub fn starts_with_ignore_case(line: &str, prefix: &str) -> bool {
    line.len() >= prefix.len()
        && line.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// One AT command line (without `AT` prefix rules: the whole line as sent,
/// without the CR), and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtCommand {
    pub line: String,
    pub kind: Kind,
    pub expect: Expect,
    /// Written after the `> ` prompt, followed by Ctrl-Z (`+CMGS`).
    pub pdu: Option<String>,
}

impl AtCommand {
    /// A command answered by OK alone (settings).
    pub fn set(line: impl Into<String>) -> Self {
        AtCommand {
            line: line.into(),
            kind: Kind::Quick,
            expect: Expect::NOTHING,
            pdu: None,
        }
    }
    /// A command whose information lines start with `prefixes`.
    pub fn query(line: impl Into<String>, prefixes: &'static [&'static str]) -> Self {
        AtCommand {
            line: line.into(),
            kind: Kind::Quick,
            expect: Expect::prefix(prefixes),
            pdu: None,
        }
    }
    pub fn with_kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }
    pub fn expecting(mut self, expect: Expect) -> Self {
        self.expect = expect;
        self
    }
}

/// One information line of a response, with the PDU line after it when the
/// command said one follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoLine {
    pub text: String,
    pub pdu: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub info: Vec<InfoLine>,
    pub result: FinalResult,
}

impl Reply {
    /// The first information line's text after `prefix` (and its colon and
    /// blanks), e.g. `"20,99"` for `+CSQ: 20,99`.
    pub fn value(&self, prefix: &str) -> Option<&str> {
        self.info
            .iter()
            .find_map(|l| strip_prefix_value(&l.text, prefix))
    }
    /// Every information line's value after `prefix`.
    pub fn values<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.info
            .iter()
            .filter_map(move |l| strip_prefix_value(&l.text, prefix))
    }
}

/// `+CSQ: 20,99` with prefix `+CSQ` gives `20,99`.
pub fn strip_prefix_value<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    if !starts_with_ignore_case(line, prefix) {
        return None;
    }
    let rest = &line[prefix.len()..];
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    Some(rest.trim())
}

/// Why a command got no final result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtError {
    #[error("no answer to {command} within {after:?}")]
    Timeout { command: String, after: Duration },
    #[error("port closed: {0}")]
    Closed(String),
    /// The PDU was written after the prompt but no final result came (a
    /// timeout or the port closing): the network may have the message.
    #[error("{command}: PDU written, then {reason}")]
    Unconfirmed { command: String, reason: String },
}

/// A command that got a final result other than OK, or none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    At(#[from] AtError),
    #[error("{command} answered {result}")]
    Refused {
        command: String,
        result: FinalResult,
    },
}

impl CommandError {
    pub fn result(&self) -> Option<&FinalResult> {
        match self {
            CommandError::Refused { result, .. } => Some(result),
            CommandError::At(_) => None,
        }
    }
    /// The modem did not answer or is gone (as opposed to refusing).
    pub fn is_unresponsive(&self) -> bool {
        matches!(self, CommandError::At(_))
    }
}

/// A line the modem sent on its own, and when it arrived (the handler may be
/// busy with a long send when it reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsolicited {
    pub line: String,
    /// The PDU line after `+CMT:` / `+CDS:`.
    pub pdu: Option<String>,
    pub at: SystemTime,
}

/// What the engine tells the handler besides replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    Unsolicited(Unsolicited),
    /// A command timed out: the modem may have stopped answering.
    Timeout(String),
    /// The port is gone (unplugged, EOF, I/O error).
    Closed(String),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Kind::Quick => "quick",
            Kind::Send => "send",
            Kind::Call => "call",
            Kind::Slow => "slow",
        };
        f.write_str(s)
    }
}
