//! The route table: longest destination prefix → ordered links.

use crate::config::RouteConfig;
use switchboard_protocol::{HandlerId, PhoneNumber};

#[derive(Debug, Clone)]
pub struct RouteTable {
    /// Longest prefix first, so the first match is the best.
    routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub prefix: String,
    pub via: Vec<HandlerId>,
}

impl RouteTable {
    /// Without configured routes every number goes through all links in
    /// the order they are configured.
    pub fn new(configured: &[RouteConfig], links: &[HandlerId]) -> RouteTable {
        let mut routes: Vec<Route> = if configured.is_empty() {
            vec![Route {
                prefix: "+".into(),
                via: links.to_vec(),
            }]
        } else {
            configured
                .iter()
                .map(|r| Route {
                    prefix: r.prefix.clone(),
                    via: r.via.iter().map(|v| HandlerId::new(v.as_str())).collect(),
                })
                .collect()
        };
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        RouteTable { routes }
    }

    pub fn find(&self, to: &PhoneNumber) -> Option<usize> {
        self.routes
            .iter()
            .position(|r| to.as_str().starts_with(&r.prefix) && !r.via.is_empty())
    }

    pub fn get(&self, i: usize) -> &Route {
        &self.routes[i]
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(prefix: &str, via: &[&str]) -> RouteConfig {
        RouteConfig {
            prefix: prefix.into(),
            via: via.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let t = RouteTable::new(
            &[rc("+", &["a"]), rc("+4917", &["b", "a"]), rc("+49", &["c"])],
            &[],
        );
        let n = |s: &str| PhoneNumber::parse_e164(s).unwrap();
        assert_eq!(t.get(t.find(&n("+491701234567")).unwrap()).prefix, "+4917");
        assert_eq!(t.get(t.find(&n("+49301234567")).unwrap()).prefix, "+49");
        assert_eq!(t.get(t.find(&n("+14155550100")).unwrap()).prefix, "+");
    }

    #[test]
    fn no_match_without_default() {
        let t = RouteTable::new(&[rc("+49", &["a"])], &[]);
        assert_eq!(
            t.find(&PhoneNumber::parse_e164("+14155550100").unwrap()),
            None
        );
    }
}
