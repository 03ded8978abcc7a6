// Package blobtest is the conformance suite every opname.BlobStore passes:
// the local folder and S3-compatible storage run the same tests.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/opname/opname"
)

// Run runs the suite against the store newStore returns; each call gives a
// store with no blobs under the test's keys.
func Run(t *testing.T, newStore func(t *testing.T) opname.BlobStore) {
	ctx := context.Background()
	t.Run("put and read back", func(t *testing.T) {
		s := newStore(t)
		data := make([]byte, 3<<20+17)
		rand.Read(data)
		n, err := s.Put(ctx, "rec/abc", bytes.NewReader(data))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Put = %d, %v", n, err)
		}
		b, err := s.Open(ctx, "rec/abc")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if b.Size() != int64(len(data)) {
			t.Fatalf("Size = %d, want %d", b.Size(), len(data))
		}
		got := make([]byte, 1<<20)
		if _, err := b.ReadAt(got, 1<<20+5); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data[1<<20+5:2<<20+5]) {
			t.Fatal("ReadAt from the middle returned other bytes")
		}
		tail := make([]byte, 100)
		n2, err := b.ReadAt(tail, b.Size()-10)
		if n2 != 10 || !errors.Is(err, io.EOF) || !bytes.Equal(tail[:10], data[len(data)-10:]) {
			t.Fatalf("ReadAt past the end = %d, %v", n2, err)
		}
	})
	t.Run("empty blob", func(t *testing.T) {
		s := newStore(t)
		if n, err := s.Put(ctx, "empty", bytes.NewReader(nil)); err != nil || n != 0 {
			t.Fatalf("Put empty = %d, %v", n, err)
		}
		b, err := s.Open(ctx, "empty")
		if err != nil || b.Size() != 0 {
			t.Fatalf("Open empty = %v, %v", b, err)
		}
		b.Close()
	})
	t.Run("a key in use is a conflict", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Put(ctx, "twice", bytes.NewReader([]byte("one"))); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(ctx, "twice", bytes.NewReader([]byte("two")))
		if opname.KindOf(err) != opname.Conflict {
			t.Fatalf("second Put = %v, want Conflict", err)
		}
		b, err := s.Open(ctx, "twice")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		got := make([]byte, 3)
		b.ReadAt(got, 0)
		if string(got) != "one" {
			t.Fatalf("the first blob was replaced: %q", got)
		}
	})
	t.Run("a failed put leaves nothing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Put(ctx, "broken", io.MultiReader(bytes.NewReader(make([]byte, 1000)), failing{}))
		if err == nil {
			t.Fatal("Put of a failing reader succeeded")
		}
		if _, err := s.Open(ctx, "broken"); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("after a failed Put, Open = %v, want NotFound", err)
		}
	})
	t.Run("a stream of unknown length", func(t *testing.T) {
		// As the vault writes: encrypted bytes through a pipe, so the store
		// cannot know the length, larger than one multipart part.
		s := newStore(t)
		data := make([]byte, 21<<20+3)
		rand.Read(data)
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(data); i += 64 << 10 {
				pw.Write(data[i:min(i+64<<10, len(data))])
			}
			pw.Close()
		}()
		if n, err := s.Put(ctx, "stream/ok", pr); err != nil || n != int64(len(data)) {
			t.Fatalf("Put = %d, %v", n, err)
		}
		b, err := s.Open(ctx, "stream/ok")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		got := make([]byte, len(data))
		if _, err := b.ReadAt(got, 0); err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("the streamed blob reads back other bytes")
		}

		// Broken off after several parts: nothing is left.
		pr, pw = io.Pipe()
		go func() {
			pw.Write(data[:18<<20])
			pw.CloseWithError(fmt.Errorf("the upload broke off"))
		}()
		if _, err := s.Put(ctx, "stream/broken", pr); err == nil {
			t.Fatal("Put of a broken stream succeeded")
		}
		if _, err := s.Open(ctx, "stream/broken"); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("after a broken stream, Open = %v, want NotFound", err)
		}
	})
	t.Run("unknown and deleted", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "nothing"); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("Open unknown = %v, want NotFound", err)
		}
		if _, err := s.Put(ctx, "gone", bytes.NewReader([]byte("x"))); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "gone"); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("Open deleted = %v, want NotFound", err)
		}
		if err := s.Delete(ctx, "gone"); err != nil {
			t.Fatalf("Delete twice = %v", err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping = %v", err)
		}
	})
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, fmt.Errorf("the connection broke") }
