-- A change of policy keeps why it was made, who made it and the digest of
-- the version it replaced; earlier changes get the digest of the version
-- before them.
ALTER TABLE policy_versions ADD COLUMN previous_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE policy_versions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE policy_versions ADD COLUMN changed_by TEXT NOT NULL DEFAULT '';
UPDATE policy_versions SET previous_digest = COALESCE((SELECT p.digest FROM policy_versions p
    WHERE p.org_id = policy_versions.org_id AND p.version = policy_versions.version - 1), '');

-- Forms sent, by a person's one-time form token, so that a form sent twice
-- does its work once; result is where the first sending led ('' while it
-- is under way). Rows older than a day are removed as new ones come.
CREATE TABLE form_submissions (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    user_id    TEXT NOT NULL,
    form_key   TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, form_key)
);
CREATE INDEX form_submissions_created ON form_submissions (org_id, created_at);
