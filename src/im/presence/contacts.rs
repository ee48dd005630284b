//! Contact lists with groups, and the blinded and seeing lists.

use crate::im::directory::{ImId, UserId};
use crate::store::UnixMs;
use rusqlite::{Connection, params};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// They always see me offline; their messages are dropped silently.
    Blinded,
    /// With visibility `seeing_list`, only they see my presence.
    Seeing,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Blinded => "blinded",
            ListKind::Seeing => "seeing",
        }
    }
}

/// Adds or regroups a contact; true when it is new.
pub fn add(
    c: &Connection,
    owner: UserId,
    contact: UserId,
    group: &str,
    at: UnixMs,
) -> rusqlite::Result<bool> {
    let existed: bool = c
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM im_contacts WHERE owner = ?1 AND contact = ?2)",
        )?
        .query_row(params![owner.0, contact.0], |r| r.get(0))?;
    c.prepare_cached(
        "INSERT INTO im_contacts (owner, contact, grp, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (owner, contact) DO UPDATE SET grp = excluded.grp",
    )?
    .execute(params![owner.0, contact.0, group, at])?;
    Ok(!existed)
}

pub fn remove(c: &Connection, owner: UserId, contact: UserId) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM im_contacts WHERE owner = ?1 AND contact = ?2")?
            .execute(params![owner.0, contact.0])?
            == 1,
    )
}

/// The owner's contacts: id, name, group.
pub fn list(c: &Connection, owner: UserId) -> rusqlite::Result<Vec<(UserId, ImId, String)>> {
    c.prepare_cached(
        "SELECT u.id, u.name, k.grp FROM im_contacts k JOIN im_users u ON u.id = k.contact
         WHERE k.owner = ?1 ORDER BY k.grp, u.name",
    )?
    .query_map([owner.0], |r| {
        Ok((UserId(r.get(0)?), ImId::from_stored(r.get(1)?), r.get(2)?))
    })?
    .collect()
}

/// The group `contact` has in `owner`'s list, if it is there at all.
pub fn group_of(
    c: &Connection,
    owner: UserId,
    contact: UserId,
) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached("SELECT grp FROM im_contacts WHERE owner = ?1 AND contact = ?2")?
        .query_row(params![owner.0, contact.0], |r| r.get(0))
        .optional()
}

/// Users who have `contact` in their list (they watch its presence).
pub fn watchers(c: &Connection, contact: UserId) -> rusqlite::Result<Vec<UserId>> {
    c.prepare_cached("SELECT owner FROM im_contacts WHERE contact = ?1")?
        .query_map([contact.0], |r| Ok(UserId(r.get(0)?)))?
        .collect()
}

pub fn set_listed(
    c: &Connection,
    owner: UserId,
    kind: ListKind,
    other: UserId,
    on: bool,
) -> rusqlite::Result<()> {
    if on {
        c.prepare_cached(
            "INSERT OR IGNORE INTO im_lists (owner, kind, other) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![owner.0, kind.as_str(), other.0])?;
    } else {
        c.prepare_cached("DELETE FROM im_lists WHERE owner = ?1 AND kind = ?2 AND other = ?3")?
            .execute(params![owner.0, kind.as_str(), other.0])?;
    }
    Ok(())
}

pub fn is_listed(
    c: &Connection,
    owner: UserId,
    kind: ListKind,
    other: UserId,
) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM im_lists WHERE owner = ?1 AND kind = ?2 AND other = ?3)",
    )?
    .query_row(params![owner.0, kind.as_str(), other.0], |r| r.get(0))
}

pub fn listed(c: &Connection, owner: UserId, kind: ListKind) -> rusqlite::Result<Vec<ImId>> {
    c.prepare_cached(
        "SELECT u.name FROM im_lists l JOIN im_users u ON u.id = l.other
         WHERE l.owner = ?1 AND l.kind = ?2 ORDER BY u.name",
    )?
    .query_map(params![owner.0, kind.as_str()], |r| {
        Ok(ImId::from_stored(r.get(0)?))
    })?
    .collect()
}
