package sqldb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestSnapshot copies a live SQLite database into a file that opens as an
// opname database in WAL mode at the same schema version, refuses to
// write over a file, and is refused for PostgreSQL, which is backed up
// with its own tools.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t)
	mustOrg(t, db, "snap")
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Snapshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(head[:16]); got != "SQLite format 3\x00" || head[18] != 2 || head[19] != 2 {
		t.Errorf("the snapshot's header = %q %d %d, want a SQLite database in WAL mode", got, head[18], head[19])
	}
	if err := db.Snapshot(ctx, path); err == nil {
		t.Error("a snapshot over an existing file succeeded")
	}
	snap, err := sqldb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	have, known, err := snap.SchemaVersion(ctx)
	if err != nil || have != known {
		t.Errorf("the snapshot's schema = %d of %d, %v", have, known, err)
	}
	if _, err := snap.BackupList(ctx); err == nil {
		t.Error("BackupList without the system actor succeeded")
	}
	if list, err := snap.BackupList(opname.WithActor(ctx, opname.System("backup"))); err != nil || len(list) != 0 {
		t.Errorf("BackupList = %v, %v; want none", list, err)
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pg := openPostgres(t)
		if err := pg.Snapshot(ctx, filepath.Join(t.TempDir(), "x.db")); opname.KindOf(err) != opname.Invalid {
			t.Errorf("Snapshot of PostgreSQL = %v, want Invalid", err)
		}
	})
}
