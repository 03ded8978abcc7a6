package backup_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/opname/opname"
	"github.com/opname/opname/backup"
)

// source is a data folder with two keys and three blobs.
func source(t *testing.T) (data string, blobs map[string][]byte) {
	t.Helper()
	data = t.TempDir()
	blobs = map[string][]byte{"org1/aaa": []byte("eerste"), "org1/bbb": []byte("tweede"), "org2/ccc": bytes.Repeat([]byte("x"), 100000)}
	for k, b := range blobs {
		p := filepath.Join(data, "recordings", filepath.FromSlash(k))
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(data, "keys"), 0o700)
	os.WriteFile(filepath.Join(data, "keys", "org1.kek"), bytes.Repeat([]byte{1}, 32), 0o600)
	os.WriteFile(filepath.Join(data, "keys", "org2.kek"), bytes.Repeat([]byte{2}, 32), 0o600)
	// A key being made is not a key yet; a folder of keys is kept.
	os.WriteFile(filepath.Join(data, "keys", ".kek-123"), []byte("half"), 0o600)
	os.MkdirAll(filepath.Join(data, "keys", "retired"), 0o700)
	os.WriteFile(filepath.Join(data, "keys", "retired", "org1-1.kek"), bytes.Repeat([]byte{3}, 32), 0o600)
	return data, blobs
}

// write makes a backup of the blobs named by blobs of data into dest.
func write(t *testing.T, dest, data string, now time.Time, r age.Recipient, blobs ...string) (string, *backup.Writer) {
	t.Helper()
	w, err := backup.Create(dest, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(backup.DatabaseName, strings.NewReader("database")); err != nil {
		t.Fatal(err)
	}
	keys, err := backup.ReadKeys(filepath.Join(data, "keys"))
	if err != nil || len(keys) != 3 {
		t.Fatalf("ReadKeys = %d keys, %v; want 3", len(keys), err)
	}
	if err := w.Keys(keys, r); err != nil {
		t.Fatal(err)
	}
	for _, k := range blobs {
		if err := w.Blob(k, filepath.Join(data, "recordings", filepath.FromSlash(k))); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := w.Finish(&backup.Manifest{Created: now, Database: "sqlite", DatabaseIncluded: true, Blobs: "local"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, w
}

func identity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestIncremental: a second backup into the same folder links the blobs
// the first holds, copies only the new one, and each backup is whole on
// its own: deleting the first leaves the second intact.
func TestIncremental(t *testing.T) {
	t.Parallel()
	data, blobs := source(t)
	id := identity(t)
	dest := t.TempDir()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	first, w := write(t, dest, data, now, id.Recipient(), "org1/aaa", "org1/bbb")
	if linked, copied := w.Blobs(); linked != 0 || copied != 2 {
		t.Errorf("first backup: %d linked, %d copied; want 0, 2", linked, copied)
	}
	second, w := write(t, dest, data, now, id.Recipient(), "org1/aaa", "org1/bbb", "org2/ccc")
	if linked, copied := w.Blobs(); linked != 2 || copied != 1 {
		t.Errorf("second backup: %d linked, %d copied; want 2, 1", linked, copied)
	}
	if filepath.Base(second) != "20261203T100000Z-2" || filepath.Base(first) != "20261203T100000Z" {
		t.Errorf("backups named %s and %s", filepath.Base(first), filepath.Base(second))
	}
	a, _ := os.Stat(filepath.Join(first, "recordings", "org1", "aaa"))
	b, _ := os.Stat(filepath.Join(second, "recordings", "org1", "aaa"))
	if !os.SameFile(a, b) {
		t.Error("the unchanged blob was copied, not linked")
	}
	if err := os.RemoveAll(first); err != nil {
		t.Fatal(err)
	}
	m, err := backup.ReadManifest(second)
	if err != nil {
		t.Fatal(err)
	}
	if err := backup.Check(second, m); err != nil {
		t.Errorf("the second backup after the first was deleted: %v", err)
	}
	if len(m.Files) != 5 {
		t.Errorf("the manifest lists %d files, want 5 (database, keys, 3 blobs)", len(m.Files))
	}
	got, err := os.ReadFile(filepath.Join(second, "recordings", "org2", "ccc"))
	if err != nil || !bytes.Equal(got, blobs["org2/ccc"]) {
		t.Errorf("the new blob's copy differs: %v", err)
	}
	if found, err := backup.Find(dest); err != nil || found != second {
		t.Errorf("Find = %s, %v; want the newest backup %s", found, err, second)
	}
}

// TestCheck: every change to a backup's files is caught and names the
// file: a flipped byte, a missing file, a truncated one, a manifest that
// reaches outside the folder.
func TestCheck(t *testing.T) {
	t.Parallel()
	data, _ := source(t)
	dest := t.TempDir()
	dir, _ := write(t, dest, data, time.Now(), identity(t).Recipient(), "org1/aaa", "org2/ccc")
	m, err := backup.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := backup.Check(dir, m); err != nil {
		t.Fatalf("the backup as written: %v", err)
	}
	for _, tc := range []struct {
		name, file string
		damage     func(p string)
		reason     string
	}{
		{"flipped byte", "recordings/org2/ccc", func(p string) {
			b, _ := os.ReadFile(p)
			b[500] ^= 1
			os.WriteFile(p, b, 0o600)
		}, "its SHA-256 is"},
		{"truncated", backup.KeysName, func(p string) { os.Truncate(p, 10) }, "(10 bytes)"},
		{"missing", backup.DatabaseName, func(p string) { os.Remove(p) }, "it is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyDir := filepath.Join(t.TempDir(), "b")
			if err := os.CopyFS(copyDir, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(copyDir, filepath.FromSlash(tc.file))
			tc.damage(p)
			err := backup.Check(copyDir, m)
			var d *backup.Damaged
			if !errors.As(err, &d) || d.Path != p || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("Check = %v; want %s named as damaged: %s", err, p, tc.reason)
			}
		})
	}
	t.Run("outside", func(t *testing.T) {
		copyDir := filepath.Join(t.TempDir(), "b")
		os.CopyFS(copyDir, os.DirFS(dir))
		b, _ := os.ReadFile(filepath.Join(copyDir, backup.ManifestName))
		os.WriteFile(filepath.Join(copyDir, backup.ManifestName), bytes.Replace(b, []byte(`"recordings/org1/aaa"`), []byte(`"../../etc/passwd"`), 1), 0o600)
		var d *backup.Damaged
		if _, err := backup.ReadManifest(copyDir); !errors.As(err, &d) {
			t.Errorf("ReadManifest of a manifest naming ../../etc/passwd = %v", err)
		}
	})
}

// TestRestore: a restore writes the database, the keys and the blobs into
// a new folder, refuses a folder that holds anything and an identity that
// is not the recipient's, and removes what it wrote when a file turns
// out damaged on the way.
func TestRestore(t *testing.T) {
	t.Parallel()
	data, blobs := source(t)
	id := identity(t)
	dir, _ := write(t, t.TempDir(), data, time.Now(), id.Recipient(), "org1/aaa", "org1/bbb", "org2/ccc")
	m, err := backup.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := backup.OpenKeys(dir, identity(t)); !errors.As(err, new(*backup.WrongIdentity)) {
		t.Errorf("OpenKeys with another identity = %v, want WrongIdentity", err)
	}
	keys, err := backup.OpenKeys(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || !bytes.Equal(keys["org2.kek"], bytes.Repeat([]byte{2}, 32)) || !bytes.Equal(keys["retired/org1-1.kek"], bytes.Repeat([]byte{3}, 32)) {
		t.Errorf("keys = %v", keys)
	}

	used := t.TempDir()
	os.WriteFile(filepath.Join(used, "opname.db"), nil, 0o600)
	err = backup.Restore(dir, m, keys, used)
	if opname.KindOf(err) != opname.Invalid || !strings.Contains(err.Error(), used+" is not empty") {
		t.Errorf("Restore into a folder in use = %v", err)
	}

	target := filepath.Join(t.TempDir(), "new")
	if err := backup.Restore(dir, m, keys, target); err != nil {
		t.Fatal(err)
	}
	for k, b := range blobs {
		if got, err := os.ReadFile(filepath.Join(target, "recordings", filepath.FromSlash(k))); err != nil || !bytes.Equal(got, b) {
			t.Errorf("restored blob %s differs: %v", k, err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(target, "keys", "org1.kek")); !bytes.Equal(got, bytes.Repeat([]byte{1}, 32)) {
		t.Error("the restored key differs")
	}
	if got, _ := os.ReadFile(filepath.Join(target, "keys", "retired", "org1-1.kek")); !bytes.Equal(got, bytes.Repeat([]byte{3}, 32)) {
		t.Error("the restored key in a folder differs")
	}
	if got, _ := os.ReadFile(filepath.Join(target, "opname.db")); string(got) != "database" {
		t.Error("the restored database differs")
	}
	if _, err := os.Stat(filepath.Join(target, "keys", ".kek-123")); err == nil {
		t.Error("a key being made was backed up and restored")
	}

	// Damaged after the check: the restore stops and leaves nothing.
	flip := filepath.Join(dir, "recordings", "org2", "ccc")
	b, _ := os.ReadFile(flip)
	b[0] ^= 1
	os.WriteFile(flip, b, 0o600)
	target2 := filepath.Join(t.TempDir(), "new")
	var d *backup.Damaged
	if err := backup.Restore(dir, m, keys, target2); !errors.As(err, &d) || d.Path != flip {
		t.Errorf("Restore of a damaged blob = %v", err)
	}
	if left, _ := os.ReadDir(target2); len(left) != 0 {
		t.Errorf("a failed restore left %d entries", len(left))
	}
}

// TestFindNewest: the newest of several backups made within one second is
// the one with the highest number, and a backup without its manifest (an
// interrupted one) is not a backup.
func TestFindNewest(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	for _, name := range []string{"20261203T100000Z", "20261203T100000Z-2", "20261203T100000Z-10", "20261203T095959Z", "20261203T100000Z-9", "20261203T100001Z-3"} {
		os.MkdirAll(filepath.Join(dest, name), 0o700)
		os.WriteFile(filepath.Join(dest, name, backup.ManifestName), []byte("{}"), 0o600)
	}
	os.MkdirAll(filepath.Join(dest, "20261203T110000Z"), 0o700)
	if got, err := backup.Find(dest); err != nil || filepath.Base(got) != "20261203T100001Z-3" {
		t.Errorf("Find = %s, %v; want 20261203T100001Z-3", got, err)
	}
	os.RemoveAll(filepath.Join(dest, "20261203T100001Z-3"))
	if got, err := backup.Find(dest); err != nil || filepath.Base(got) != "20261203T100000Z-10" {
		t.Errorf("Find = %s, %v; want 20261203T100000Z-10", got, err)
	}
}
