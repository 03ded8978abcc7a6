-- The texts an organisation writes itself for its public page and printed
-- matter, in Dutch and English; no row: none written yet. version counts
-- the administrator's changes; each change is also in the access log.
CREATE TABLE public_texts (
    org_id     TEXT PRIMARY KEY REFERENCES organisations (id),
    intro_nl   TEXT NOT NULL DEFAULT '',
    intro_en   TEXT NOT NULL DEFAULT '',
    contact_nl TEXT NOT NULL DEFAULT '',
    contact_en TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL
);
