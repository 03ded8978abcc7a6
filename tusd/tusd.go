// Package tusd keeps resumable uploads (the tus protocol, served by
// github.com/tus/tusd/v2) in a local staging folder, and adds what tusd's
// file store lacks: a SHA-256 computed while the bytes arrive, kept next to
// the upload so that it survives resumes and server restarts, and a check
// of the first bytes before a whole file is taken in.
//
// Staged bytes are plaintext: the vault encrypts them when the upload
// finishes, and they are removed when it is sealed, aborted or expired.
package tusd

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
)

// Store is tusd's file store with an incremental SHA-256 per upload.
type Store struct {
	files filestore.FileStore
	dir   string
	// Check, when set, is given the first bytes of every upload (up to
	// CheckLen) and may refuse it before more arrives; a refused upload is
	// removed.
	Check    func(ctx context.Context, head []byte) error
	CheckLen int
	// Admit, when set, decides whether an upload may start (starting is true)
	// or, when its length is not known yet, take more bytes (starting is
	// false), given every upload staged here now. Its error refuses the
	// upload or the chunk. Admissions, and what Serially runs, happen one
	// at a time, so that uploads started at once are counted against
	// each other.
	Admit   func(ctx context.Context, info handler.FileInfo, starting bool, staged []Staged) error
	admitMu sync.Mutex
	locker  *memorylocker.MemoryLocker
}

// Open returns the store in dir, creating it (mode 0700).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tusd: %w", err)
	}
	fs := filestore.New(dir)
	fs.DirModePerm, fs.FileModePerm = 0o700, 0o600
	return &Store{files: fs, dir: dir, locker: memorylocker.New()}, nil
}

// Composer returns the tusd store composer for a handler: core, DELETE and
// deferred length, with one lock per upload in this process. Several
// servers need sticky routing by upload id, as the staged bytes are local.
func (s *Store) Composer() *handler.StoreComposer {
	c := handler.NewStoreComposer()
	c.UseCore(s)
	c.UseTerminater(s)
	c.UseLengthDeferrer(s)
	s.locker.UseIn(c)
	return c
}

// Lock takes an upload's lock, as the tusd handler does for a PATCH.
func (s *Store) Lock(ctx context.Context, id string) (unlock func(), err error) {
	l, err := s.locker.NewLock(id)
	if err != nil {
		return nil, err
	}
	if err := l.Lock(ctx, func() {}); err != nil {
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// NewUpload creates an upload, when Admit lets it.
func (s *Store) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	if err := s.admit(ctx, info, true); err != nil {
		return nil, err
	}
	u, err := s.files.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	info, err = u.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	return &upload{Upload: u, s: s, id: info.ID}, nil
}

// admit asks Admit about info; the caller holds admitMu.
func (s *Store) admit(ctx context.Context, info handler.FileInfo, starting bool) error {
	if s.Admit == nil {
		return nil
	}
	staged, err := s.List(ctx)
	if err != nil {
		return err
	}
	return s.Admit(ctx, info, starting, staged)
}

// Serially runs fn with the uploads staged now, one at a time with the
// admission of uploads: what fn counts cannot change until it returns. It
// lets uploads that are not staged here (a recording sent in one request)
// be admitted against the same numbers.
func (s *Store) Serially(ctx context.Context, fn func(staged []Staged) error) error {
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	staged, err := s.List(ctx)
	if err != nil {
		return err
	}
	return fn(staged)
}

// GetUpload returns an upload; an unknown id is handler.ErrNotFound.
func (s *Store) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	if !validID(id) {
		return nil, handler.ErrNotFound
	}
	u, err := s.files.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return &upload{Upload: u, s: s, id: id}, nil
}

// AsTerminatableUpload lets DELETE remove an upload with its hash state.
func (s *Store) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*upload)
}

// AsLengthDeclarableUpload lets an upload of unknown length (a recording
// in the browser) say its length at the end.
func (s *Store) AsLengthDeclarableUpload(u handler.Upload) handler.LengthDeclarableUpload {
	return s.files.AsLengthDeclarableUpload(u.(*upload).Upload)
}

// validID accepts only what tusd makes: hexadecimal, so an id is never a
// path.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// Info returns an upload's state.
func (s *Store) Info(ctx context.Context, id string) (handler.FileInfo, error) {
	u, err := s.GetUpload(ctx, id)
	if err != nil {
		return handler.FileInfo{}, err
	}
	return u.GetInfo(ctx)
}

// Open returns an upload's staged bytes for reading.
func (s *Store) Open(id string) (*os.File, error) {
	if !validID(id) {
		return nil, handler.ErrNotFound
	}
	return os.Open(filepath.Join(s.dir, id))
}

// Sum returns the SHA-256 of the bytes that have arrived. When the kept
// state lags behind the staged file (a crash between writing bytes and
// saving the state), the missing part is hashed from the file.
func (s *Store) Sum(ctx context.Context, id string) (string, error) {
	info, err := s.Info(ctx, id)
	if err != nil {
		return "", err
	}
	h, err := s.hasher(id, info.Offset)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Remove deletes an upload: its staged bytes, its info and its hash state.
func (s *Store) Remove(ctx context.Context, id string) error {
	u, err := s.GetUpload(ctx, id)
	if errors.Is(err, handler.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return u.(*upload).Terminate(ctx)
}

// List returns every upload under way, with when its bytes last changed.
func (s *Store) List(ctx context.Context) ([]Staged, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("tusd: %w", err)
	}
	var out []Staged
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || !validID(id) {
			continue
		}
		info, err := s.Info(ctx, id)
		if err != nil {
			continue
		}
		changed := time.Time{}
		if st, err := os.Stat(filepath.Join(s.dir, id)); err == nil {
			changed = st.ModTime()
		}
		out = append(out, Staged{Info: info, Changed: changed})
	}
	return out, nil
}

// Staged is an upload under way.
type Staged struct {
	Info    handler.FileInfo
	Changed time.Time
}

// Expire removes uploads whose bytes have not changed since before, and
// returns how many it removed.
func (s *Store) Expire(ctx context.Context, before time.Time) (int, error) {
	list, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range list {
		if st.Changed.Before(before) {
			unlock, err := s.Lock(ctx, st.Info.ID)
			if err != nil {
				continue
			}
			if err := s.Remove(ctx, st.Info.ID); err == nil {
				n++
			}
			unlock()
		}
	}
	return n, nil
}

// state is an upload's hash so far, kept in "<id>.sha256".
type state struct {
	Offset int64  `json:"offset"`
	SHA256 []byte `json:"sha256_state"`
}

func (s *Store) statePath(id string) string { return filepath.Join(s.dir, id+".sha256") }

// hasher returns the hash of an upload's first offset bytes: from the kept
// state when it is at offset, otherwise by reading the staged file.
func (s *Store) hasher(id string, offset int64) (hash.Hash, error) {
	h := sha256.New()
	if b, err := os.ReadFile(s.statePath(id)); err == nil {
		var st state
		if json.Unmarshal(b, &st) == nil && st.Offset == offset &&
			h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.SHA256) == nil {
			return h, nil
		}
		h.Reset()
	}
	f, err := s.Open(id)
	if err != nil {
		return nil, fmt.Errorf("tusd: rehash %s: %w", id, err)
	}
	defer f.Close()
	if n, err := io.Copy(h, io.LimitReader(f, offset)); err != nil || n != offset {
		return nil, fmt.Errorf("tusd: rehash %s: %d of %d bytes: %v", id, n, offset, err)
	}
	return h, nil
}

func (s *Store) saveState(id string, offset int64, h hash.Hash) error {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return err
	}
	data, _ := json.Marshal(state{Offset: offset, SHA256: b})
	tmp := s.statePath(id) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.statePath(id))
}

// upload hashes the bytes it is given as they are written.
type upload struct {
	handler.Upload
	s  *Store
	id string
}

// WriteChunk writes src at offset and carries the hash forward. The first
// chunk is checked before it is written.
func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if u.s.Admit != nil {
		info, err := u.GetInfo(ctx)
		if err != nil {
			return 0, err
		}
		if info.SizeIsDeferred {
			u.s.admitMu.Lock()
			err = u.s.admit(ctx, info, false)
			u.s.admitMu.Unlock()
			if err != nil {
				return 0, err
			}
		}
	}
	if offset == 0 && u.s.Check != nil {
		br := bufio.NewReaderSize(src, max(u.s.CheckLen, 16))
		head, err := br.Peek(u.s.CheckLen)
		if len(head) > 0 || err == nil {
			if err := u.s.Check(ctx, head); err != nil {
				// A refused upload leaves nothing behind.
				_ = u.Terminate(ctx)
				return 0, err
			}
		}
		src = br
	}
	h, err := u.s.hasher(u.id, offset)
	if err != nil {
		return 0, err
	}
	tee := &countingTee{r: src, h: h}
	n, err := u.Upload.WriteChunk(ctx, offset, tee)
	if tee.n == n {
		if serr := u.s.saveState(u.id, offset+n, h); serr != nil && err == nil {
			err = serr
		}
	} else {
		// More was read than written: the state is wrong, so it goes, and
		// the next write hashes again from the file.
		os.Remove(u.s.statePath(u.id))
	}
	return n, err
}

// Terminate removes the upload and its hash state.
func (u *upload) Terminate(ctx context.Context) error {
	os.Remove(u.s.statePath(u.id))
	return u.s.files.AsTerminatableUpload(u.Upload).Terminate(ctx)
}

// countingTee hashes what is read through it.
type countingTee struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (t *countingTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.h.Write(p[:n])
	t.n += int64(n)
	return n, err
}
