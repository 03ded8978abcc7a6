-- What a row of recordings is: a recording ('media') or a transcript of
-- one ('transcript', derived_from names the recording). Transcripts are
-- sealed, logged and erased as recordings are, but never listed as one.
ALTER TABLE recordings ADD COLUMN kind TEXT NOT NULL DEFAULT 'media';
CREATE INDEX recordings_derived ON recordings (org_id, derived_from);
