-- Where each organisation's access log starts once its oldest records were
-- pruned: a head anchored in its tamper-evident log (seq, hash), and the
-- entry of that log that records the prune (log_index). Checking the access
-- log trusts the tamper-evident log; this row must match it.
CREATE TABLE access_log_starts (
    org_id    TEXT PRIMARY KEY REFERENCES organisations (id),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    log_index BIGINT NOT NULL
);

-- Records may be deleted only up to the start: the prune moves the start
-- first, in the tamper-evident log and here, then deletes.
DROP TRIGGER access_log_no_delete;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
WHEN OLD.seq > COALESCE((SELECT seq FROM access_log_starts WHERE org_id = OLD.org_id), 0)
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;

-- The report for the privacy officer counts a month's records by what was
-- done, to what, by which role, with which outcome: it steps from one such
-- group to the next in this index and counts each group's month in it, so
-- nothing is sorted and no record is read.
CREATE INDEX access_log_report ON access_log (org_id, action, object_type, user_role, outcome, time);
