//! States and kinds of the domain, each stored as TEXT by `text_enum!`.

crate::text_enum! {
    /// The lifecycle of an outbound message. "Accepted" is the API's answer;
    /// the stored message starts queued in the same commit.
    pub enum OutState {
        Queued = "queued",
        Submitting = "submitting",
        Submitted = "submitted",
        Delivered = "delivered",
        Failed = "failed",
        Expired = "expired",
    }
}

impl OutState {
    /// Delivered, failed or expired: nothing more happens to the message.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OutState::Delivered | OutState::Failed | OutState::Expired
        )
    }
}

crate::text_enum! {
    /// How a try of an outbound message ended when it did not simply
    /// succeed (`outbound_attempts.outcome`, the message's history).
    pub enum TryOutcome {
        /// The network refused for now; tried again later.
        Temporary = "temporary",
        /// The network refused for good.
        Permanent = "permanent",
        /// No response came: the part may have gone out.
        Uncertain = "uncertain",
        /// The validity ran out before a try.
        Expired = "expired",
        /// No `[[route]]` covers the number any more.
        NoRoute = "no route",
    }
}

crate::text_enum! {
    /// A delivery report's state as stored with its part (and in kept
    /// reports): the protocol's `DlrState`, written once here.
    pub enum ReportState {
        Enroute = "enroute",
        Delivered = "delivered",
        Expired = "expired",
        Deleted = "deleted",
        Undeliverable = "undeliverable",
        Accepted = "accepted",
        Unknown = "unknown",
        Rejected = "rejected",
    }
}

impl From<switchboard_protocol::DlrState> for ReportState {
    fn from(s: switchboard_protocol::DlrState) -> Self {
        use switchboard_protocol::DlrState as D;
        match s {
            D::Enroute => ReportState::Enroute,
            D::Delivered => ReportState::Delivered,
            D::Expired => ReportState::Expired,
            D::Deleted => ReportState::Deleted,
            D::Undeliverable => ReportState::Undeliverable,
            D::Accepted => ReportState::Accepted,
            D::Unknown => ReportState::Unknown,
            D::Rejected => ReportState::Rejected,
        }
    }
}

impl From<ReportState> for switchboard_protocol::DlrState {
    fn from(s: ReportState) -> Self {
        use switchboard_protocol::DlrState as D;
        match s {
            ReportState::Enroute => D::Enroute,
            ReportState::Delivered => D::Delivered,
            ReportState::Expired => D::Expired,
            ReportState::Deleted => D::Deleted,
            ReportState::Undeliverable => D::Undeliverable,
            ReportState::Accepted => D::Accepted,
            ReportState::Unknown => D::Unknown,
            ReportState::Rejected => D::Rejected,
        }
    }
}

crate::text_enum! {
    /// Where one webhook call stands (`webhook_deliveries.state`).
    pub enum DeliveryState {
        /// Not yet made, or to be tried again.
        Pending = "pending",
        Delivered = "delivered",
        /// Given up (or its webhook was deleted).
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::DlrState;

    #[test]
    fn every_report_state_goes_through_its_text_and_back() {
        for s in ReportState::ALL {
            let d: DlrState = (*s).into();
            assert_eq!(ReportState::from(d), *s);
            // The protocol's own serde text is the stored one.
            assert_eq!(
                serde_json::to_string(&d).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("lost".parse::<ReportState>().is_err());
    }
}
