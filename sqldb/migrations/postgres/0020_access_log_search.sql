-- The privacy officer's searches at any size of the log: every filter
-- (person, action, client, time) has an index in the order the search
-- answers in, newest first by time and then sequence number, so a page
-- reads only its own records. A client's overview reads the same order, so
-- the indexes by client and by person in sequence order are superseded.
CREATE INDEX access_log_time ON access_log (org_id, time, seq);
CREATE INDEX access_log_action_time ON access_log (org_id, action, time, seq);
CREATE INDEX access_log_user_time ON access_log (org_id, user_id, time, seq);
CREATE INDEX access_log_client_time ON access_log (org_id, client_id, time, seq);
DROP INDEX access_log_user;
DROP INDEX access_log_client;
