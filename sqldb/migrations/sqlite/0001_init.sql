-- Organisations, their policy versions, people, clients, sign-in and the
-- access log. Times are microseconds since the Unix epoch, UTC.

CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    require_totp BOOLEAN NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

CREATE TABLE policy_versions (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    shipped    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    name        TEXT NOT NULL,
    dossier_ref TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX clients_org ON clients (org_id, name);

CREATE TABLE assignments (
    org_id    TEXT NOT NULL REFERENCES organisations (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (client_id, user_id)
);
CREATE INDEX assignments_user ON assignments (user_id, client_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL,
    second_factor BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE one_time_secrets (
    hash       TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE access_log (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    seq          BIGINT NOT NULL,
    time         BIGINT NOT NULL,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    user_role    TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    source_addr  TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    UNIQUE (org_id, seq)
);
CREATE INDEX access_log_client ON access_log (org_id, client_id, seq);

-- The newest record of each organisation's chain.
CREATE TABLE access_log_heads (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);

-- The access log is append-only, also for anyone with a database client.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
