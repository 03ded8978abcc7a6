-- Conversations with clients, the requests about recording them with every
-- decision the policy made, and incidents. Structured parts that are read
-- and written whole (participants, answers, agreements) are JSON text.
CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    client_id    TEXT NOT NULL REFERENCES clients (id),
    at           BIGINT NOT NULL,
    location     TEXT NOT NULL,
    topic        TEXT NOT NULL,
    participants TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX conversations_client ON conversations (org_id, client_id, at);

CREATE TABLE requests (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    client_id       TEXT NOT NULL REFERENCES clients (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    act             TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    decision        TEXT NOT NULL,
    answers         TEXT NOT NULL,
    weighty         TEXT NOT NULL,
    alternative     TEXT NOT NULL,
    manager         TEXT NOT NULL,
    agreement       TEXT NOT NULL,
    waiting_manager BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX requests_conversation ON requests (org_id, conversation_id, created_at);
CREATE INDEX requests_inbox ON requests (org_id, waiting_manager);

-- Every decision a request led to, with the situation it was made for and
-- the exact policy text's digest.
CREATE TABLE request_decisions (
    request_id    TEXT NOT NULL REFERENCES requests (id),
    seq           BIGINT NOT NULL,
    org_id        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    made_by       TEXT NOT NULL,
    situation     TEXT NOT NULL,
    decision      TEXT NOT NULL,
    policy_digest TEXT NOT NULL,
    PRIMARY KEY (request_id, seq)
);

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    client_id       TEXT NOT NULL REFERENCES clients (id),
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    ladder          TEXT NOT NULL,
    steps           TEXT NOT NULL,
    closed          BIGINT NOT NULL DEFAULT 0,
    opened_at       BIGINT NOT NULL,
    opened_by       TEXT NOT NULL
);
CREATE INDEX incidents_client ON incidents (org_id, client_id, opened_at);
