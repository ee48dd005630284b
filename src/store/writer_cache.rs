//! What the writer thread keeps in memory to avoid reads on the hot path:
//! which webhooks want which events (so it can write their outbox rows in
//! the transaction of the change they report) and whether any delivery
//! report is waiting for its part.

pub use crate::model::kinds::HookEvent;
use rusqlite::{Connection, params};
use std::cell::Cell;

thread_local! {
    /// Outbox rows written on this thread by writes that hold no cache
    /// (another room's write inside [`super::WriteOp::Exec`]): the writer
    /// takes the count after its commit, to wake the sender for them too.
    static WRITTEN_ELSEWHERE: Cell<u64> = const { Cell::new(0) };
}

/// Counts outbox rows written without the writer's cache.
pub fn note_written_elsewhere(rows: u64) {
    WRITTEN_ELSEWHERE.with(|n| n.set(n.get() + rows));
}

/// The rows counted by [`note_written_elsewhere`] since the last call.
pub fn take_written_elsewhere() -> u64 {
    WRITTEN_ELSEWHERE.with(|n| n.replace(0))
}

#[derive(Debug, Default)]
pub struct WriterCache {
    hooks: Vec<(i64, bool, bool)>, // id, wants received, wants status
    /// Rows written so far (lets the writer wake the sender after commit).
    pub written: u64,
    /// Set when the cached state may be stale (after a failed commit).
    pub reload_needed: bool,
    /// Reports kept because their part was not known yet; while there are
    /// none, recording a part need not look for one.
    pub orphan_reports: u64,
}

impl WriterCache {
    pub fn load(conn: &Connection) -> rusqlite::Result<WriterCache> {
        Ok(WriterCache {
            hooks: read_hooks(conn)?,
            orphan_reports: count_orphans(conn)?,
            ..WriterCache::default()
        })
    }

    /// The webhooks alone, for a write that holds no cache (see
    /// [`note_written_elsewhere`]).
    pub fn hooks_only(conn: &Connection) -> rusqlite::Result<WriterCache> {
        Ok(WriterCache {
            hooks: read_hooks(conn)?,
            ..WriterCache::default()
        })
    }

    pub fn reload(&mut self, conn: &Connection) {
        match (read_hooks(conn), count_orphans(conn)) {
            (Ok(h), Ok(n)) => {
                self.hooks = h;
                self.orphan_reports = n;
                self.reload_needed = false;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "cannot reload the writer's cache")
            }
        }
    }

    pub fn wants(&self, ev: HookEvent) -> bool {
        self.hooks.iter().any(|h| match ev {
            HookEvent::Received => h.1,
            HookEvent::Status => h.2,
        })
    }

    /// Writes one outbox row per webhook that wants `ev`; `payload` is only
    /// built when someone does.
    pub fn write(
        &mut self,
        tx: &Connection,
        ev: HookEvent,
        now: i64,
        payload: impl FnOnce() -> String,
    ) -> rusqlite::Result<()> {
        if !self.wants(ev) {
            return Ok(());
        }
        let body = payload();
        let mut stmt = tx.prepare_cached(
            "INSERT INTO webhook_deliveries (webhook_id, event, payload, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for h in &self.hooks {
            let wanted = match ev {
                HookEvent::Received => h.1,
                HookEvent::Status => h.2,
            };
            if wanted {
                stmt.execute(params![h.0, ev, body, now])?;
                self.written += 1;
            }
        }
        Ok(())
    }

    pub fn set(&mut self, hooks: Vec<(i64, bool, bool)>) {
        self.hooks = hooks;
    }
}

fn count_orphans(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT count(*) FROM orphan_reports", [], |r| r.get(0))
}

fn read_hooks(conn: &Connection) -> rusqlite::Result<Vec<(i64, bool, bool)>> {
    let mut stmt = conn.prepare("SELECT id, events FROM webhooks")?;
    let rows = stmt.query_map([], |r| {
        let events: String = r.get(1)?;
        Ok((
            r.get(0)?,
            events.split(',').any(|e| e == "received"),
            events.split(',').any(|e| e == "status"),
        ))
    })?;
    rows.collect()
}

/// Re-reads the hooks inside a transaction (after a webhook was added or
/// removed).
pub fn hooks_in(tx: &Connection) -> rusqlite::Result<Vec<(i64, bool, bool)>> {
    read_hooks(tx)
}
