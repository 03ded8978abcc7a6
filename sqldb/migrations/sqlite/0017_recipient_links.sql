-- Recipient links: what a share request allowed, delivered to the one
-- recipient it names. The secret and the optional code are kept only as
-- hashes; object_sha256 finds the shares of a copy being checked; the
-- log indexes are the entries that gave, stopped and ended the share.
-- via says how it went: through a link, or in an evidence bundle (made
-- once and ended at once, never opened by a secret).
CREATE TABLE recipient_links (
    id                TEXT PRIMARY KEY,
    hash              TEXT NOT NULL UNIQUE,
    org_id            TEXT NOT NULL REFERENCES organisations (id),
    client_id         TEXT NOT NULL REFERENCES clients (id),
    request_id        TEXT NOT NULL REFERENCES requests (id),
    what              TEXT NOT NULL,
    object_id         TEXT NOT NULL,
    object_sha256     TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    recipient_name    TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    expires_at        BIGINT NOT NULL,
    max_downloads     INTEGER NOT NULL,
    downloads         INTEGER NOT NULL DEFAULT 0,
    code_hash         TEXT NOT NULL DEFAULT '',
    code_failures     INTEGER NOT NULL DEFAULT 0,
    revoked_at        BIGINT NOT NULL DEFAULT 0,
    revoked_by        TEXT NOT NULL DEFAULT '',
    log_index         BIGINT NOT NULL,
    end_log_index     BIGINT NOT NULL DEFAULT -1,
    via               TEXT NOT NULL DEFAULT 'link'
);
CREATE INDEX recipient_links_request ON recipient_links (org_id, request_id);
CREATE INDEX recipient_links_client ON recipient_links (org_id, client_id);
CREATE INDEX recipient_links_object ON recipient_links (org_id, object_sha256);
CREATE INDEX recipient_links_ending ON recipient_links (end_log_index, expires_at);
