-- Resumable uploads under way: each row is one upload's state (its tus
-- info, the age header with the wrapped file key, the encryption stream's
-- state, the SHA-256 state and how much ciphertext is staged), encoded by
-- package tusd. No plaintext is kept here: the stream's waiting bytes are
-- sealed. Any server on the same database can continue any upload.
CREATE TABLE uploads (
    id         TEXT PRIMARY KEY,
    state      BYTEA NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX uploads_changed ON uploads (changed_at);
