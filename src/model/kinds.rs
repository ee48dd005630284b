//! Kinds of records the store writes: audit log entries and webhook events.

crate::text_enum! {
    /// What an audit log entry records (`audit_log.kind`).
    pub enum AuditKind {
        ApiKeyCreated = "apikey.created",
        WebhookCreated = "webhook.created",
        /// A link went up, degraded or down.
        LinkState = "link.state",
    }
}

crate::text_enum! {
    /// What a webhook call reports (`webhook_deliveries.event`, the
    /// payload's `event`).
    pub enum HookEvent {
        Received = "message.received",
        Status = "message.status",
    }
}
