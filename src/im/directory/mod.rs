//! The directory: IM users, their IDs, passwords and tokens.

pub mod password;
pub mod tokens;
pub mod users;

pub use crate::model::im_id::{ImId, UserId};
pub use users::User;
