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

// validKey reports whether key is one to four segments joined by "/",
// each of 1 to 128 characters a-z, 0-9, '.', '_' and '-' that starts with
// a letter or digit. (A regular expression said the same; compiling it
// was the largest part of this package's start.)
func validKey(key string) bool {
	for n := 1; n <= 4; n++ {
		segment, rest, more := strings.Cut(key, "/")
		if !validSegment(segment) {
			return false
		}
		if !more {
			return true
		}
		key = rest
	}
	return false
}

func validSegment(s string) bool {
	if len(s) == 0 || len(s) > 128 || !lowerOrDigit(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !lowerOrDigit(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func lowerOrDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func (s *Store) path(key string) (string, error) {
	if !validKey(key) {
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
	n, err := copyToFile(ctx, tmp, 0, r)
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

// fileWriter writes to a file at its offset in large writes (a file's own
// ReadFrom copies through a small buffer) and starts the disk's writeback
// every writebackEvery bytes.
type fileWriter struct {
	f       *os.File
	off     int64 // where the next write goes
	flushed int64 // up to where writeback was started
}

const writebackEvery = 2 << 20

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.flushed >= writebackEvery {
		startWriteback(w.f, w.flushed, w.off-w.flushed)
		w.flushed = w.off
	}
	return n, err
}

// copyToFile copies r into f from off on.
func copyToFile(ctx context.Context, f *os.File, off int64, r io.Reader) (int64, error) {
	return io.CopyBuffer(&fileWriter{f: f, off: off, flushed: off}, ctxReader{ctx, r}, make([]byte, 1<<20))
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

// Uploads under way stage their ciphertext in the folder ".staging" (a
// name no blob key can have), on the same file system as the blobs, so a
// finished upload becomes its blob by a link, without being read again.

func (s *Store) stagePath(id string) (string, error) {
	if !validKey(id) || strings.Contains(id, "/") {
		return "", &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("staging id %q is not valid", id)}
	}
	return filepath.Join(s.dir, ".staging", id), nil
}

// Append writes r into the staged object id from byte off on, over what
// an earlier, unanswered write left there, which must be the same bytes,
// and syncs it: it does not return before the bytes are durable. What the
// unanswered write left after r's bytes stays, to be compared with the
// next write. A staged object shorter than off has lost bytes, which is an
// error.
func (s *Store) Append(ctx context.Context, id string, off int64, r io.Reader) (int64, error) {
	p, err := s.stagePath(id)
	if err != nil {
		return 0, err
	}
	// What an unanswered write left after off must be written again
	// unchanged (opname.SameAs).
	var old io.Reader
	if prev, err := os.Open(p); err == nil {
		defer prev.Close()
		if st, err := prev.Stat(); err == nil && st.Size() > off {
			old = io.NewSectionReader(prev, off, st.Size()-off)
		}
	}
	f, err := s.openStaged(p, off)
	if err != nil {
		return 0, fmt.Errorf("localblob: append %s: %w", id, err)
	}
	defer f.Close()
	// What an unanswered write left after these bytes stays: it is
	// ciphertext under chunk counters that the next write uses again,
	// which must then give the same bytes. Dropped, other bytes could be
	// sealed under those counters unseen.
	n, err := copyToFile(ctx, f, off, opname.SameAs(r, old))
	if serr := f.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("localblob: append %s: sync: %w", id, serr)
	}
	return n, err
}

// openStaged opens a staged object for writing at off.
func (s *Store) openStaged(p string, off int64) (*os.File, error) {
	flags := os.O_WRONLY
	if off == 0 {
		flags |= os.O_CREATE
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(p, flags, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() < off {
		err = fmt.Errorf("%d bytes staged, %d expected", st.Size(), off)
	}
	if err == nil {
		_, err = f.Seek(off, io.SeekStart)
	}
	if err == nil && off == 0 {
		err = syncDir(filepath.Dir(p))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Commit ends the staged object id at off with tail and makes it the blob
// key, durably. The staged object stays, as another name of the blob,
// until Discard: if the upload's state cannot say it was committed (a
// crash, a failed write of the state), Commit is tried again into another
// blob, which needs the staged bytes.
func (s *Store) Commit(ctx context.Context, id string, off int64, tail []byte, key string) (int64, error) {
	p, err := s.stagePath(id)
	if err != nil {
		return 0, err
	}
	dst, err := s.path(key)
	if err != nil {
		return 0, err
	}
	f, err := s.openStaged(p, off)
	if err != nil {
		return 0, fmt.Errorf("localblob: commit %s: %w", id, err)
	}
	_, err = f.Write(tail)
	if err == nil {
		err = f.Truncate(off + int64(len(tail)))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o700)
	}
	if err == nil {
		err = os.Link(p, dst)
		if errors.Is(err, fs.ErrExist) {
			return 0, &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("blob %s exists already", key)}
		}
	}
	if err == nil {
		err = syncDir(filepath.Dir(dst))
	}
	if err != nil {
		return 0, fmt.Errorf("localblob: commit %s: %w", id, err)
	}
	return off + int64(len(tail)), nil
}

// Discard removes a staged object; an unknown one is no error.
func (s *Store) Discard(ctx context.Context, id string) error {
	p, err := s.stagePath(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localblob: discard %s: %w", id, err)
	}
	return nil
}
