-- Recordings: their fingerprint, where the encrypted payload is, and the
-- age header with the wrapped file key (deleting it erases the recording).
CREATE TABLE recordings (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    client_id    TEXT NOT NULL REFERENCES clients (id),
    source       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    blob_key     TEXT NOT NULL,
    payload_size BIGINT NOT NULL,
    header       TEXT NOT NULL,
    log_index    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX recordings_client ON recordings (org_id, client_id, created_at);
