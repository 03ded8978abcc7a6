-- An organisation's settings for its clients' personal links and the
-- complaints procedure they are shown; no row: the defaults of the
-- organisation's current policy. version counts the administrator's
-- changes; each change is also in the access log.
CREATE TABLE link_settings (
    org_id         TEXT PRIMARY KEY REFERENCES organisations (id),
    link_days      INTEGER NOT NULL,
    require_pin    BOOLEAN NOT NULL DEFAULT false,
    complaints_nl  TEXT NOT NULL DEFAULT '',
    complaints_en  TEXT NOT NULL DEFAULT '',
    complaints_url TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL,
    changed_at     BIGINT NOT NULL,
    changed_by     TEXT NOT NULL
);
