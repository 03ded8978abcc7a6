-- Periodic background work (the fixity audit, ending expired shares,
-- anchoring the access log) runs once per period across every server on
-- the database. A server claims a job by taking its lease; while the job
-- runs it renews the lease, and when it is done it releases it and sets
-- when the job is due next. A server that dies keeps the lease only until
-- lease_until, then another takes over. Times are microseconds since 1970
-- (UTC); runs counts the claims, for monitoring and tests.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    due         BIGINT NOT NULL DEFAULT 0,
    runs        BIGINT NOT NULL DEFAULT 0
);
