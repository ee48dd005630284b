//! The routing service: per recipient, from their presence and their
//! active profile's rules, where a message goes.

pub mod decide;
pub mod deliver;
pub mod profiles;
pub mod rules;
pub mod texts;

pub use deliver::{Message, deliver};
