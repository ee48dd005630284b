//! What a phone texted: a command, a message to an IM ID, or bare text
//! (for the sticky reply). Case-insensitive.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Texted {
    Help,
    Reg(String),
    Nick(String),
    Stop,
    Start,
    Who,
    Status,
    /// `@alice hi` or `alice: hi`: certainly meant for that ID.
    To {
        id: String,
        text: String,
    },
    /// `alice hi`: for `alice` if that ID exists, else bare text.
    Maybe {
        id: String,
        text: String,
    },
    /// No ID at all.
    Bare(String),
}

pub fn parse(input: &str) -> Texted {
    let t = input.trim();
    let (first, rest) = match t.split_once(char::is_whitespace) {
        Some((f, r)) => (f, r.trim()),
        None => (t, ""),
    };
    let word = first.to_ascii_lowercase();
    let arg = || rest.split_whitespace().next().unwrap_or("").to_owned();
    match word.as_str() {
        "help" | "?" if rest.is_empty() => return Texted::Help,
        "help" => return Texted::Help,
        "reg" => return Texted::Reg(arg()),
        "nick" => return Texted::Nick(arg()),
        "stop" if rest.is_empty() => return Texted::Stop,
        "start" if rest.is_empty() => return Texted::Start,
        "who" if rest.is_empty() => return Texted::Who,
        "status" if rest.is_empty() => return Texted::Status,
        _ => {}
    }
    if let Some(id) = first.strip_prefix('@').filter(|s| !s.is_empty()) {
        return Texted::To {
            id: id.trim_end_matches(':').to_owned(),
            text: rest.to_owned(),
        };
    }
    if let Some((id, after)) = t.split_once(':')
        && !id.is_empty()
        && !id.contains(char::is_whitespace)
    {
        return Texted::To {
            id: id.to_owned(),
            text: after.trim().to_owned(),
        };
    }
    if looks_like_id(first) && !rest.is_empty() {
        return Texted::Maybe {
            id: first.to_owned(),
            text: rest.to_owned(),
        };
    }
    Texted::Bare(t.to_owned())
}

fn looks_like_id(w: &str) -> bool {
    w.len() >= 2
        && w.starts_with(|c: char| c.is_ascii_alphabetic())
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(id: &str, text: &str) -> Texted {
        Texted::To {
            id: id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_three_forms_and_commands() {
        assert_eq!(parse("@alice hello"), to("alice", "hello"));
        assert_eq!(parse("alice: hello there"), to("alice", "hello there"));
        assert_eq!(parse("Alice:hello"), to("Alice", "hello"));
        assert_eq!(
            parse("alice hello"),
            Texted::Maybe {
                id: "alice".into(),
                text: "hello".into()
            }
        );
        assert_eq!(parse("ok"), Texted::Bare("ok".into()));
        assert_eq!(parse("  HELP "), Texted::Help);
        assert_eq!(parse("reg Alice"), Texted::Reg("Alice".into()));
        assert_eq!(parse("NICK bob"), Texted::Nick("bob".into()));
        assert_eq!(parse("Stop"), Texted::Stop);
        assert_eq!(parse("start"), Texted::Start);
        assert_eq!(parse("who"), Texted::Who);
        assert_eq!(parse("STATUS"), Texted::Status);
        // A command word followed by text is a message to that word.
        assert!(matches!(parse("stop by later"), Texted::Maybe { .. }));
        assert_eq!(
            parse("see you at 10:30"),
            Texted::Maybe {
                id: "see".into(),
                text: "you at 10:30".into()
            }
        );
    }

    proptest::proptest! {
        /// Whatever is texted is read as something, and the ID and text
        /// it finds are pieces of what was texted.
        #[test]
        fn anything_texted_is_read_and_its_pieces_come_from_it(s in "\\PC{0,40}") {
            match parse(&s) {
                Texted::To { id, text } | Texted::Maybe { id, text } => {
                    proptest::prop_assert!(!id.contains(char::is_whitespace), "{:?}", id);
                    proptest::prop_assert!(s.contains(id.as_str()) && s.contains(text.as_str()));
                }
                Texted::Bare(t) => proptest::prop_assert_eq!(t, s.trim()),
                _ => {}
            }
        }

        /// `@id text` is for that ID whatever the text, and commands are
        /// read in any case.
        #[test]
        fn an_at_id_is_always_for_that_id(
            id in "[a-z][a-z0-9._-]{1,15}",
            text in "[^\\s]\\PC{0,30}[^\\s]",
            upper in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(parse(&format!("@{id} {text}")), to(&id, &text));
            let cmd = if upper { "STATUS" } else { "status" };
            proptest::prop_assert_eq!(parse(&format!("  {cmd} ")), Texted::Status);
        }
    }

    #[test]
    fn nothing_panics_on_odd_input() {
        for s in ["", ":", "@", "@:", "::x", "é: ü", "@é", "\u{0}"] {
            let _ = parse(s);
        }
    }
}
