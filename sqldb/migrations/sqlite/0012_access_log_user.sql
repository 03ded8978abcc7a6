-- The privacy officer searches the access log by staff member.
CREATE INDEX access_log_user ON access_log (org_id, user_id, seq);
