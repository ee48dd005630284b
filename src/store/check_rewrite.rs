//! Rewrites `CHECK (col IN ('a','b',...))` constraints into `CHECK (col = 'a'
//! OR col = 'b' OR ...)`, which accepts exactly the same rows. SQLite codes
//! an IN list of more than two constants as a temporary B-tree, built and
//! torn down for every row it checks; comparisons cost next to nothing.
//!
//! The tables are not rebuilt: only the stored CREATE TABLE text changes,
//! by the procedure sqlite.org gives for changing a CHECK constraint
//! (lang_altertable.html, "simpler procedure"): edit `sqlite_schema` with
//! `writable_schema`, bump `schema_version`, check integrity, all in the
//! migration's transaction.

use regex::Regex;
use rusqlite::Transaction;

/// The constraints to rewrite: (table, column).
const CHECKS: &[(&str, &str)] = &[
    ("outbound", "state"),
    ("calls", "caller_kind"),
    ("calls", "outcome"),
    ("im_inbox", "state"),
];

pub fn rewrite_in_checks(tx: &Transaction) -> rusqlite::Result<()> {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.pragma_update(None, "writable_schema", true)?;
    for table in tables() {
        let sql: String = tx.query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        let mut new = sql.clone();
        for (_, column) in CHECKS.iter().filter(|(t, _)| *t == table) {
            new = rewrite(&new, column).ok_or_else(|| {
                failure(format!(
                    "migration 4: no CHECK ({column} IN (...)) in table {table}"
                ))
            })?;
        }
        tx.execute(
            "UPDATE sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1",
            [table, new.as_str()],
        )?;
    }
    tx.pragma_update(None, "schema_version", version + 1)?;
    tx.pragma_update(None, "writable_schema", false)?;
    let verdict: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(failure(format!(
            "migration 4: integrity check after the CHECK rewrite says {verdict}"
        )));
    }
    Ok(())
}

fn failure(msg: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(msg),
    )
}

fn tables() -> Vec<&'static str> {
    let mut t: Vec<&str> = CHECKS.iter().map(|(t, _)| *t).collect();
    t.dedup();
    t
}

/// `sql` with its one `CHECK (column IN (...))` written as comparisons;
/// `None` if there is not exactly one, or the list is not plain literals.
fn rewrite(sql: &str, column: &str) -> Option<String> {
    let re = Regex::new(&format!(
        r"CHECK \({}\s+IN\s*\(([^()]*)\)\)",
        regex::escape(column)
    ))
    .ok()?;
    let mut found = re.captures_iter(sql);
    let caps = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let literal = Regex::new(r"^'[a-z_]+'$").ok()?;
    let values: Vec<&str> = caps[1].split(',').map(str::trim).collect();
    if values.is_empty() || !values.iter().all(|v| literal.is_match(v)) {
        return None;
    }
    let terms: Vec<String> = values.iter().map(|v| format!("{column} = {v}")).collect();
    let whole = caps.get(0)?;
    Some(format!(
        "{}CHECK ({}){}",
        &sql[..whole.start()],
        terms.join(" OR "),
        &sql[whole.end()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_becomes_comparisons_and_the_rest_is_kept() {
        let sql = "CREATE TABLE t (\n  a TEXT,\n  state TEXT NOT NULL CHECK (state IN\n     ('x','y', 'z')),\n  b INTEGER\n)";
        assert_eq!(
            rewrite(sql, "state").unwrap(),
            "CREATE TABLE t (\n  a TEXT,\n  state TEXT NOT NULL CHECK (state = 'x' OR state = 'y' OR state = 'z'),\n  b INTEGER\n)"
        );
        assert_eq!(rewrite(sql, "other"), None);
        assert_eq!(rewrite("CHECK (state IN (lower('x')))", "state"), None);
    }
}
