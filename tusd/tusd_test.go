package tusd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opname/opname/tusd"
	"github.com/tus/tusd/v2/pkg/handler"
)

// TestHashSurvivesRestart writes an upload in chunks through three
// instances of the store, as across server restarts, and once with the
// hash state lost, and checks the SHA-256 of what arrived each time.
func TestHashSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	want := func(n int) string { s := sha256.Sum256(data[:n]); return hex.EncodeToString(s[:]) }

	s, _ := tusd.Open(dir)
	u, err := s.NewUpload(ctx, handler.FileInfo{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := u.GetInfo(ctx)
	id := info.ID
	cuts := []int{0, 1 << 20, 2 << 20, 2<<20 + 5, len(data)}
	for i := 1; i < len(cuts); i++ {
		// A new store is a restarted server.
		s, _ = tusd.Open(dir)
		if i == 3 {
			// A crash between the bytes and the saved state.
			os.Remove(filepath.Join(dir, id+".sha256"))
		}
		u, err := s.GetUpload(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n, err := u.WriteChunk(ctx, int64(cuts[i-1]), bytes.NewReader(data[cuts[i-1]:cuts[i]]))
		if err != nil || n != int64(cuts[i]-cuts[i-1]) {
			t.Fatalf("chunk %d: %d, %v", i, n, err)
		}
		got, err := s.Sum(ctx, id)
		if err != nil || got != want(cuts[i]) {
			t.Fatalf("after chunk %d: sum %s, %v; want %s", i, got, err, want(cuts[i]))
		}
	}
	if err := s.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestCheckRefusesAndRemoves checks that an upload whose first bytes are
// refused is gone, and that Expire removes stale uploads only.
func TestCheckRefusesAndRemoves(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := tusd.Open(dir)
	refused := errors.New("not audio or video")
	s.CheckLen = 4
	s.Check = func(_ context.Context, head []byte) error {
		if !bytes.Equal(head, []byte("RIFF")) {
			return refused
		}
		return nil
	}
	u, _ := s.NewUpload(ctx, handler.FileInfo{Size: 100})
	info, _ := u.GetInfo(ctx)
	if _, err := u.WriteChunk(ctx, 0, bytes.NewReader([]byte("%PDF-1.7 and more"))); !errors.Is(err, refused) {
		t.Fatalf("write = %v, want refused", err)
	}
	if _, err := s.GetUpload(ctx, info.ID); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("refused upload still there: %v", err)
	}

	old, _ := s.NewUpload(ctx, handler.FileInfo{Size: 100})
	oldInfo, _ := old.GetInfo(ctx)
	if _, err := old.WriteChunk(ctx, 0, bytes.NewReader([]byte("RIFF...."))); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-100 * time.Hour)
	os.Chtimes(filepath.Join(dir, oldInfo.ID), past, past)
	fresh, _ := s.NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true})
	freshInfo, _ := fresh.GetInfo(ctx)
	n, err := s.Expire(ctx, time.Now().Add(-72*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].Info.ID != freshInfo.ID {
		t.Fatalf("left: %+v", list)
	}
	if _, err := s.GetUpload(ctx, "../../etc/passwd"); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("a path as id: %v", err)
	}
}
