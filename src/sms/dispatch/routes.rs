//! The route table: longest destination prefix → ordered links. Modems
//! named next to each other in a route form a pool: the traffic is spread
//! over those of them that can take it, least busy first, before the next
//! link of the route is tried.

use crate::config::RouteConfig;
use std::collections::HashSet;
use switchboard_protocol::{HandlerId, PhoneNumber};

#[derive(Debug, Clone)]
pub struct RouteTable {
    /// Longest prefix first, so the first match is the best.
    routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub prefix: String,
    /// The links in order of preference, each a tier of its own except
    /// modems next to each other, which share one tier (a pool).
    pub tiers: Vec<Vec<HandlerId>>,
}

/// Groups `via` into tiers: consecutive modems into one pool, any other
/// link alone.
fn tiers(via: &[HandlerId], modems: &HashSet<HandlerId>) -> Vec<Vec<HandlerId>> {
    let mut out: Vec<Vec<HandlerId>> = Vec::new();
    let mut last_was_modem = false;
    for h in via {
        let modem = modems.contains(h);
        match out.last_mut() {
            Some(pool) if modem && last_was_modem => pool.push(h.clone()),
            _ => out.push(vec![h.clone()]),
        }
        last_was_modem = modem;
    }
    out
}

impl RouteTable {
    /// Without configured routes every number goes through all links in
    /// the order they are configured. `modems` names the links that are
    /// modems (they pool).
    pub fn new(
        configured: &[RouteConfig],
        links: &[HandlerId],
        modems: &HashSet<HandlerId>,
    ) -> RouteTable {
        let mut routes: Vec<Route> = if configured.is_empty() {
            vec![Route {
                prefix: "+".into(),
                tiers: tiers(links, modems),
            }]
        } else {
            configured
                .iter()
                .map(|r| {
                    let via: Vec<HandlerId> =
                        r.via.iter().map(|v| HandlerId::new(v.as_str())).collect();
                    Route {
                        prefix: r.prefix.clone(),
                        tiers: tiers(&via, modems),
                    }
                })
                .collect()
        };
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        RouteTable { routes }
    }

    pub fn find(&self, to: &PhoneNumber) -> Option<usize> {
        self.routes
            .iter()
            .position(|r| to.as_str().starts_with(&r.prefix) && !r.tiers.is_empty())
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

    fn ids(names: &[&str]) -> Vec<HandlerId> {
        names.iter().map(|n| HandlerId::new(*n)).collect()
    }

    #[test]
    fn longest_prefix_wins() {
        let t = RouteTable::new(
            &[rc("+", &["a"]), rc("+4917", &["b", "a"]), rc("+49", &["c"])],
            &[],
            &HashSet::new(),
        );
        let n = |s: &str| PhoneNumber::parse_e164(s).unwrap();
        assert_eq!(t.get(t.find(&n("+491701234567")).unwrap()).prefix, "+4917");
        assert_eq!(t.get(t.find(&n("+49301234567")).unwrap()).prefix, "+49");
        assert_eq!(t.get(t.find(&n("+14155550100")).unwrap()).prefix, "+");
    }

    #[test]
    fn no_match_without_default() {
        let t = RouteTable::new(&[rc("+49", &["a"])], &[], &HashSet::new());
        assert_eq!(
            t.find(&PhoneNumber::parse_e164("+14155550100").unwrap()),
            None
        );
    }

    #[test]
    fn adjacent_modems_pool_and_other_links_stand_alone() {
        let modems: HashSet<HandlerId> = ids(&["m1", "m2", "m3"]).into_iter().collect();
        let t = RouteTable::new(
            &[rc("+", &["m1", "m2", "smsc", "m3", "backup"])],
            &[],
            &modems,
        );
        assert_eq!(
            t.get(0).tiers,
            vec![
                ids(&["m1", "m2"]),
                ids(&["smsc"]),
                ids(&["m3"]),
                ids(&["backup"])
            ]
        );
        // Without routes: every link in configured order, the modems pooled.
        let t = RouteTable::new(&[], &ids(&["smsc", "m1", "m2"]), &modems);
        assert_eq!(t.get(0).tiers, vec![ids(&["smsc"]), ids(&["m1", "m2"])]);
    }
}
