package sqldb_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname/sqldb"
)

// TestJobLeases: of servers claiming a job at once only one wins, and none
// wins again before the job is due; a holder that stops renewing loses the
// job to another when its lease ends, and cannot renew or finish it after.
func TestJobLeases(t *testing.T) {
	t.Parallel()
	dialects(t, testJobLeases)
}

func testJobLeases(t *testing.T, db *sqldb.DB) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC).UnixMicro())
	db.Now = func() time.Time { return time.UnixMicro(clock.Load()) }
	now := func() time.Time { return db.Now() }
	advance := func(d time.Duration) { clock.Add(d.Microseconds()) }
	const lease = time.Minute
	const period = time.Hour

	// Eight servers claim a job never run before, at once: one wins.
	claim := func(job string) (winner string) {
		t.Helper()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, node := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := db.ClaimJob(ctx, job, node, lease)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Won {
					mu.Lock()
					defer mu.Unlock()
					if winner != "" {
						t.Errorf("%s and %s both claimed %s", winner, node, job)
					}
					winner = node
				}
			}()
		}
		wg.Wait()
		return winner
	}
	first := claim("fixity")
	if first == "" {
		t.Fatal("nobody claimed a job that was due")
	}
	// While it runs, nobody else claims it, and Retry says when the
	// lease ends.
	if c, err := db.ClaimJob(ctx, "fixity", "z", lease); err != nil || c.Won || !c.Retry.Equal(now().Add(lease)) {
		t.Fatalf("claim during the run = %+v, %v; want lost, retry at the lease's end", c, err)
	}
	// Another job is another lease.
	if claim("shares") == "" {
		t.Fatal("nobody claimed a second job")
	}
	advance(10 * time.Second)
	if ok, err := db.RenewJob(ctx, "fixity", first, lease); err != nil || !ok {
		t.Fatalf("renew = %v, %v", ok, err)
	}
	advance(50 * time.Second) // the renewed lease still runs
	if w := claim("fixity"); w != "" {
		t.Fatalf("%s claimed the job during a renewed lease", w)
	}
	started := now()
	if err := db.FinishJob(ctx, "fixity", first, started.Add(period)); err != nil {
		t.Fatal(err)
	}
	// Not due yet: nobody wins within the period, one wins after it.
	advance(period - time.Minute)
	if c, err := db.ClaimJob(ctx, "fixity", "z", lease); err != nil || c.Won || !c.Retry.Equal(started.Add(period)) {
		t.Fatalf("claim before due = %+v, %v; want lost, retry when due", c, err)
	}
	advance(time.Minute)
	second := claim("fixity")
	if second == "" {
		t.Fatal("nobody claimed the job when it was due again")
	}

	// The holder dies: no renewal. Until its lease ends nobody takes over;
	// then one does, and the old holder can neither renew nor finish.
	advance(lease - time.Second)
	if w := claim("fixity"); w != "" {
		t.Fatalf("%s took over before the lease ended", w)
	}
	advance(time.Second)
	third := claim("fixity")
	if third == "" {
		t.Fatal("nobody took over after the holder's lease ended")
	}
	if third != second {
		if ok, err := db.RenewJob(ctx, "fixity", second, lease); err != nil || ok {
			t.Fatalf("the old holder renewed after a takeover: %v, %v", ok, err)
		}
		if err := db.FinishJob(ctx, "fixity", second, now().Add(period)); !errors.Is(err, sqldb.ErrJobLost) {
			t.Fatalf("the old holder finished after a takeover: %v", err)
		}
	}
	if err := db.FinishJob(ctx, "fixity", third, now().Add(period)); err != nil {
		t.Fatal(err)
	}
	// A released lease cannot be renewed.
	if ok, err := db.RenewJob(ctx, "fixity", third, lease); err != nil || ok {
		t.Fatalf("renew after finishing = %v, %v", ok, err)
	}

	leases, err := db.JobLeases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 2 || leases[0].Name != "fixity" || leases[0].Runs != 3 || leases[0].Holder != third || !leases[0].Due.Equal(now().Add(period)) || !leases[0].Until.IsZero() {
		t.Fatalf("leases = %+v", leases)
	}
}
