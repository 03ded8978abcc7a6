package sqldb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestAccessLogTwoServers appends to one organisation's access log from
// two servers on one database at once, as several opname processes on one
// PostgreSQL do: each writer's idea of the chain's head goes stale when
// the other appends, and the chain must stay whole. On SQLite the second
// is the command line beside a running server.
func TestAccessLogTwoServers(t *testing.T) {
	run := func(t *testing.T, dsn string) {
		one, two := openAt(t, dsn), openAt(t, dsn)
		w := build(t, one)
		// In turns: every append finds the head moved by the other.
		for i := range 20 {
			db := []*sqldb.DB{one, two}[i%2]
			if err := db.Record(as(w.a[opname.RoleStaff]), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		// At once.
		var wg sync.WaitGroup
		errs := make(chan error, 300)
		for i := range 300 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := one
				if i%3 == 0 {
					db = two
				}
				errs <- db.Record(as(w.a[opname.RoleStaff]), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, db := range []*sqldb.DB{one, two} {
			if n, err := db.Verify(context.Background()); err != nil || n < 320 {
				t.Fatalf("Verify = %d, %v", n, err)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		run(t, filepath.Join(t.TempDir(), "opname.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		run(t, sqldbtest.PostgresURL(t))
	})
}

// TestAccessLogLeavesWritesDurable checks that the access log's writer,
// which commits its batches without waiting for the disk and then makes
// them durable itself, leaves every other transaction waiting for the
// disk (SQLite's synchronous FULL).
func TestAccessLogLeavesWritesDurable(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	w := build(t, db)
	for i := range 20 {
		if err := db.Record(as(w.a[opname.RoleStaff]), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Synchronous(context.Background()); err != nil || n != 2 {
			t.Fatalf("synchronous = %d, %v after an access record; want 2 (FULL)", n, err)
		}
	}
}
