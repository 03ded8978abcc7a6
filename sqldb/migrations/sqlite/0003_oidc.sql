-- An organisation's own identity provider, and sign-ins with it under way.
CREATE TABLE oidc_providers (
    org_id        TEXT PRIMARY KEY REFERENCES organisations (id),
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    role_claim    TEXT NOT NULL,
    role_map      TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE oidc_logins (
    state      TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    return_to  TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
