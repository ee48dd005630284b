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
