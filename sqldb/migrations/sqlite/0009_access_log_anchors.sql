-- The access-log head anchored last in each organisation's tamper-evident
-- log, so that a head that has not moved is not anchored again. Checking
-- the access log trusts the tamper-evident log, never this table.
CREATE TABLE access_log_anchors (
    org_id    TEXT PRIMARY KEY REFERENCES organisations (id),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    log_index BIGINT NOT NULL
);

-- The tamper-evident log only grows, also for anyone with a database client.
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the tamper-evident log is append-only'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the tamper-evident log is append-only'); END;
CREATE TRIGGER log_hashes_no_update BEFORE UPDATE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'the tamper-evident log is append-only'); END;
CREATE TRIGGER log_hashes_no_delete BEFORE DELETE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'the tamper-evident log is append-only'); END;
