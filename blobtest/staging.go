package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/opname/opname"
)

// Stager is a blob store that stages uploads under way (package tusd's
// Staging). A committed staged object is kept until Discard: a commit the
// upload's state never recorded is tried again, into another blob.
type Stager interface {
	opname.BlobStore
	Append(ctx context.Context, id string, off int64, r io.Reader) (int64, error)
	Commit(ctx context.Context, id string, off int64, tail []byte, key string) (int64, error)
	Discard(ctx context.Context, id string) error
}

// RunStaging checks staging: parts small and large, writes that were
// never answered (a crash) overwritten by the next, and a commit that
// makes the staged bytes and a tail one blob.
func RunStaging(t *testing.T, s Stager) {
	ctx := context.Background()
	data := make([]byte, 13<<20+5)
	rand.Read(data)
	junk := bytes.Repeat([]byte{0xee}, 4<<20)
	// A write that was never answered is sent again with the same bytes
	// (and more), or followed by the commit.
	steps := []struct {
		from, to int
		junk     bool
	}{
		{0, 100 << 10, false},
		{100 << 10, 3 << 20, false},
		{3 << 20, 5 << 20, false},
		{3 << 20, 9 << 20, false},
		{9 << 20, 9<<20 + 1000, false},
		{9<<20 + 1000, 12 << 20, true},
	}
	for _, st := range steps {
		part := data[st.from:st.to]
		if st.junk {
			part = junk[:st.to-st.from]
		}
		n, err := s.Append(ctx, "upload1", int64(st.from), bytes.NewReader(part))
		if err != nil || n != int64(len(part)) {
			t.Fatalf("Append(%d) = %d, %v", st.from, n, err)
		}
	}
	off := 9<<20 + 1000
	size, err := s.Commit(ctx, "upload1", int64(off), data[off:], "rec/staged")
	if err != nil || size != int64(len(data)) {
		t.Fatalf("Commit = %d, %v", size, err)
	}
	b, err := s.Open(ctx, "rec/staged")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
	b.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the blob holds other bytes (%d of %d, %v)", len(got), len(data), err)
	}
	if err := s.Discard(ctx, "upload1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "upload1", 10, bytes.NewReader(data[:10])); err == nil {
		t.Fatal("appended after bytes that were discarded")
	}
	// A small upload: one part and the tail.
	if _, err := s.Append(ctx, "upload2", 0, bytes.NewReader(data[:70000])); err != nil {
		t.Fatal(err)
	}
	if size, err := s.Commit(ctx, "upload2", 70000, data[70000:70100], "rec/small"); err != nil || size != 70100 {
		t.Fatalf("Commit = %d, %v", size, err)
	}
	// The commit again, as after a crash before the state recorded it.
	if size, err := s.Commit(ctx, "upload2", 70000, data[70000:70100], "rec/small-again"); err != nil || size != 70100 {
		t.Fatalf("Commit again = %d, %v", size, err)
	}
	if b, err := s.Open(ctx, "rec/small-again"); err != nil {
		t.Fatalf("the blob of the commit again: %v", err)
	} else {
		got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
		b.Close()
		if err != nil || !bytes.Equal(got, data[:70100]) {
			t.Fatalf("the blob of the commit again holds other bytes (%d, %v)", len(got), err)
		}
	}
	if err := s.Discard(ctx, "upload2"); err != nil {
		t.Fatal(err)
	}
	// Other bytes over what an unanswered write left would reuse what
	// encrypted them: refused.
	if _, err := s.Append(ctx, "upload4", 0, bytes.NewReader(data[:1<<20])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "upload4", 1<<20, bytes.NewReader(junk[:1<<20])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "upload4", 1<<20, bytes.NewReader(data[1<<20:3<<20])); opname.KindOf(err) != opname.Conflict {
		t.Fatalf("Append of other bytes = %v, want Conflict", err)
	}
	if err := s.Discard(ctx, "upload4"); err != nil {
		t.Fatal(err)
	}
	// A shorter write of the same bytes keeps what the unanswered write
	// left after it, and the next write is compared with that in turn.
	for _, w := range []struct{ off, to int }{{0, 1 << 20}, {1 << 20, 3 << 20}, {1 << 20, 1<<20 + 10}} {
		if _, err := s.Append(ctx, "upload5", int64(w.off), bytes.NewReader(data[w.off:w.to])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Append(ctx, "upload5", 1<<20+10, bytes.NewReader(junk[:1<<20])); opname.KindOf(err) != opname.Conflict {
		t.Fatalf("Append of other bytes after a shorter write = %v, want Conflict", err)
	}
	if n, err := s.Append(ctx, "upload5", 1<<20+10, bytes.NewReader(data[1<<20+10:4<<20])); err != nil || n != 3<<20-10 {
		t.Fatalf("Append of the same bytes after a shorter write = %d, %v", n, err)
	}
	if size, err := s.Commit(ctx, "upload5", 4<<20, nil, "rec/shorter"); err != nil || size != 4<<20 {
		t.Fatalf("Commit = %d, %v", size, err)
	}
	if b, err := s.Open(ctx, "rec/shorter"); err != nil {
		t.Fatal(err)
	} else {
		got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
		b.Close()
		if err != nil || !bytes.Equal(got, data[:4<<20]) {
			t.Fatalf("the blob after a shorter write holds other bytes (%d, %v)", len(got), err)
		}
	}
	if err := s.Discard(ctx, "upload5"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "upload3", 0, bytes.NewReader(data[:100])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "upload3", 100, nil, "rec/staged"); opname.KindOf(err) != opname.Conflict {
		t.Fatalf("Commit onto a blob = %v, want Conflict", err)
	}
	if _, err := s.Open(ctx, "rec/small"); err != nil {
		t.Fatalf("a discarded upload took its blob: %v", err)
	}
}
