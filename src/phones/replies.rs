//! The SMS texts a phone is sent, from `templates/sms/`.

pub use crate::model::render::sms as render;
use askama::Template;

#[derive(Template)]
#[template(path = "sms/help.txt")]
pub struct Help<'a> {
    pub me: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sms/welcome.txt")]
pub struct Welcome<'a> {
    pub me: &'a str,
    pub local: &'a str,
}

#[derive(Template)]
#[template(path = "sms/unknown_id.txt")]
pub struct UnknownId<'a> {
    pub typed: &'a str,
    pub similar: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sms/no_recipient.txt")]
pub struct NoRecipient;

#[derive(Template)]
#[template(path = "sms/empty_message.txt")]
pub struct EmptyMessage<'a> {
    pub id: &'a str,
}

#[derive(Template)]
#[template(path = "sms/code.txt")]
pub struct Code<'a> {
    pub id: &'a str,
    pub code: &'a str,
}

#[derive(Template)]
#[template(path = "sms/reg_refused.txt")]
pub struct RegRefused<'a> {
    pub id: &'a str,
    pub reason: &'a str,
}

#[derive(Template)]
#[template(path = "sms/reg_usage.txt")]
pub struct RegUsage;

#[derive(Template)]
#[template(path = "sms/nick_done.txt")]
pub struct NickDone<'a> {
    pub me: &'a str,
}

#[derive(Template)]
#[template(path = "sms/nick_refused.txt")]
pub struct NickRefused<'a> {
    pub name: &'a str,
    pub reason: &'a str,
}

#[derive(Template)]
#[template(path = "sms/stopped.txt")]
pub struct Stopped;

#[derive(Template)]
#[template(path = "sms/started.txt")]
pub struct Started;

#[derive(Template)]
#[template(path = "sms/who.txt")]
pub struct Who<'a> {
    pub last: Option<&'a str>,
    pub minutes: i64,
}

#[derive(Template)]
#[template(path = "sms/status.txt")]
pub struct StatusReply<'a> {
    pub me: Option<&'a str>,
    pub phone_only: bool,
    pub stopped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_render_with_their_fields() {
        let u = render(&UnknownId {
            typed: "alcie",
            similar: Some("alice"),
        });
        assert!(
            u.contains("\"alcie\"") && u.contains("Did you mean alice?"),
            "{u}"
        );
        let u = render(&UnknownId {
            typed: "zed",
            similar: None,
        });
        assert!(!u.contains("Did you mean"), "{u}");
        assert!(
            render(&Who {
                last: None,
                minutes: 0
            })
            .starts_with("Nobody")
        );
        assert!(render(&Help { me: Some("bob@c") }).contains("You are bob@c."));
    }
}
