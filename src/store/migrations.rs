//! Versioned schema migrations, tracked in `PRAGMA user_version`. Each
//! entry runs once, in its own transaction; never edit a landed entry, add
//! a new one.

use rusqlite::{Connection, Transaction};

/// One step of the schema's history.
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction) -> rusqlite::Result<()>),
}
use Migration::{Code, Sql};

const MIGRATIONS: &[Migration] = &[
    // 1: messages out and in, parts, reports, keys, webhooks, audit log.
    Sql(r#"
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
    "#),
    // 2: calls on modem lines, and per-day send counts (SIM daily limits).
    Sql(r#"
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
    "#),
    // 3: IM users, tokens, bindings and codes, phones' state, contacts,
    // lists, rules and profiles, inbox with history, matching quotas.
    Sql(r#"
    CREATE TABLE im_users (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL UNIQUE,      -- lower case, the local part of the IM ID
        password_hash  TEXT,                      -- argon2 PHC string; NULL for phone-only users
        phone_only     INTEGER NOT NULL DEFAULT 0,
        disabled       INTEGER NOT NULL DEFAULT 0,
        discoverable   INTEGER NOT NULL DEFAULT 0, -- may be found by contact matching
        status         TEXT NOT NULL DEFAULT 'available',
        status_text    TEXT NOT NULL DEFAULT '',
        visibility     TEXT NOT NULL DEFAULT 'all', -- all | seeing_list
        profile        TEXT NOT NULL DEFAULT 'default',
        created_at     INTEGER NOT NULL
    );

    CREATE TABLE im_tokens (
        hash       BLOB PRIMARY KEY,             -- SHA-256 of the bearer token
        user_id    INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX im_tokens_user ON im_tokens (user_id);

    -- One phone <-> one IM ID.
    CREATE TABLE im_bindings (
        phone      TEXT PRIMARY KEY,             -- E.164
        user_id    INTEGER NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- The one pending code of a user, for one phone.
    CREATE TABLE im_codes (
        user_id    INTEGER PRIMARY KEY,
        phone      TEXT NOT NULL,
        code_hash  BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        tries      INTEGER NOT NULL DEFAULT 0
    );

    -- Codes sent to a number: back-off and the daily cap.
    CREATE TABLE im_code_sends (
        phone        TEXT PRIMARY KEY,
        day          INTEGER NOT NULL,           -- days since the epoch
        sent_today   INTEGER NOT NULL,
        last_sent_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- What the gateway remembers of a phone: STOP, the sticky reply.
    CREATE TABLE im_phones (
        phone        TEXT PRIMARY KEY,
        stopped      INTEGER NOT NULL DEFAULT 0,
        sticky_user  INTEGER,
        sticky_until INTEGER
    ) WITHOUT ROWID;

    -- Automatic replies sent to a phone, one row per kind, for the throttle.
    CREATE TABLE im_autoreplies (
        phone   TEXT NOT NULL,
        kind    TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (phone, kind)
    ) WITHOUT ROWID;

    CREATE TABLE im_contacts (
        owner      INTEGER NOT NULL,
        contact    INTEGER NOT NULL,
        grp        TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        PRIMARY KEY (owner, contact)
    ) WITHOUT ROWID;
    CREATE INDEX im_contacts_contact ON im_contacts (contact);

    -- blinded: always see me offline, their messages are dropped;
    -- seeing: with visibility 'seeing_list', only these see me.
    CREATE TABLE im_lists (
        owner INTEGER NOT NULL,
        kind  TEXT NOT NULL CHECK (kind IN ('blinded','seeing')),
        other INTEGER NOT NULL,
        PRIMARY KEY (owner, kind, other)
    ) WITHOUT ROWID;

    -- Profiles are named rule sets; a user's rules are JSON in order.
    CREATE TABLE im_profiles (
        user_id INTEGER NOT NULL,
        name    TEXT NOT NULL,
        rules   TEXT NOT NULL,                  -- JSON array of rules
        PRIMARY KEY (user_id, name)
    ) WITHOUT ROWID;

    CREATE TABLE im_inbox (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL,
        sender_id   INTEGER NOT NULL,
        text        TEXT NOT NULL,
        urgent      INTEGER NOT NULL,
        receipt     INTEGER NOT NULL,           -- the sender asked for receipts
        state       TEXT NOT NULL CHECK (state IN ('unread','read','deleted')),
        outbound_id INTEGER,                    -- the SMS that carried it to the phone
        created_at  INTEGER NOT NULL
    );
    CREATE INDEX im_inbox_user ON im_inbox (user_id, id);
    CREATE INDEX im_inbox_outbound ON im_inbox (outbound_id) WHERE outbound_id IS NOT NULL;

    CREATE TABLE im_inbox_history (
        message_id INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        what       TEXT NOT NULL               -- added, delivered_client, sent_sms, delivered_phone, read, deleted
    );
    CREATE INDEX im_inbox_history_message ON im_inbox_history (message_id);

    -- Received SMS the IM side has handled; those missing after a crash
    -- are handled at the next start.
    CREATE TABLE im_inbound_handled (
        id INTEGER PRIMARY KEY
    );

    CREATE TABLE im_match_quota (
        user_id INTEGER NOT NULL,
        day     INTEGER NOT NULL,
        used    INTEGER NOT NULL,
        PRIMARY KEY (user_id, day)
    ) WITHOUT ROWID;
    "#),
    // 4: CHECK constraints of the form `x IN (list)` written as `x = .. OR
    // x = ..`: SQLite builds a temporary table for a list of more than two
    // on every insert and update it checks.
    Code(super::check_rewrite::rewrite_in_checks),
    // 5: the report lookup finds the newest part with an id on a link by
    // walking this index backwards, instead of sorting the matches in a
    // temporary table for every report.
    Sql(r#"
    DROP INDEX outbound_parts_network;
    CREATE INDEX outbound_parts_network
        ON outbound_parts (handler, network_id, submitted_at, message_id);
    "#),
];

/// Brings the schema up to date; returns the version it is at.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<usize> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        match step {
            Sql(sql) => tx.execute_batch(sql)?,
            Code(f) => f(&tx)?,
        }
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

    fn insert_state(c: &Connection, state: &str) -> rusqlite::Result<usize> {
        c.execute(
            "INSERT INTO outbound (to_number, body, report, priority, valid_until, concat_ref,
                 total_parts, state, next_attempt_at, created_at)
             VALUES ('+491701234567', '{}', 0, 'normal', 0, 1, 1, ?1, 0, 0)",
            [state],
        )
    }

    /// The migrated schema refuses and accepts what the old one did, and
    /// no check builds a temporary table any more.
    #[test]
    fn the_migrated_checks_still_hold_and_build_no_temporary_table() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        assert_eq!(insert_state(&c, "queued").unwrap(), 1);
        assert_eq!(insert_state(&c, "expired").unwrap(), 1);
        assert!(insert_state(&c, "lost").is_err());
        let sql: String = c
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'outbound'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            sql.contains("state = 'queued' OR state = 'submitting'"),
            "{sql}"
        );
        let ops: Vec<String> = c
            .prepare(
                "EXPLAIN UPDATE outbound SET state = 'submitted' WHERE id = 1
                 AND (state IN ('queued', 'submitting') OR state = 'submitted')",
            )
            .unwrap()
            .query_map([], |r| r.get(1))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{ops:?}");
        let inbox: String = c
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'im_inbox'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(inbox.contains("state = 'unread' OR state = 'read' OR state = 'deleted'"));
    }
}
