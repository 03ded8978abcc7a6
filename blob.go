package opname

import (
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
