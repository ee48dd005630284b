//! `[[route]]` tables: destination prefix → ordered list of links.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// E.164 prefix such as "+49" or "+4917"; "+" matches every number.
    pub prefix: String,
    /// Links tried in order; a later one is used while earlier ones are
    /// down. Modems named next to each other form a pool that shares the
    /// traffic (least busy first).
    pub via: Vec<String>,
}

pub fn check(routes: &[RouteConfig], links: &HashSet<&str>) -> Result<(), (String, String)> {
    for (i, r) in routes.iter().enumerate() {
        let digits = r.prefix.strip_prefix('+');
        if !digits.is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) {
            return Err((
                format!("route[{i}].prefix"),
                format!(
                    "'{}' must be '+' followed by digits, e.g. \"+49\"",
                    r.prefix
                ),
            ));
        }
        if r.via.is_empty() {
            return Err((format!("route[{i}].via"), "names no link".into()));
        }
        for (j, v) in r.via.iter().enumerate() {
            if !links.contains(v.as_str()) {
                return Err((
                    format!("route[{i}].via[{j}]"),
                    format!("'{v}' is not the name of a configured [[smpp]] link or [[modem]]"),
                ));
            }
        }
    }
    Ok(())
}
