-- What an incident's staff know of a recording made in secret: what was
-- recorded, who made it (a participant of the conversation, or someone
-- else described in words) and who was present, as JSON text. The
-- enforcement ladder the policy gives depends on it.
ALTER TABLE incidents ADD COLUMN who TEXT NOT NULL DEFAULT '';
