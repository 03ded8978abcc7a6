-- Retention: how long each kind of record is kept, holds that keep a
-- client's records (or one recording) past it, and the report of what was
-- destroyed. Times are microseconds since 1970 (UTC).

-- A rule the organisation's administrator set for a kind of record; a kind
-- without a row follows the organisation's policy (see opname.Retention).
CREATE TABLE retention_rules (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    kind       TEXT NOT NULL,
    years      BIGINT NOT NULL,
    months     BIGINT NOT NULL,
    clock      TEXT NOT NULL,
    basis_nl   TEXT NOT NULL,
    basis_en   TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- Every change of a rule or of automatic destruction: who, when, why, and
-- the rule before and after (JSON).
CREATE TABLE retention_changes (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    changed_by      TEXT NOT NULL,
    changed_by_name TEXT NOT NULL,
    reason          TEXT NOT NULL,
    old_rule        TEXT NOT NULL,
    new_rule        TEXT NOT NULL
);
CREATE INDEX retention_changes_org ON retention_changes (org_id, at);

-- A legal hold on all of a client's records (recording_id '') or on one
-- recording; it holds until released.
CREATE TABLE legal_holds (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations (id),
    client_id      TEXT NOT NULL REFERENCES clients (id),
    recording_id   TEXT NOT NULL,
    reason         TEXT NOT NULL,
    placed_at      BIGINT NOT NULL,
    placed_by      TEXT NOT NULL,
    placed_by_name TEXT NOT NULL,
    released_at    BIGINT NOT NULL DEFAULT 0,
    released_by    TEXT NOT NULL DEFAULT '',
    release_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX legal_holds_client ON legal_holds (org_id, client_id, released_at);

-- What was destroyed, when, under which rule (JSON, as it was then) and by
-- whom: the destruction report.
CREATE TABLE destructions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    kind         TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    rule         TEXT NOT NULL,
    destroyed_at BIGINT NOT NULL,
    destroyed_by TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX destructions_org ON destructions (org_id, destroyed_at);

-- The end of care for a client, set by a manager or administrator: the
-- clock of rules that count from it. 0: care has not ended.
ALTER TABLE clients ADD COLUMN care_ended_at BIGINT NOT NULL DEFAULT 0;
-- Automatic destruction of what is due, without the privacy officer's
-- confirmation: off unless the administrator turns it on.
ALTER TABLE organisations ADD COLUMN auto_destroy BIGINT NOT NULL DEFAULT 0;
-- Redacted by retention: the personal content of a request's agreement or
-- decisions is gone, what the logs need stays.
ALTER TABLE requests ADD COLUMN agreement_destroyed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN decisions_destroyed_at BIGINT NOT NULL DEFAULT 0;
