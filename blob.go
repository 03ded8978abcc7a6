package opname

import (
	"bytes"
	"context"
	"io"
)

// Blob is a stored object opened for random access.
type Blob interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// BlobStore keeps recordings' encrypted bytes: a local folder or
// S3-compatible object storage. Keys are opname's own, never a file name
// from outside.
type BlobStore interface {
	// Put stores the bytes of r under key and returns how many there were.
	// It MUST NOT return before the blob is durably stored, and MUST NOT
	// leave a partial blob under key when it fails. A key in use is Conflict.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the blob for reading; an unknown key is NotFound.
	Open(ctx context.Context, key string) (Blob, error)
	// Delete removes a blob; deleting an unknown key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping checks that the store answers, for /readyz.
	Ping(ctx context.Context) error
}

// SameAs passes r on and fails with Conflict (upload.changed) as soon as
// what it passes differs from what old holds, for as long as old goes. A
// staged upload's bytes after the last answered part were written by a
// part that was never answered (a crash): they are ciphertext under chunk
// counters that the next part uses again, which is safe only when it
// encrypts the same bytes (a resent part), and so gives the same
// ciphertext. old may be nil.
func SameAs(r, old io.Reader) io.Reader {
	if old == nil {
		return r
	}
	return &sameAs{r: r, old: old}
}

type sameAs struct {
	r, old io.Reader
	buf    []byte
}

func (s *sameAs) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.old != nil && n > 0 {
		if len(s.buf) < n {
			s.buf = make([]byte, n)
		}
		m, oerr := io.ReadFull(s.old, s.buf[:n])
		if !bytes.Equal(p[:m], s.buf[:m]) {
			return 0, Coded(Conflict, "upload.changed", "the upload has other bytes than were sent before at the same place; start it again")
		}
		if oerr != nil {
			s.old = nil
		}
	}
	return n, err
}
