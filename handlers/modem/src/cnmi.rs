//! Choosing new-message indications (`+CNMI`) from what `+CNMI=?` offers.
//!
//! Wanted: mode 2 (buffer while the link is busy), mt 1 (store and notify
//! with +CMTI: nothing is lost if the handler is busy or restarts, and it
//! is deleted only after the host stored it), bm 0, ds 2 (reports stored in
//! "SR" with +CDSI) or 1 (+CDS direct), bfr 0. Modems lie about what they
//! support, so a fixed list of fallbacks follows the probed choice.

/// The values chosen for mt and ds, which decide how messages and reports
/// arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cnmi {
    pub values: [u8; 5],
}

impl Cnmi {
    pub fn command(&self) -> String {
        let v = self.values;
        format!("AT+CNMI={},{},{},{},{}", v[0], v[1], v[2], v[3], v[4])
    }
    pub fn ds(&self) -> u8 {
        self.values[3]
    }
    /// Reads a configured `"2,1,0,2,0"` (missing trailing values are 0).
    pub fn from_config(s: &str) -> Option<Cnmi> {
        let mut values = [0u8; 5];
        for (i, f) in s.split(',').enumerate() {
            *values.get_mut(i)? = f.trim().parse().ok()?;
        }
        Some(Cnmi { values })
    }
}

/// Tried in order after the probed choice (as smstools3 and Gammu users
/// end up configuring by hand).
pub const FALLBACKS: [[u8; 5]; 6] = [
    [2, 1, 0, 2, 0],
    [2, 1, 0, 1, 0],
    [1, 1, 0, 2, 0],
    [1, 1, 0, 1, 0],
    [2, 1, 0, 0, 0],
    [1, 1, 0, 0, 0],
];

/// Reads `(0,1,2),(0-3),(0,2),(0-2),(0,1)` into the allowed values of each
/// parameter.
pub fn parse_test(v: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(start) = rest.find('(') {
        let Some(len) = rest[start..].find(')') else {
            break;
        };
        let inner = &rest[start + 1..start + len];
        let mut allowed = Vec::new();
        for item in inner.split(',') {
            let item = item.trim();
            if let Some((a, b)) = item.split_once('-') {
                if let (Ok(a), Ok(b)) = (a.trim().parse::<u8>(), b.trim().parse::<u8>()) {
                    allowed.extend(a..=b.min(a.saturating_add(15)));
                }
            } else if let Ok(n) = item.parse::<u8>() {
                allowed.push(n);
            }
        }
        out.push(allowed);
        rest = &rest[start + len + 1..];
    }
    out
}

/// The best values among those allowed; `None` when new messages cannot be
/// notified at all (mt 1 and 2 both missing).
pub fn choose(allowed: &[Vec<u8>]) -> Option<Cnmi> {
    if allowed.len() < 2 {
        return None;
    }
    let pick = |i: usize, prefs: &[u8]| -> Option<u8> {
        match allowed.get(i) {
            // A parameter the modem does not list: leave it at 0.
            None => Some(0),
            Some(a) if a.is_empty() => Some(0),
            Some(a) => prefs.iter().copied().find(|p| a.contains(p)),
        }
    };
    Some(Cnmi {
        values: [
            pick(0, &[2, 1, 3])?,
            pick(1, &[1, 2])?,
            pick(2, &[0]).unwrap_or(0),
            pick(3, &[2, 1, 0]).unwrap_or(0),
            pick(4, &[0, 1]).unwrap_or(0),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        let a = parse_test("(0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)");
        assert_eq!(a[1], [0, 1, 2, 3]);
        let b = parse_test("(0-2),(0-3),(0,2),(0-2),(0,1)");
        assert_eq!(a, b);
        assert_eq!(choose(&a).unwrap().command(), "AT+CNMI=2,1,0,2,0");
    }

    #[test]
    fn falls_back_to_what_is_offered() {
        let a = parse_test("(1),(2),(0),(1),(1)");
        assert_eq!(choose(&a).unwrap().values, [1, 2, 0, 1, 1]);
        assert_eq!(choose(&parse_test("(0),(0),(0),(0),(0)")), None);
        assert_eq!(choose(&parse_test("garbage")), None);
    }

    #[test]
    fn configured_values() {
        assert_eq!(Cnmi::from_config("1,1").unwrap().values, [1, 1, 0, 0, 0]);
        assert_eq!(Cnmi::from_config("1,1,0,0,0,0"), None);
    }
}
