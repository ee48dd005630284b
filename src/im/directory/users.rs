//! Users in the store: create, find, list, disable, passwords, names.

use crate::model::im_id::{ImId, UserId};
use crate::model::presence::{Status, Visibility};
use crate::store::UnixMs;
use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub name: ImId,
    pub phone_only: bool,
    pub disabled: bool,
    pub discoverable: bool,
    pub status: Status,
    pub status_text: String,
    pub visibility: Visibility,
    pub profile: String,
}

const COLUMNS: &str =
    "id, name, phone_only, disabled, discoverable, status, status_text, visibility, profile";

fn row(r: &Row) -> rusqlite::Result<User> {
    let status: String = r.get(5)?;
    let visibility: String = r.get(7)?;
    Ok(User {
        id: UserId(r.get(0)?),
        name: ImId::from_stored(r.get(1)?),
        phone_only: r.get(2)?,
        disabled: r.get(3)?,
        discoverable: r.get(4)?,
        status: Status::parse(&status).unwrap_or(Status::Available),
        status_text: r.get(6)?,
        visibility: Visibility::parse(&visibility).unwrap_or(Visibility::All),
        profile: r.get(8)?,
    })
}

pub fn by_name(c: &Connection, name: &ImId) -> rusqlite::Result<Option<User>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM im_users WHERE name = ?1"))?
        .query_row([name.as_str()], row)
        .optional()
}

pub fn by_id(c: &Connection, id: UserId) -> rusqlite::Result<Option<User>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM im_users WHERE id = ?1"))?
        .query_row([id.0], row)
        .optional()
}

pub fn password_hash(c: &Connection, name: &ImId) -> rusqlite::Result<Option<(UserId, String)>> {
    c.prepare_cached(
        "SELECT id, password_hash FROM im_users
         WHERE name = ?1 AND disabled = 0 AND password_hash IS NOT NULL",
    )?
    .query_row([name.as_str()], |r| Ok((UserId(r.get(0)?), r.get(1)?)))
    .optional()
}

/// `None` when the name is taken.
pub fn create(
    c: &Connection,
    name: &ImId,
    password_hash: Option<&str>,
    phone_only: bool,
    at: UnixMs,
) -> rusqlite::Result<Option<UserId>> {
    let n = c
        .prepare_cached(
            "INSERT INTO im_users (name, password_hash, phone_only, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING",
        )?
        .execute(params![name.as_str(), password_hash, phone_only, at])?;
    Ok((n == 1).then(|| UserId(c.last_insert_rowid())))
}

/// Every user with their bound number (for administrators).
pub fn list(c: &Connection) -> rusqlite::Result<Vec<(User, Option<String>)>> {
    c.prepare_cached(&format!(
        "SELECT {cols}, b.phone FROM im_users u LEFT JOIN im_bindings b ON b.user_id = u.id
         ORDER BY u.name",
        cols = COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?
    .query_map([], |r| Ok((row(r)?, r.get(9)?)))?
    .collect()
}

pub fn set_disabled(c: &Connection, name: &ImId, disabled: bool) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE im_users SET disabled = ?2 WHERE name = ?1",
        params![name.as_str(), disabled],
    )?;
    if disabled {
        c.execute(
            "DELETE FROM im_tokens WHERE user_id = (SELECT id FROM im_users WHERE name = ?1)",
            [name.as_str()],
        )?;
    }
    Ok(n == 1)
}

/// Sets the password (a phone-only user becomes a full user) and ends
/// every session.
pub fn set_password(c: &Connection, name: &ImId, hash: &str) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE im_users SET password_hash = ?2, phone_only = 0 WHERE name = ?1",
        params![name.as_str(), hash],
    )?;
    c.execute(
        "DELETE FROM im_tokens WHERE user_id = (SELECT id FROM im_users WHERE name = ?1)",
        [name.as_str()],
    )?;
    Ok(n == 1)
}

/// `false` when the new name is taken.
pub fn rename(c: &Connection, id: UserId, to: &ImId) -> rusqlite::Result<bool> {
    let taken: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM im_users WHERE name = ?1)")?
        .query_row([to.as_str()], |r| r.get(0))?;
    if taken {
        return Ok(false);
    }
    c.execute(
        "UPDATE im_users SET name = ?2 WHERE id = ?1",
        params![id.0, to.as_str()],
    )?;
    Ok(true)
}

/// Sets one of the user's own settings columns.
pub fn set_field(c: &Connection, id: UserId, field: Field, value: &str) -> rusqlite::Result<()> {
    let col = match field {
        Field::Status => "status",
        Field::StatusText => "status_text",
        Field::Visibility => "visibility",
        Field::Profile => "profile",
        Field::Discoverable => "discoverable",
    };
    c.execute(
        &format!("UPDATE im_users SET {col} = ?2 WHERE id = ?1"),
        params![id.0, value],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum Field {
    Status,
    StatusText,
    Visibility,
    Profile,
    Discoverable,
}

/// The existing, enabled ID closest to `typed` (edit distance at most 2),
/// among names sharing its first letter.
pub fn similar(c: &Connection, typed: &str) -> rusqlite::Result<Option<ImId>> {
    let typed = typed.to_ascii_lowercase();
    let Some(first) = typed.chars().next() else {
        return Ok(None);
    };
    let names: Vec<String> = c
        .prepare_cached(
            "SELECT name FROM im_users WHERE name >= ?1 AND name < ?2 AND disabled = 0
             AND length(name) BETWEEN ?3 AND ?4 LIMIT 5000",
        )?
        .query_map(
            params![
                first.to_string(),
                char::from_u32(first as u32 + 1)
                    .map(String::from)
                    .unwrap_or_default(),
                typed.len().saturating_sub(2) as i64,
                typed.len() as i64 + 2
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names
        .into_iter()
        .map(|n| (strsim::levenshtein(&typed, &n), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| ImId::from_stored(n)))
}
