//! Cutting the modem's byte stream into lines and the `> ` prompt.
//!
//! Modems end lines with CR LF, sometimes a bare CR or LF, and after a
//! reset or with noise on the line they emit NULs, stray 0xFF and half
//! lines. The `> ` prompt of `+CMGS` has no line end at all, so it is
//! recognised when it stands alone at the start of a line.

/// One piece of modem output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A non-empty line without its line end, trimmed of surrounding blanks.
    Line(String),
    /// The `> ` prompt asking for the PDU.
    Prompt,
}

/// Longest line kept; longer ones (noise, a runaway stream) are cut here so
/// memory stays bounded. A +CMGR PDU line is at most ~360 characters.
pub const MAX_LINE: usize = 4096;

#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// The current line grew past [`MAX_LINE`]: drop the rest of it.
    overlong: bool,
}

impl LineSplitter {
    pub fn new() -> Self {
        LineSplitter::default()
    }

    /// Feeds bytes as they were read; returns every piece they complete.
    /// Chunking does not matter: the same bytes give the same pieces
    /// however they are split across calls.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\r' | b'\n' => self.end_line(&mut out),
                // NUL, XON/XOFF and other control bytes are line noise;
                // Ctrl-Z / ESC come back only as echo of our own PDU end.
                0x00..=0x1F | 0x7F => {}
                _ => {
                    if self.partial.len() >= MAX_LINE {
                        self.overlong = true;
                    } else {
                        self.partial.push(b);
                    }
                    if self.is_prompt() {
                        self.partial.clear();
                        out.push(Piece::Prompt);
                    }
                }
            }
        }
        out
    }

    /// A `>` then a space, alone at the start of a line. A `>` without the
    /// space is held until the next byte tells (some modems send only `>`,
    /// handled at the line end).
    fn is_prompt(&self) -> bool {
        self.partial == b"> "
    }

    fn end_line(&mut self, out: &mut Vec<Piece>) {
        let bytes = std::mem::take(&mut self.partial);
        let overlong = std::mem::replace(&mut self.overlong, false);
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if text == ">" {
            out.push(Piece::Prompt);
            return;
        }
        if overlong {
            tracing::debug!(
                len = bytes.len(),
                "modem line longer than {MAX_LINE} bytes cut"
            );
        }
        out.push(Piece::Line(text.to_owned()));
    }

    /// What is held of an unfinished line (for a bare `>` prompt that never
    /// gets its space or line end).
    pub fn pending(&self) -> &[u8] {
        &self.partial
    }

    /// Takes a lone `>` held at the start of a line as the prompt. The
    /// engine calls it only while it waits for one.
    pub fn take_bare_prompt(&mut self) -> bool {
        if self.partial == b">" {
            self.partial.clear();
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(bytes: &[u8]) -> Vec<Piece> {
        LineSplitter::new().feed(bytes)
    }

    fn l(s: &str) -> Piece {
        Piece::Line(s.into())
    }

    #[test]
    fn crlf_cr_and_lf_all_end_lines() {
        assert_eq!(
            lines(b"\r\nOK\r\n+CSQ: 20,99\rRING\n\n"),
            [l("OK"), l("+CSQ: 20,99"), l("RING")]
        );
    }

    #[test]
    fn partial_lines_wait_for_their_end() {
        let mut s = LineSplitter::new();
        assert_eq!(s.feed(b"\r\n+CMGS"), []);
        assert_eq!(s.feed(b": 1"), []);
        assert_eq!(s.feed(b"2\r\n\r\nO"), [l("+CMGS: 12")]);
        assert_eq!(s.feed(b"K\r\n"), [l("OK")]);
    }

    #[test]
    fn prompt_without_line_end() {
        assert_eq!(lines(b"\r\n> "), [Piece::Prompt]);
        let mut s = LineSplitter::new();
        assert_eq!(s.feed(b"\r\n>"), []);
        assert!(s.take_bare_prompt());
        assert_eq!(lines(b">\r\n"), [Piece::Prompt]);
        // A '>' inside a line is text.
        assert_eq!(lines(b"a> b\r\n"), [l("a> b")]);
    }

    #[test]
    fn noise_is_dropped() {
        assert_eq!(
            lines(b"\x00\x00\xff\r\nO\x00K\r\n\x1a\x1b"),
            [l("\u{fffd}"), l("OK")]
        );
    }

    #[test]
    fn overlong_lines_are_cut() {
        let mut bytes = vec![b'A'; MAX_LINE * 2];
        bytes.extend_from_slice(b"\r\nOK\r\n");
        let out = lines(&bytes);
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], Piece::Line(s) if s.len() == MAX_LINE));
        assert_eq!(out[1], l("OK"));
    }

    proptest! {
        // Debug builds generate slowly; 64 cases of up to 400 bytes each
        // still cover every cut position many times over.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_chunking_gives_the_same_pieces(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'\r'), Just(b'\n'), Just(b'>'), Just(b' '), Just(b'O'), Just(b'K'),
                    any::<u8>()
                ],
                0..400,
            ),
            cuts in proptest::collection::vec(0usize..400, 0..20),
        ) {
            let whole = lines(&bytes);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut s = LineSplitter::new();
            let mut got = Vec::new();
            let mut start = 0;
            for c in cuts {
                got.extend(s.feed(&bytes[start..c]));
                start = c;
            }
            got.extend(s.feed(&bytes[start..]));
            prop_assert_eq!(got, whole);
        }

        #[test]
        fn lines_never_hold_line_ends(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            for p in lines(&bytes) {
                if let Piece::Line(s) = p {
                    prop_assert!(!s.is_empty());
                    prop_assert!(!s.contains(['\r', '\n']));
                    prop_assert!(s.len() <= MAX_LINE * 3);
                }
            }
        }
    }
}
