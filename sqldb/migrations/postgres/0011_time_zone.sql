-- The time zone an organisation's people read times in (an IANA name);
-- times themselves stay microseconds since the epoch, UTC.
ALTER TABLE organisations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';
