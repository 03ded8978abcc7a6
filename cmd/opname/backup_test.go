package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/opname/opname"
	"github.com/opname/opname/backup"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/vault"
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

// TestBackupMissingBlob: a recording that the database holds and whose
// encrypted bytes are gone stops the backup, named, and leaves no backup.
func TestBackupMissingBlob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir()}
	s, err := startServer(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	org, octx := newOrg(t, s, "kwijt", "ombudsman", false)
	staff := &opname.User{Email: "sanne@kwijt.nl", Name: "Sanne", Role: opname.RoleStaff}
	client := &opname.Client{Name: "Anna"}
	if err := s.db.CreateUser(octx, staff); err != nil {
		t.Fatal(err)
	}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	staffCtx := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, UserID: staff.ID, Role: staff.Role, Name: staff.Name})
	rec, err := s.web.Vault.Ingest(staffCtx, vault.Upload{ClientID: client.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 7))})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := filepath.Glob(filepath.Join(cfg.Data, "recordings", org.ID, "*"))
	if err != nil || len(blobs) != 1 {
		t.Fatalf("blobs = %v, %v", blobs, err)
	}
	os.Remove(blobs[0])

	id, _ := age.GenerateX25519Identity()
	dest := t.TempDir()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := m.Run(ctx, []string{"backup", dest, "--data", cfg.Data, "--recipient", id.Recipient().String()})
	if code != exitFailure || !strings.Contains(stderr.String(), "recording "+rec.ID+" (blob ") {
		t.Errorf("backup with a blob gone = exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if left, _ := os.ReadDir(dest); len(left) != 0 {
		t.Errorf("a failed backup left %d entries in its folder", len(left))
	}
}

// TestBackupIsLogged: a backup copies every client's data, so each
// organisation's access log records it (export "backup", by the system)
// before the copy begins; the record is in the backup too.
func TestBackupIsLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir()}
	s, err := startServer(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	org, _ := newOrg(t, s, "bewaard", "ombudsman", false)
	id, _ := age.GenerateX25519Identity()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if code := m.Run(ctx, []string{"backup", t.TempDir(), "--data", cfg.Data, "--recipient", id.Recipient().String()}); code != exitOK {
		t.Fatalf("backup = exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	po := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, Role: opname.RolePrivacyOfficer, Name: "po"})
	events, err := s.db.Search(po, opname.AccessFilter{Action: opname.AccessExport, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var logged bool
	for _, e := range events {
		logged = logged || e.ObjectType == "backup" && e.UserRole == opname.RoleSystem
	}
	if !logged {
		t.Errorf("the backup is not in the organisation's access log: %+v", events)
	}
}
