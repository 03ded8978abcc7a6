-- Personal links of clients and the people who speak for them: the code
-- is kept only as its hash; id names the link for staff. A link expires,
-- can be stopped (revoked_at), and may ask for a PIN (its argon2 hash),
-- whose wrong tries are counted per link.
CREATE TABLE client_links (
    id             TEXT PRIMARY KEY,
    hash           TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL REFERENCES organisations (id),
    client_id      TEXT NOT NULL REFERENCES clients (id),
    party          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT NOT NULL DEFAULT 0,
    pin_required   BOOLEAN NOT NULL DEFAULT 0,
    pin_hash       TEXT NOT NULL DEFAULT '',
    pin_failures   INTEGER NOT NULL DEFAULT 0,
    pin_wait_until BIGINT NOT NULL DEFAULT 0,
    last_used      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX client_links_client ON client_links (org_id, client_id);

-- A browser opened with a link; pin_done once its PIN was given.
CREATE TABLE link_sessions (
    id         TEXT PRIMARY KEY,
    link_id    TEXT NOT NULL REFERENCES client_links (id),
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    pin_done   BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX link_sessions_link ON link_sessions (link_id);
