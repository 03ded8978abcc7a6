-- What ffprobe found, declared edits (rule 5), the digest of the agreements
-- that applied, crypto-erasure and the outcome of the last fixity check.
ALTER TABLE recordings ADD COLUMN media TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN derived_from TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN edit TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN agreements_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN erased_at BIGINT;
ALTER TABLE recordings ADD COLUMN fixity_checked_at BIGINT;
ALTER TABLE recordings ADD COLUMN fixity_problem TEXT NOT NULL DEFAULT '';
CREATE INDEX recordings_fixity ON recordings (fixity_checked_at);
