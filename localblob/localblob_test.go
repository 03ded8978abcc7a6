package localblob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/blobtest"
	"github.com/opname/opname/localblob"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) opname.BlobStore {
		s, err := localblob.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestRemovePartial removes what killed Puts left, and nothing else.
func TestRemovePartial(t *testing.T) {
	dir := t.TempDir()
	s, err := localblob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "org/whole", strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "org", ".put-123"), []byte("half"), 0o600)
	n, err := s.RemovePartial()
	if err != nil || n != 1 {
		t.Fatalf("RemovePartial = %d, %v", n, err)
	}
	if _, err := s.Open(context.Background(), "org/whole"); err != nil {
		t.Fatalf("the whole blob went too: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "org", ".put-123")); !os.IsNotExist(err) {
		t.Fatalf("the partial blob is still there: %v", err)
	}
}

// TestStaging stages uploads under way in the folder.
func TestStaging(t *testing.T) {
	s, err := localblob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.RunStaging(t, s)
}
