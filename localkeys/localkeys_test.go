package localkeys_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/opname/opname/localkeys"
)

func TestWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, err := localkeys.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fileKey := []byte("0123456789abcdef")
	w, err := k.Wrap(ctx, "orga", fileKey)
	if err != nil {
		t.Fatal(err)
	}
	// A second keyring on the same folder (another process) uses the same key.
	k2, _ := localkeys.Open(dir)
	got, err := k2.Unwrap(ctx, "orga", w)
	if err != nil || !bytes.Equal(got, fileKey) {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}
	if _, err := k.Unwrap(ctx, "orgb", w); err == nil {
		t.Error("another organisation unwrapped the key")
	}
	w[len(w)-1] ^= 1
	if _, err := k.Unwrap(ctx, "orga", w); err == nil {
		t.Error("a damaged wrapped key unwrapped")
	}
	if _, err := k.Wrap(ctx, "../etc", fileKey); err == nil {
		t.Error("a path as organisation id was accepted")
	}
}
