package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// jobDatabases runs fn with two handles on one fresh database, as two
// servers have: SQLite (one file) and PostgreSQL.
func jobDatabases(t *testing.T, fn func(t *testing.T, a, b *sqldb.DB)) {
	open := func(t *testing.T, dsn string) *sqldb.DB {
		db, err := sqldb.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := filepath.Join(t.TempDir(), "opname.db")
		fn(t, open(t, dsn), open(t, dsn))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := sqldbtest.PostgresURL(t)
		fn(t, open(t, dsn), open(t, dsn))
	})
}

// span is one run of a job: by which server, from when to when.
type span struct {
	node       string
	start, end time.Time
}

// TestJobsOncePerPeriod: two servers run the same job, and it runs once
// per interval across both, never twice at once.
func TestJobsOncePerPeriod(t *testing.T) {
	t.Parallel()
	jobDatabases(t, testJobsOncePerPeriod)
}

func testJobsOncePerPeriod(t *testing.T, a, b *sqldb.DB) {
	const interval = 100 * time.Millisecond
	var mu sync.Mutex
	var runs []span
	ctx, cancel := context.WithCancel(context.Background())
	began := time.Now()
	var runners []*jobs
	for _, db := range []struct {
		db   *sqldb.DB
		node string
	}{{a, "a"}, {b, "b"}} {
		j := &jobs{leases: db.db, node: db.node, lease: time.Second, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		j.every(ctx, "fixity", interval, func(context.Context) error {
			s := span{node: db.node, start: time.Now()}
			time.Sleep(20 * time.Millisecond)
			s.end = time.Now()
			mu.Lock()
			runs = append(runs, s)
			mu.Unlock()
			return nil
		})
		runners = append(runners, j)
	}
	time.Sleep(time.Second)
	cancel()
	for _, j := range runners {
		j.wait()
	}
	elapsed := time.Since(began)
	// Spans are appended as they end; runs that never overlap end in the
	// order they start.
	for i := 1; i < len(runs); i++ {
		if runs[i].start.Before(runs[i-1].end) {
			t.Errorf("run %d on %s started before run %d on %s ended", i, runs[i].node, i-1, runs[i-1].node)
		}
	}
	if max := int(elapsed/interval) + 1; len(runs) > max || len(runs) < 2 {
		t.Errorf("%d runs in %s by two servers; want at least 2 and at most %d, once per %s", len(runs), elapsed, max, interval)
	}
}

// frozen is a server's leases that stop answering while frozen is set, as
// for a server that hangs or has lost the database.
type frozen struct {
	leases
	frozen atomic.Bool
}

var errFrozen = errors.New("the server hangs")

func (f *frozen) RenewJob(ctx context.Context, name, holder string, lease time.Duration) (bool, error) {
	if f.frozen.Load() {
		return false, errFrozen
	}
	return f.leases.RenewJob(ctx, name, holder, lease)
}

// TestJobsTakeover: a server whose job hangs and which stops renewing its
// lease loses the job to the other server when the lease ends; when it
// comes back, its run is stopped.
func TestJobsTakeover(t *testing.T) {
	t.Parallel()
	jobDatabases(t, testJobsTakeover)
}

func testJobsTakeover(t *testing.T, a, b *sqldb.DB) {
	const lease = 300 * time.Millisecond
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fa := &frozen{leases: a}
	ja := &jobs{leases: fa, node: "a", lease: lease, logger: logger}
	started, stopped := make(chan struct{}, 1), make(chan struct{}, 1)
	ja.every(ctx, "fixity", time.Hour, func(ctx context.Context) error {
		started <- struct{}{}
		fa.frozen.Store(true)
		<-ctx.Done()
		stopped <- struct{}{}
		return ctx.Err()
	})
	<-started
	held, err := a.JobLeases(ctx)
	if err != nil || len(held) != 1 || held[0].Holder != "a" {
		t.Fatalf("leases while a runs = %+v, %v", held, err)
	}
	jb := &jobs{leases: b, node: "b", lease: lease, logger: logger}
	took := make(chan time.Time, 1)
	jb.every(ctx, "fixity", time.Hour, func(context.Context) error {
		took <- time.Now()
		return nil
	})
	var over time.Time
	select {
	case over = <-took:
	case <-time.After(10 * time.Second):
		t.Fatal("b did not take the job over")
	}
	if over.Before(held[0].Until) {
		t.Errorf("b took over at %s, before a's lease ended at %s", over, held[0].Until)
	}
	fa.frozen.Store(false) // a comes back, renews, and learns it lost
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("a's run was not stopped after the takeover")
	}
	cancel()
	ja.wait()
	jb.wait()
	leases, err := b.JobLeases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 1 || leases[0].Holder != "b" || leases[0].Runs != 2 {
		t.Fatalf("leases = %+v; want b's run after a's", leases)
	}
}

// TestJobsHandOver: a server that stops between runs hands the job over
// at the next period, not a lease later, even when the other server last
// looked while the job ran.
func TestJobsHandOver(t *testing.T) {
	t.Parallel()
	jobDatabases(t, testJobsHandOver)
}

func testJobsHandOver(t *testing.T, a, b *sqldb.DB) {
	const lease, interval = time.Minute, 200 * time.Millisecond
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	actx, stopA := context.WithCancel(context.Background())
	ja := &jobs{leases: a, node: "a", lease: lease, logger: logger}
	running, ran := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ja.every(actx, "fixity", interval, func(context.Context) error {
		once.Do(func() {
			close(running)
			<-ran
		})
		return nil
	})
	<-running
	// b looks while a's run holds the lease, for a minute.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jb := &jobs{leases: b, node: "b", lease: lease, logger: logger}
	took := make(chan struct{}, 1)
	jb.every(ctx, "fixity", interval, func(context.Context) error {
		select {
		case took <- struct{}{}:
		default:
		}
		return nil
	})
	time.Sleep(interval / 4)
	close(ran)
	// a finishes its run, and then stops.
	for {
		leases, err := a.JobLeases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(leases) == 1 && leases[0].Until.IsZero() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopA()
	ja.wait()
	select {
	case <-took:
	case <-time.After(lease / 4):
		t.Fatal("b did not run the job in the period after a stopped")
	}
	cancel()
	jb.wait()
}
