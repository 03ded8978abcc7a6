-- A recording made for a request of the conversation workflow.
ALTER TABLE recordings ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
