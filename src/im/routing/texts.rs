//! The SMS texts the routing service sends a phone, from `templates/sms/`.

use askama::Template;

#[derive(Template)]
#[template(path = "sms/forwarded.txt")]
pub struct Forwarded<'a> {
    pub from: &'a str,
    pub text: &'a str,
}

#[derive(Template)]
#[template(path = "sms/auto_reply.txt")]
pub struct AutoReply<'a> {
    pub from: &'a str,
    pub text: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::render;

    #[test]
    fn a_forward_names_the_sender() {
        let t = render::sms(&Forwarded {
            from: "alice",
            text: "hi",
        });
        assert_eq!(t, "alice: hi");
    }
}
