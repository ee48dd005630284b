//! Splitting a command line (after `AT`) into commands, as V.250 lays them
//! out: basic commands (`E0`, `Z`, `&F`, `S0=0`, `D<number>;`) run
//! together, extended ones (`+CMGF=0`, `^CURC=0`) separated by `;`.

/// How an extended command was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `+CLCC`, `Z`, `A`
    Exec,
    /// `+CPIN?`, `S0?`
    Read,
    /// `+CNMI=?`
    Test,
    /// `+CMGF=0`, `E0`, `S0=0`, `D+4917...;` (the text after the name or `=`)
    Set(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cmd {
    /// Upper case: `E`, `D`, `&F`, `S0`, `+CMGS`, `^CURC`.
    pub name: String,
    pub kind: Kind,
}

/// The commands of one line after its `AT`; `None` when it does not parse
/// (the modem answers ERROR).
pub(crate) fn parse_line(rest: &str) -> Option<Vec<Cmd>> {
    let b: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c == ' ' || c == ';' {
            i += 1;
            continue;
        }
        if matches!(c, '+' | '^' | '$' | '#' | '*') {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            if i == start + 1 {
                return None;
            }
            let name: String = b[start..i].iter().collect::<String>().to_ascii_uppercase();
            let kind = if b.get(i) == Some(&'=') && b.get(i + 1) == Some(&'?') {
                i += 2;
                Kind::Test
            } else if b.get(i) == Some(&'=') {
                i += 1;
                let s = i;
                let mut quoted = false;
                while i < b.len() && (quoted || b[i] != ';') {
                    if b[i] == '"' {
                        quoted = !quoted;
                    }
                    i += 1;
                }
                Kind::Set(b[s..i].iter().collect())
            } else if b.get(i) == Some(&'?') {
                i += 1;
                Kind::Read
            } else {
                Kind::Exec
            };
            out.push(Cmd { name, kind });
            continue;
        }
        let up = c.to_ascii_uppercase();
        match up {
            'D' => {
                // Dial takes the rest of the line, `;` included.
                out.push(Cmd {
                    name: "D".into(),
                    kind: Kind::Set(b[i + 1..].iter().collect::<String>().trim().to_owned()),
                });
                return Some(out);
            }
            '&' => {
                let letter = b.get(i + 1)?.to_ascii_uppercase();
                if !letter.is_ascii_alphabetic() {
                    return None;
                }
                i += 2;
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Cmd {
                    name: format!("&{letter}"),
                    kind: digits_kind(&b[s..i]),
                });
            }
            'S' => {
                i += 1;
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if s == i {
                    return None;
                }
                let name = format!("S{}", b[s..i].iter().collect::<String>());
                let kind = match b.get(i) {
                    Some('?') => {
                        i += 1;
                        Kind::Read
                    }
                    Some('=') => {
                        i += 1;
                        let v = i;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        Kind::Set(b[v..i].iter().collect())
                    }
                    _ => Kind::Exec,
                };
                out.push(Cmd { name, kind });
            }
            l if l.is_ascii_alphabetic() => {
                i += 1;
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let kind = if b.get(i) == Some(&'?') {
                    i += 1;
                    Kind::Read
                } else {
                    digits_kind(&b[s..i])
                };
                out.push(Cmd {
                    name: l.to_string(),
                    kind,
                });
            }
            _ => return None,
        }
    }
    Some(out)
}

fn digits_kind(d: &[char]) -> Kind {
    if d.is_empty() {
        Kind::Exec
    } else {
        Kind::Set(d.iter().collect())
    }
}

/// Splits extended-command arguments at commas outside quotes, trimming
/// spaces and removing the quotes.
pub(crate) fn args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(cur.trim().to_owned());
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_owned());
    out
}

/// An argument as a number, `None` when empty or not one.
pub(crate) fn num(a: Option<&String>) -> Option<u32> {
    a.and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, Kind)> {
        parse_line(line)
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.kind))
            .collect()
    }

    #[test]
    fn basic_and_extended_commands_split() {
        assert_eq!(
            names("E0V1&FS0=0+CMEE=1;+CMGF=0;^CURC?"),
            vec![
                ("E".into(), Kind::Set("0".into())),
                ("V".into(), Kind::Set("1".into())),
                ("&F".into(), Kind::Exec),
                ("S0".into(), Kind::Set("0".into())),
                ("+CMEE".into(), Kind::Set("1".into())),
                ("+CMGF".into(), Kind::Set("0".into())),
                ("^CURC".into(), Kind::Read),
            ]
        );
        assert_eq!(names(""), vec![]);
        assert_eq!(names("+CNMI=?"), vec![("+CNMI".into(), Kind::Test)]);
        assert_eq!(
            names("D+491701234567;"),
            vec![("D".into(), Kind::Set("+491701234567;".into()))]
        );
        assert_eq!(
            names("+CPMS=\"SM\",\"SM\";Z"),
            vec![
                ("+CPMS".into(), Kind::Set("\"SM\",\"SM\"".into())),
                ("Z".into(), Kind::Exec)
            ]
        );
        assert!(parse_line("!!").is_none());
    }

    #[test]
    fn args_respect_quotes() {
        assert_eq!(args("\"a,b\", 2 ,"), vec!["a,b", "2", ""]);
    }
}
