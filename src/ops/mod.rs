//! Running the appliance: metrics and the webhook calls.

pub mod metrics;
pub mod webhooks;
