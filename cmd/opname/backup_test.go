package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname/backup"
	"github.com/opname/opname/sqldb"
)

// TestBackupBlobs: a blob that is gone when the backup comes to copy it
// belongs to a recording erased since the snapshot, which the manifest
// names; of a recording the database still holds, it stops the backup.
// Recordings erased before the snapshot are not copied.
func TestBackupBlobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	os.MkdirAll(filepath.Join(data, "org1"), 0o700)
	os.WriteFile(filepath.Join(data, "org1", "present"), []byte("versleuteld"), 0o600)
	erasedAt := time.Now()
	snapshot := []sqldb.BackedUp{
		{ID: "r1", OrgID: "org1", BlobKey: "org1/present"},
		{ID: "r2", OrgID: "org1", BlobKey: "org1/erased-since"},
		{ID: "r3", OrgID: "org1", BlobKey: "org1/erased-before", ErasedAt: &erasedAt},
	}
	live := func(context.Context) ([]sqldb.BackedUp, error) {
		now := append([]sqldb.BackedUp(nil), snapshot...)
		now[1].ErasedAt = &erasedAt
		return now, nil
	}
	w, err := backup.Create(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	man := &backup.Manifest{}
	if err := backupBlobs(ctx, w, man, snapshot, data, nil, live); err != nil {
		t.Fatal(err)
	}
	if linked, copied := w.Blobs(); linked != 0 || copied != 1 {
		t.Errorf("%d blobs linked, %d copied; want 0, 1", linked, copied)
	}
	if len(man.ErasedDuring) != 1 || man.ErasedDuring[0].ID != "r2" {
		t.Errorf("erased during the backup = %v, want r2", man.ErasedDuring)
	}

	stillThere := func(context.Context) ([]sqldb.BackedUp, error) { return snapshot, nil }
	err = backupBlobs(ctx, w, &backup.Manifest{}, snapshot[1:2], data, nil, stillThere)
	if err == nil || !strings.Contains(err.Error(), "recording r2 (blob org1/erased-since) are missing") {
		t.Errorf("a missing blob of a recording not erased = %v", err)
	}
}
