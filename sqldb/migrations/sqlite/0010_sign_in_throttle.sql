-- Sign-in throttling replaces the per-account lock. Failed passwords and
-- codes are counted per key: an account as typed (organisation slug and
-- e-mail address, whether or not it exists), a source address, and an
-- account from one address. Keys are SHA-256 hashes, so the table holds no
-- typed e-mail address or source address. account groups an account's own
-- row with its per-address rows ('' for an address), for unlocking.
CREATE TABLE sign_in_throttle (
    key          TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    wait_until   BIGINT NOT NULL
);
CREATE INDEX sign_in_throttle_account ON sign_in_throttle (account);
CREATE INDEX sign_in_throttle_window ON sign_in_throttle (window_start);

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

-- A password change or reset ends a person's sessions and tokens.
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX tokens_user ON tokens (user_id);
