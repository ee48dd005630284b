//! The domain's values: time, states and kinds (stored as TEXT through one
//! mechanism), and phone numbers as the program reads them.

pub mod calls;
pub mod ids;
pub mod im_id;
pub mod kinds;
pub mod phone;
pub mod presence;
pub mod render;
pub mod sms;
pub mod states;
#[macro_use]
pub mod text_enum;
pub mod time;
