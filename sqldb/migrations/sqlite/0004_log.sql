-- Each organisation's tamper-evident log: its signing key, its entries, the
-- Merkle tree's stored hashes (indexes as golang.org/x/mod/sumdb/tlog
-- numbers them) and its latest signed checkpoint.
CREATE TABLE log_keys (
    org_id   TEXT PRIMARY KEY REFERENCES organisations (id),
    origin   TEXT NOT NULL,
    signer   TEXT NOT NULL,
    verifier TEXT NOT NULL
);

CREATE TABLE log_entries (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    idx    BIGINT NOT NULL,
    entry  TEXT NOT NULL,
    PRIMARY KEY (org_id, idx)
);

CREATE TABLE log_hashes (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    idx    BIGINT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (org_id, idx)
);

CREATE TABLE log_checkpoints (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    size   BIGINT NOT NULL,
    signed TEXT NOT NULL
);
