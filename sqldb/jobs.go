package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Job leases.
//
// Several servers on one database each run the same periodic jobs; a job
// must run once per period across all of them, not once per server. A
// server runs a job only after claiming it: the claim succeeds when the job
// is due and no lease on it runs, and it gives the claimer a lease for a
// while. The holder renews the lease while the job runs and, when it is
// done, releases it and sets when the job is due next. A holder that dies
// stops renewing; when its lease ends another server claims the job.
//
// The times are the servers' own clocks (db.Now), so the servers' clocks
// must agree to well within a lease.

// JobClaim is the outcome of ClaimJob.
type JobClaim struct {
	// Won reports whether the caller holds the job now; At is when it
	// claimed it.
	Won bool
	At  time.Time
	// Retry, when the claim was not won, is when it may be won: when the
	// job is due, or when the lease another holds ends, whichever is later.
	Retry time.Time
}

// ClaimJob claims the job name for holder, for lease, if the job is due and
// no lease on it runs. A job never claimed before is due.
func (db *DB) ClaimJob(ctx context.Context, name, holder string, lease time.Duration) (JobClaim, error) {
	now := db.Now().UTC()
	res, err := db.write.ExecContext(ctx, db.q(`INSERT INTO job_leases (name, holder, lease_until, due, runs) VALUES (?, ?, ?, 0, 1)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until, runs = job_leases.runs + 1
		WHERE job_leases.due <= ? AND job_leases.lease_until <= ?`), name, holder, micro(now.Add(lease)), micro(now), micro(now))
	if err != nil {
		return JobClaim{}, fmt.Errorf("sqldb: claim job %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return JobClaim{}, fmt.Errorf("sqldb: claim job %s: %w", name, err)
	} else if n == 1 {
		return JobClaim{Won: true, At: now}, nil
	}
	var due, until int64
	if err := db.write.QueryRowContext(ctx, db.q(`SELECT due, lease_until FROM job_leases WHERE name = ?`), name).Scan(&due, &until); err != nil {
		return JobClaim{}, fmt.Errorf("sqldb: claim job %s: %w", name, err)
	}
	return JobClaim{Retry: fromMicro(max(due, until))}, nil
}

// RenewJob extends holder's lease on the job name to lease from now. It
// reports false when holder no longer holds the job: its lease ran out and
// another server claimed it, which must stop holder's run.
func (db *DB) RenewJob(ctx context.Context, name, holder string, lease time.Duration) (bool, error) {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE job_leases SET lease_until = ? WHERE name = ? AND holder = ? AND lease_until > 0`),
		micro(db.Now().Add(lease)), name, holder)
	if err != nil {
		return false, fmt.Errorf("sqldb: renew job %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqldb: renew job %s: %w", name, err)
	}
	return n == 1, nil
}

// ErrJobLost is FinishJob's answer to a holder whose lease another server
// took over.
var ErrJobLost = errors.New("sqldb: the job's lease was taken over by another server")

// FinishJob releases holder's lease on the job name and makes the job due
// at next. A holder that lost the job changes nothing and gets ErrJobLost.
func (db *DB) FinishJob(ctx context.Context, name, holder string, next time.Time) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE job_leases SET lease_until = 0, due = ? WHERE name = ? AND holder = ? AND lease_until > 0`),
		micro(next), name, holder)
	if err != nil {
		return fmt.Errorf("sqldb: finish job %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: finish job %s: %w", name, err)
	} else if n == 0 {
		return ErrJobLost
	}
	return nil
}

// JobLease is a job's row: who claimed it last, until when, when it is due
// next, and how often it was claimed.
type JobLease struct {
	Name, Holder string
	Until, Due   time.Time
	Runs         int64
}

// JobLeases returns every job's lease, by name.
func (db *DB) JobLeases(ctx context.Context) ([]JobLease, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name, holder, lease_until, due, runs FROM job_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: job leases: %w", err)
	}
	defer rows.Close()
	var out []JobLease
	for rows.Next() {
		var l JobLease
		var until, due int64
		if err := rows.Scan(&l.Name, &l.Holder, &until, &due, &l.Runs); err != nil {
			return nil, fmt.Errorf("sqldb: job leases: %w", err)
		}
		l.Until, l.Due = fromMicro(until), fromMicro(due)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: job leases: %w", err)
	}
	return out, nil
}
