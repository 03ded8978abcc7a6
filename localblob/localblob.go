// Package localblob keeps blobs as files in a local folder. A blob is
// written to a temporary file, synced, renamed into place and its folder
// synced, so a blob that Put acknowledged survives a crash, and a blob
// whose Put failed leaves nothing under its key.
package localblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/opname/opname"
)

// Store is a folder of blobs.
type Store struct {
	dir string
}

// Open returns the store in dir, creating it (mode 0700) when missing.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localblob: %w", err)
	}
	return &Store{dir: dir}, nil
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}(/[a-z0-9][a-z0-9._-]{0,127}){0,3}$`)

func (s *Store) path(key string) (string, error) {
	if !keyPattern.MatchString(key) {
		return "", &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("blob key %q is not valid", key)}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put writes the blob durably.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := s.path(key)
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(p); err == nil {
		return 0, &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("blob %s exists already", key)}
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("localblob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return 0, fmt.Errorf("localblob: put %s: %w", key, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return 0, fmt.Errorf("localblob: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("localblob: put %s: sync: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("localblob: put %s: %w", key, err)
	}
	// Link, not rename, so that a blob that appeared meanwhile is never
	// replaced.
	if err := os.Link(tmp.Name(), p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("blob %s exists already", key)}
		}
		return 0, fmt.Errorf("localblob: put %s: %w", key, err)
	}
	os.Remove(tmp.Name())
	done = true
	if err := syncDir(dir); err != nil {
		return 0, fmt.Errorf("localblob: put %s: sync folder: %w", key, err)
	}
	return n, nil
}

// RemovePartial removes what Puts that never finished left behind (a
// process killed while writing). Only the one process that writes to the
// folder may call it, when it starts, before it writes.
func (s *Store) RemovePartial() (int, error) {
	n := 0
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), ".put-") {
			if err := os.Remove(p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("localblob: remove partial: %w", err)
	}
	return n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a long copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type file struct {
	*os.File
	size int64
}

func (f file) Size() int64 { return f.size }

// Open opens a blob.
func (s *Store) Open(ctx context.Context, key string) (opname.Blob, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &opname.Error{Kind: opname.NotFound, Msg: "blob not found"}
	}
	if err != nil {
		return nil, fmt.Errorf("localblob: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("localblob: open %s: %w", key, err)
	}
	return file{f, st.Size()}, nil
}

// Delete removes a blob and syncs its folder.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localblob: delete %s: %w", key, err)
	}
	return syncDir(filepath.Dir(p))
}

// Ping checks that the folder is there and writable.
func (s *Store) Ping(ctx context.Context) error {
	f, err := os.CreateTemp(s.dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("localblob: ping: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}
