-- The client's requests to correct or erase data (AVG articles 16 and
-- 17) and the privacy officer's decision on them. by_id is the link or
-- the user who made the request; recording_id names one recording when
-- the request is about it (a granted erasure of it may then be done by
-- the privacy officer). told_at is when the client's side first showed
-- the decision.
CREATE TABLE data_requests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    client_id    TEXT NOT NULL REFERENCES clients (id),
    kind         TEXT NOT NULL,
    what         TEXT NOT NULL,
    recording_id TEXT NOT NULL DEFAULT '',
    ask          TEXT NOT NULL,
    by_role      TEXT NOT NULL,
    by_party     TEXT NOT NULL DEFAULT '',
    by_id        TEXT NOT NULL,
    by_name      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open',
    reasons      TEXT NOT NULL DEFAULT '',
    done         TEXT NOT NULL DEFAULT '',
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   BIGINT NOT NULL DEFAULT 0,
    told_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX data_requests_client ON data_requests (org_id, client_id, created_at);
CREATE INDEX data_requests_open ON data_requests (org_id, status, created_at);
