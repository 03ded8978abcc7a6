-- Lists page by keyset: each list's order ends in a unique column, and an
-- index holds the list's filter and order, so that a page reads its own
-- rows and no more, however long the list.
DROP INDEX clients_org;
CREATE INDEX clients_org ON clients (org_id, name, id);
CREATE INDEX users_org ON users (org_id, name, email);
DROP INDEX recordings_client;
CREATE INDEX recordings_client ON recordings (org_id, client_id, kind, created_at, id);
CREATE INDEX recordings_conversation ON recordings (org_id, conversation_id);
DROP INDEX conversations_client;
CREATE INDEX conversations_client ON conversations (org_id, client_id, at, id);
CREATE INDEX conversations_org ON conversations (org_id, at, id);
DROP INDEX requests_inbox;
CREATE INDEX requests_inbox ON requests (org_id, waiting_manager, created_at, id);
DROP INDEX incidents_client;
CREATE INDEX incidents_client ON incidents (org_id, client_id, opened_at, id);
CREATE INDEX incidents_open ON incidents (org_id, closed, opened_at, id);
CREATE INDEX tokens_org ON tokens (org_id, created_at, id);
CREATE INDEX recordings_fixity_problems ON recordings (org_id, fixity_checked_at, id) WHERE fixity_problem <> '';
