//! Versioned schema migrations, tracked in `PRAGMA user_version`. Each
//! entry runs once, in its own transaction; never edit a landed entry, add
//! a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: messages out and in, parts, reports, keys, webhooks, audit log.
    r#"
    CREATE TABLE outbound (
        id              INTEGER PRIMARY KEY,
        api_key_id      INTEGER,
        idempotency_key TEXT,
        to_number       TEXT NOT NULL,
        from_addr       TEXT,              -- JSON of protocol::Address, NULL = link default
        body            TEXT NOT NULL,     -- JSON of protocol::Body
        report          INTEGER NOT NULL,
        priority        TEXT NOT NULL,
        valid_until     INTEGER NOT NULL,  -- unix ms
        concat_ref      INTEGER NOT NULL,
        total_parts     INTEGER NOT NULL,
        state           TEXT NOT NULL CHECK (state IN
                        ('queued','submitting','submitted','delivered','failed','expired')),
        reason          TEXT,
        error_code      INTEGER,
        route           TEXT,              -- link of the last try
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        uncertain_since INTEGER,
        created_at      INTEGER NOT NULL,
        submitted_at    INTEGER,
        done_at         INTEGER
    );
    CREATE UNIQUE INDEX outbound_idempotency ON outbound (api_key_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    -- The dispatcher loads unfinished messages at start.
    CREATE INDEX outbound_open ON outbound (state) WHERE state IN ('queued','submitting');

    CREATE TABLE outbound_parts (
        message_id   INTEGER NOT NULL REFERENCES outbound (id),
        seq          INTEGER NOT NULL,
        handler      TEXT NOT NULL,
        network_id   TEXT NOT NULL,
        submitted_at INTEGER NOT NULL,
        dlr_state    TEXT,
        dlr_error    TEXT,
        dlr_at       INTEGER,
        PRIMARY KEY (message_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX outbound_parts_network ON outbound_parts (handler, network_id);

    -- One row per try that did not simply succeed: the history of a message.
    CREATE TABLE outbound_attempts (
        message_id INTEGER NOT NULL REFERENCES outbound (id),
        attempt    INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        handler    TEXT,
        outcome    TEXT NOT NULL,  -- temporary, permanent, uncertain, expired
        code       INTEGER,
        reason     TEXT NOT NULL
    );
    CREATE INDEX outbound_attempts_message ON outbound_attempts (message_id);

    -- Delivery reports nobody's part matched (kept for the operator).
    CREATE TABLE orphan_reports (
        id         INTEGER PRIMARY KEY,
        handler    TEXT NOT NULL,
        network_id TEXT NOT NULL,
        state      TEXT NOT NULL,
        at         INTEGER NOT NULL
    );

    CREATE TABLE inbound (
        id          INTEGER PRIMARY KEY,
        handler     TEXT NOT NULL,
        from_addr   TEXT NOT NULL,   -- JSON of protocol::Address
        to_addr     TEXT NOT NULL,
        text        TEXT NOT NULL,
        coding      TEXT NOT NULL,
        parts       INTEGER NOT NULL,
        complete    INTEGER NOT NULL,
        received_at INTEGER NOT NULL
    );

    -- Parts of long received messages, kept until the whole is stored and
    -- for a while after, so that a part sent again is not a new message.
    CREATE TABLE inbound_parts (
        handler     TEXT NOT NULL,
        from_addr   TEXT NOT NULL,
        to_addr     TEXT NOT NULL,
        ref         INTEGER NOT NULL,
        total       INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        coding      TEXT NOT NULL,
        data        BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        message_id  INTEGER,
        PRIMARY KEY (from_addr, to_addr, ref, total, seq)
    ) WITHOUT ROWID;
    CREATE INDEX inbound_parts_pending ON inbound_parts (received_at) WHERE message_id IS NULL;

    CREATE TABLE api_keys (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        hash       BLOB NOT NULL UNIQUE,   -- SHA-256 of the key
        created_at INTEGER NOT NULL,
        disabled   INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE webhooks (
        id         INTEGER PRIMARY KEY,
        url        TEXT NOT NULL,
        secret     TEXT NOT NULL,
        events     TEXT NOT NULL,   -- comma-separated: received, status
        created_at INTEGER NOT NULL
    );

    -- WriterCache: a webhook call is written in the same transaction as the
    -- change it reports, so none is lost in a crash.
    CREATE TABLE webhook_deliveries (
        id              INTEGER PRIMARY KEY,
        webhook_id      INTEGER NOT NULL,
        event           TEXT NOT NULL,
        payload         TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        state           TEXT NOT NULL DEFAULT 'pending'  -- pending, delivered, failed
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

    CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        kind    TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail  TEXT NOT NULL
    );
    "#,
    // 2: calls on modem lines, and per-day send counts (SIM daily limits).
    r#"
    -- One row per call a line saw or placed. A call is named by its
    -- handler and the handler's call id; ids restart with the handler, so
    -- events go to the newest row with that pair.
    CREATE TABLE calls (
        id           INTEGER PRIMARY KEY,
        handler      TEXT NOT NULL,
        call_id      TEXT NOT NULL,      -- protocol::CallId: incoming-N, placed-N
        direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        caller_kind  TEXT NOT NULL CHECK (caller_kind IN ('number', 'withheld', 'unavailable', 'line')),
        caller       TEXT,               -- JSON of protocol::Address when caller_kind = 'number'
        line         TEXT,               -- E.164 of the line, when known
        started_at   INTEGER NOT NULL,
        answered_at  INTEGER,
        ended_at     INTEGER,
        rings        INTEGER,
        outcome      TEXT CHECK (outcome IN
                     ('answered', 'missed', 'rejected', 'busy', 'no_answer', 'failed')),
        reason       TEXT
    );
    CREATE INDEX calls_by_handler ON calls (handler, call_id);

    -- SMS parts a link's network accepted per UTC day (unix ms / 86400000),
    -- for per-SIM daily limits that hold across restarts.
    CREATE TABLE daily_sends (
        handler TEXT NOT NULL,
        day     INTEGER NOT NULL,
        parts   INTEGER NOT NULL,
        PRIMARY KEY (handler, day)
    ) WITHOUT ROWID;
    "#,
];

/// Brings the schema up to date; returns the version it is at.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<usize> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), MIGRATIONS.len());
        assert_eq!(migrate(&mut c).unwrap(), MIGRATIONS.len());
        let v: usize = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
    }
}
