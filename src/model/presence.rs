//! The statuses a user sets, and what others see.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Available,
    /// Do not disturb.
    Busy,
    Away,
    Offline,
    /// Online, but seen offline by everybody else.
    Invisible,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Available => "available",
            Status::Busy => "busy",
            Status::Away => "away",
            Status::Offline => "offline",
            Status::Invisible => "invisible",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "available" => Status::Available,
            "busy" => Status::Busy,
            "away" => Status::Away,
            "offline" => Status::Offline,
            "invisible" => Status::Invisible,
            _ => return None,
        })
    }

    /// The status that counts for routing: the setting while a client is
    /// connected, offline without one.
    pub fn effective(set: Status, clients: usize) -> Status {
        if clients == 0 { Status::Offline } else { set }
    }

    /// What others are shown of an effective status.
    pub fn shown(self) -> Status {
        match self {
            Status::Invisible => Status::Offline,
            s => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everybody not blinded sees my presence.
    All,
    /// Only my seeing list sees it.
    SeeingList,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::All => "all",
            Visibility::SeeingList => "seeing_list",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "all" => Some(Visibility::All),
            "seeing_list" => Some(Visibility::SeeingList),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_client_everybody_is_offline_and_invisible_looks_offline() {
        assert_eq!(Status::effective(Status::Busy, 0), Status::Offline);
        assert_eq!(Status::effective(Status::Busy, 1), Status::Busy);
        assert_eq!(Status::Invisible.shown(), Status::Offline);
        assert_eq!(Status::parse("away"), Some(Status::Away));
        assert_eq!(Status::parse("gone"), None);
    }
}
