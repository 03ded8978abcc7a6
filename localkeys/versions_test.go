package localkeys_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/opname/opname/localkeys"
)

// legacyWrap wraps as localkeys did before keys had versions: the nonce
// and the sealed key, the organisation's id as additional data, under the
// key in ORG.kek.
func legacyWrap(t *testing.T, dir, orgID string, fileKey []byte) []byte {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(dir, orgID+".kek"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, fileKey, []byte(orgID))
}

func TestVersionedWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, err := localkeys.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := k.Current(ctx, "orga"); err != nil || v != -1 {
		t.Fatalf("Current before any key = %d, %v; want -1", v, err)
	}
	fileKey := []byte("0123456789abcdef")
	w0, err := k.Wrap(ctx, "orga", fileKey)
	if err != nil {
		t.Fatal(err)
	}
	legacy := legacyWrap(t, dir, "orga", fileKey)
	v1, err := k.NewVersion(ctx, "orga")
	if err != nil || v1 != 1 {
		t.Fatalf("NewVersion = %d, %v; want 1", v1, err)
	}
	// Another process sharing the folder wraps with the new version.
	other, _ := localkeys.Open(dir)
	w1, err := other.Wrap(ctx, "orga", fileKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		wrapped []byte
		version int
	}{{"version 0", w0, 0}, {"before versions", legacy, 0}, {"version 1", w1, 1}} {
		got, err := k.Unwrap(ctx, "orga", c.wrapped)
		if err != nil || !bytes.Equal(got, fileKey) {
			t.Errorf("%s: Unwrap = %q, %v", c.name, got, err)
		}
		if v, err := k.WrappedVersion(ctx, "orga", c.wrapped); err != nil || v != c.version {
			t.Errorf("%s: WrappedVersion = %d, %v; want %d", c.name, v, err, c.version)
		}
		if _, err := k.Unwrap(ctx, "orgb", c.wrapped); err == nil {
			t.Errorf("%s: another organisation unwrapped the key", c.name)
		}
		damaged := bytes.Clone(c.wrapped)
		damaged[len(damaged)-1] ^= 1
		if _, err := k.Unwrap(ctx, "orga", damaged); err == nil {
			t.Errorf("%s: a damaged wrapped key unwrapped", c.name)
		}
	}
	// A version number changed in a wrapped key does not open.
	forged := bytes.Clone(w1)
	forged[7] = 0
	if _, err := k.Unwrap(ctx, "orga", forged); err == nil {
		t.Error("a wrapped key with its version changed unwrapped")
	}
	if err := k.Destroy(ctx, "orga", 1); err == nil {
		t.Error("the newest version was destroyed")
	}
	if err := k.Destroy(ctx, "orga", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "orga.kek")); !os.IsNotExist(err) {
		t.Fatalf("orga.kek after Destroy: %v", err)
	}
	for _, w := range [][]byte{w0, legacy} {
		if _, err := k.Unwrap(ctx, "orga", w); err == nil {
			t.Error("a key wrapped with a destroyed version unwrapped")
		}
	}
	if got, err := k.Unwrap(ctx, "orga", w1); err != nil || !bytes.Equal(got, fileKey) {
		t.Errorf("version 1 after version 0 went: Unwrap = %q, %v", got, err)
	}
	if vs, err := k.Versions("orga"); err != nil || len(vs) != 1 || vs[0] != 1 {
		t.Errorf("Versions = %v, %v; want [1]", vs, err)
	}
	if v2, err := k.NewVersion(ctx, "orga"); err != nil || v2 != 2 {
		t.Errorf("NewVersion = %d, %v; want 2", v2, err)
	}
}

func TestRotationRecord(t *testing.T) {
	k, err := localkeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := k.Rotation("orga"); ok || err != nil {
		t.Fatalf("Rotation before any = %v, %v", ok, err)
	}
	want := localkeys.Rotation{To: 3, After: "rec42", Done: 17}
	if err := k.SaveRotation("orga", want); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := k.Rotation("orga"); !ok || err != nil || got != want {
		t.Fatalf("Rotation = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	// The record is not a key version.
	if vs, _ := k.Versions("orga"); len(vs) != 0 {
		t.Errorf("Versions = %v; want none", vs)
	}
	if err := k.EndRotation("orga"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := k.Rotation("orga"); ok {
		t.Error("the rotation is still recorded after EndRotation")
	}
}

func TestLockRotation(t *testing.T) {
	dir := t.TempDir()
	k, _ := localkeys.Open(dir)
	other, _ := localkeys.Open(dir)
	unlock, err := k.LockRotation("orga")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.LockRotation("orga"); !errors.Is(err, localkeys.ErrRotating) {
		t.Fatalf("a second rotation of orga = %v; want ErrRotating", err)
	}
	if u, err := other.LockRotation("orgb"); err != nil {
		t.Fatalf("a rotation of another organisation = %v", err)
	} else {
		u()
	}
	unlock()
	if u, err := other.LockRotation("orga"); err != nil {
		t.Fatalf("after unlock = %v", err)
	} else {
		u()
	}
	if vs, _ := k.Versions("orga"); len(vs) != 0 {
		t.Errorf("the lock file counts as a key version: %v", vs)
	}
}
