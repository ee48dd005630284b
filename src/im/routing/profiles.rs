//! Profiles: named rule sets; the user's active one routes their messages.

use super::rules::Rule;
use crate::im::directory::UserId;
use rusqlite::{Connection, OptionalExtension, params};

pub const DEFAULT: &str = "default";

pub fn rules(c: &Connection, user: UserId, profile: &str) -> rusqlite::Result<Option<Vec<Rule>>> {
    let json: Option<String> = c
        .prepare_cached("SELECT rules FROM im_profiles WHERE user_id = ?1 AND name = ?2")?
        .query_row(params![user.0, profile], |r| r.get(0))
        .optional()?;
    Ok(json.map(|j| {
        serde_json::from_str(&j).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored rules do not read; the defaults apply");
            Vec::new()
        })
    }))
}

pub fn put(c: &Connection, user: UserId, profile: &str, rules: &[Rule]) -> rusqlite::Result<()> {
    let json = serde_json::to_string(rules).unwrap_or_else(|_| "[]".into());
    c.prepare_cached(
        "INSERT OR REPLACE INTO im_profiles (user_id, name, rules) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![user.0, profile, json])?;
    Ok(())
}

pub fn delete(c: &Connection, user: UserId, profile: &str) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM im_profiles WHERE user_id = ?1 AND name = ?2")?
            .execute(params![user.0, profile])?
            == 1,
    )
}

pub fn list(c: &Connection, user: UserId) -> rusqlite::Result<Vec<(String, Vec<Rule>)>> {
    c.prepare_cached("SELECT name, rules FROM im_profiles WHERE user_id = ?1 ORDER BY name")?
        .query_map([user.0], |r| {
            let j: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&j).unwrap_or_default()))
        })?
        .collect()
}

pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}
