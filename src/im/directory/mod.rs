//! The directory: IM users, their IDs, passwords and tokens.

pub mod ids;
pub mod password;
pub mod tokens;
pub mod users;

pub use ids::{ImId, UserId};
pub use users::User;
