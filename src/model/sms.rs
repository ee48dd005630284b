//! How the store writes the protocol's SMS kinds as TEXT: one `text_enum!`
//! per kind, converted both ways, so a stored text no variant names is an
//! error when read (never a silent default).

use switchboard_protocol::Priority;
use switchboard_protocol::text::Coding;

crate::text_enum! {
    /// The coding of a received message or part (`inbound.coding`,
    /// `inbound_parts.coding`).
    pub enum SmsCoding {
        Gsm7 = "gsm7",
        Ucs2 = "ucs2",
        Latin1 = "latin1",
        Binary = "binary",
    }
}

impl From<Coding> for SmsCoding {
    fn from(c: Coding) -> Self {
        match c {
            Coding::Gsm7 => SmsCoding::Gsm7,
            Coding::Ucs2 => SmsCoding::Ucs2,
            Coding::Latin1 => SmsCoding::Latin1,
            Coding::Binary => SmsCoding::Binary,
        }
    }
}

impl From<SmsCoding> for Coding {
    fn from(c: SmsCoding) -> Self {
        match c {
            SmsCoding::Gsm7 => Coding::Gsm7,
            SmsCoding::Ucs2 => Coding::Ucs2,
            SmsCoding::Latin1 => Coding::Latin1,
            SmsCoding::Binary => Coding::Binary,
        }
    }
}

crate::text_enum! {
    /// An outbound message's priority (`outbound.priority`).
    pub enum SmsPriority {
        Normal = "normal",
        High = "high",
    }
}

impl From<Priority> for SmsPriority {
    fn from(p: Priority) -> Self {
        match p {
            Priority::High => SmsPriority::High,
            Priority::Normal => SmsPriority::Normal,
        }
    }
}

impl From<SmsPriority> for Priority {
    fn from(p: SmsPriority) -> Self {
        match p {
            SmsPriority::High => Priority::High,
            SmsPriority::Normal => Priority::Normal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codings_and_priorities_go_through_their_text_and_back() {
        for c in SmsCoding::ALL {
            assert_eq!(SmsCoding::from(Coding::from(*c)), *c);
        }
        for p in SmsPriority::ALL {
            assert_eq!(SmsPriority::from(Priority::from(*p)), *p);
        }
        // Once an unknown coding was read as GSM-7; now it is an error.
        assert!("utf8".parse::<SmsCoding>().is_err());
    }
}
