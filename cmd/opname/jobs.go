package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opname/opname/sqldb"
)

// jobLease is how long a server holds a periodic job without renewing it:
// a server that dies during a run holds the job up to this long before
// another takes it over. The holder renews it every third of it.
const jobLease = time.Minute

// leases are the database's job leases (sqldb's job leases).
type leases interface {
	ClaimJob(ctx context.Context, name, holder string, lease time.Duration) (sqldb.JobClaim, error)
	RenewJob(ctx context.Context, name, holder string, lease time.Duration) (bool, error)
	FinishJob(ctx context.Context, name, holder string, next time.Time) error
}

// jobs runs periodic work once per period across all servers on one
// database: each job runs on the server that claims its lease, which
// renews the lease while the job runs; when a server dies, another runs
// the job once its lease ends.
type jobs struct {
	leases leases
	node   string        // this server, as the holder of leases
	lease  time.Duration // jobLease; tests set less
	logger *slog.Logger
	wg     sync.WaitGroup
}

// every runs run as the job name, once per interval across all servers,
// in the background until ctx ends; wait waits for it.
func (j *jobs) every(ctx context.Context, name string, interval time.Duration, run func(context.Context) error) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		for {
			next, err := j.once(ctx, name, interval, run)
			if err != nil && ctx.Err() == nil {
				j.logger.WarnContext(ctx, "job lease", "job", name, "node", j.node, "err", err.Error())
				next = time.Now().Add(j.lease / 3)
			}
			// Wake up when the job is due, or the lease another holds ends;
			// but at least once an interval, as another holder's run that
			// ends early makes the job due an interval after it started,
			// and at least once a lease, as a server with a shorter
			// interval may have made it due sooner.
			wait := min(max(time.Until(next), 10*time.Millisecond), interval, j.lease)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
}

// wait waits for the jobs to stop after their context ended.
func (j *jobs) wait() { j.wg.Wait() }

// once runs the job if this server can claim it, and returns when to try
// again.
func (j *jobs) once(ctx context.Context, name string, interval time.Duration, run func(context.Context) error) (time.Time, error) {
	c, err := j.leases.ClaimJob(ctx, name, j.node, j.lease)
	if err != nil {
		return time.Time{}, err
	}
	if !c.Won {
		return c.Retry, nil
	}
	rctx, cancel := context.WithCancel(ctx)
	renewed := make(chan struct{})
	var lost atomic.Bool
	go func() {
		defer close(renewed)
		for {
			select {
			case <-rctx.Done():
				return
			case <-time.After(j.lease / 3):
			}
			if ok, err := j.leases.RenewJob(rctx, name, j.node, j.lease); err != nil {
				j.logger.WarnContext(rctx, "job lease not renewed", "job", name, "node", j.node, "err", err.Error())
			} else if !ok {
				lost.Store(true)
				cancel()
				return
			}
		}
	}()
	err = run(rctx)
	cancel()
	<-renewed
	took := time.Since(c.At)
	switch {
	case lost.Load():
		j.logger.WarnContext(ctx, "job taken over by another server", "job", name, "node", j.node, "started", c.At, "took", took.String())
	case err != nil && ctx.Err() != nil:
		j.logger.InfoContext(ctx, "job stopped with the server", "job", name, "node", j.node, "started", c.At, "took", took.String())
	case err != nil:
		j.logger.ErrorContext(ctx, "job failed", "job", name, "node", j.node, "started", c.At, "took", took.String(), "err", err.Error())
	default:
		j.logger.InfoContext(ctx, "job ran", "job", name, "node", j.node, "started", c.At, "took", took.String())
	}
	// A run cut short by this server stopping is due again at once, for
	// another server; any other is due in an interval, failed or not.
	next := c.At.Add(interval)
	if ctx.Err() != nil {
		next = c.At
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if err := j.leases.FinishJob(fctx, name, j.node, next); err != nil && !errors.Is(err, sqldb.ErrJobLost) {
		return time.Time{}, err
	}
	return next, nil
}

// nodeName is this server's name as a holder of job leases: the host name
// and a random suffix, unique to this process.
func nodeName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "opname"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
