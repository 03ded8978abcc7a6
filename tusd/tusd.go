// Package tusd keeps resumable uploads (the tus protocol, served by
// github.com/tus/tusd/v2) so that any opname server on the same database
// and blob storage can continue any of them, and only ciphertext is ever
// staged.
//
// # How an upload is kept
//
// Each part is encrypted as it arrives into the upload's age stream
// (agecrypt.Stream): full 64 KiB chunks go to the staged object in blob
// storage (Staging), the last chunk, full or not, waits. After each part,
// and before it is answered, the staged bytes are synced and the upload's
// state is committed to the database (States): the tus info (offset,
// length, metadata), the age header with the wrapped file key, the
// stream's state (nonce, chunk counter and the waiting bytes, sealed), the
// SHA-256 state (encoding.BinaryMarshaler) and how many ciphertext bytes
// are staged. An answered PATCH is therefore durable; a crash in the middle
// of one leaves the last committed state, and the next parts must give
// again whatever was staged after it (the same bytes under the same chunk
// counters), or the upload is refused: no chunk counter ever seals two
// plaintexts at rest. Plaintext is never at rest.
//
// # Finishing
//
// Finish seals the last chunk and commits the staged object, with that
// chunk at its end, as the recording's blob: with the local blob folder the
// staged file is linked into place. No byte of the recording is read
// again. What is registered is what the hashes of the parts said.
//
// # Locks
//
// An upload is locked while a request works on it: with PostgreSQL by an
// advisory lock that every server sees (and that a dead server's
// connection gives up), with SQLite in the process.
package tusd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
)

// States keeps uploads' states (package sqldb).
type States interface {
	// SaveUpload stores an upload's state; it MUST NOT return before the
	// state is durable.
	SaveUpload(ctx context.Context, id string, state []byte) error
	// Upload returns an upload's state and when it last changed; an
	// unknown upload is NotFound.
	Upload(ctx context.Context, id string) ([]byte, time.Time, error)
	DeleteUpload(ctx context.Context, id string) error
	Uploads(ctx context.Context, fn func(id string, state []byte, changed time.Time) error) error
	// SharedLocks reports whether LockUpload works; when it does not,
	// the store has only one server and locks in its process.
	SharedLocks() bool
	// LockUpload takes an upload's lock for every server, waiting until
	// ctx ends.
	LockUpload(ctx context.Context, id string) (unlock func(), err error)
}

// Staging keeps uploads' ciphertext in blob storage (package localblob).
type Staging interface {
	// Append writes r into staged object id from byte off on. What an
	// earlier, unanswered write left after off MUST be the same bytes
	// (else Conflict), and what it left after r's bytes MUST stay, to be
	// compared with the next write: it is ciphertext under chunk counters
	// that are used again. It MUST NOT return before the bytes are
	// durable.
	Append(ctx context.Context, id string, off int64, r io.Reader) (int64, error)
	// Commit ends staged object id at off with tail and makes it blob
	// key, durably, without reading it again; it returns the blob's size.
	// The staged object MUST stay until Discard: when the state cannot
	// say that the upload was committed (a crash just after, a failed
	// write), Commit is tried again, into another blob.
	Commit(ctx context.Context, id string, off int64, tail []byte, key string) (int64, error)
	// Discard removes a staged object; an unknown one is no error.
	Discard(ctx context.Context, id string) error
	// Delete removes a blob.
	Delete(ctx context.Context, key string) error
}

// Store is tusd's data store on States, Staging and the organisations'
// keys.
type Store struct {
	states  States
	staging Staging
	keys    opname.Keyring
	// Check, when set, is given the first bytes of every upload (up to
	// CheckLen) and may refuse it before more arrives; a refused upload is
	// removed. What it returns is kept as the upload's media type.
	Check    func(ctx context.Context, head []byte) (string, error)
	CheckLen int
	// Admit, when set, decides whether an upload may start (starting is true)
	// or, when its length is not known yet, take more bytes (starting is
	// false), given every upload under way now. Its error refuses the
	// upload or the chunk. Admissions, and what Serially runs, happen one
	// at a time in this process, so that uploads started at once are
	// counted against each other.
	Admit func(ctx context.Context, info handler.FileInfo, starting bool, staged []Staged) error
	// Answer, when set, turns the store's own refusals (opname errors)
	// into the handler's answer.
	Answer  func(ctx context.Context, err error) error
	admitMu sync.Mutex
	// memory locks uploads when the States' locks are not shared.
	memory *memorylocker.MemoryLocker
	// held are this server's shared locks, with how to ask their
	// requests to let go.
	held heldLocks
}

// heldLocks are the upload locks a server holds.
type heldLocks struct {
	mu      sync.Mutex
	release map[string]func()
}

// Open returns the store.
func Open(states States, staging Staging, keys opname.Keyring) *Store {
	s := &Store{states: states, staging: staging, keys: keys}
	if !states.SharedLocks() {
		s.memory = memorylocker.New()
	}
	return s
}

// Composer returns the tusd store composer for a handler: core, DELETE,
// deferred length and locks.
func (s *Store) Composer() *handler.StoreComposer {
	c := handler.NewStoreComposer()
	c.UseCore(s)
	c.UseTerminater(s)
	c.UseLengthDeferrer(s)
	if s.memory != nil {
		s.memory.UseIn(c)
	} else {
		c.UseLocker(sharedLocker{s.states, &s.held})
	}
	return c
}

// Lock takes an upload's lock, as the tusd handler does for a PATCH.
func (s *Store) Lock(ctx context.Context, id string) (unlock func(), err error) {
	if s.memory == nil {
		return s.states.LockUpload(ctx, id)
	}
	l, err := s.memory.NewLock(id)
	if err != nil {
		return nil, err
	}
	if err := l.Lock(ctx, func() {}); err != nil {
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// sharedLocker is handler.Locker on the States' locks.
type sharedLocker struct {
	states States
	held   *heldLocks
}

func (l sharedLocker) NewLock(id string) (handler.Lock, error) {
	return &sharedLock{sharedLocker: l, id: id}, nil
}

type sharedLock struct {
	sharedLocker
	id     string
	unlock func()
}

// Lock waits for the lock. A request of this server that holds it is
// asked to let go (a client that lost its connection and came back); one
// of another server cannot be asked, and ends when its connection does
// (tusd's NetworkTimeout, a minute, when nothing more arrives).
func (l *sharedLock) Lock(ctx context.Context, requestRelease func()) error {
	l.held.mu.Lock()
	if release := l.held.release[l.id]; release != nil {
		release()
	}
	l.held.mu.Unlock()
	unlock, err := l.states.LockUpload(ctx, l.id)
	if ctx.Err() != nil {
		if err == nil {
			unlock()
		}
		return handler.ErrLockTimeout
	}
	if err != nil {
		return err
	}
	l.unlock = unlock
	l.held.mu.Lock()
	if l.held.release == nil {
		l.held.release = map[string]func(){}
	}
	l.held.release[l.id] = requestRelease
	l.held.mu.Unlock()
	return nil
}

func (l *sharedLock) Unlock() error {
	if l.unlock != nil {
		l.held.mu.Lock()
		delete(l.held.release, l.id)
		l.held.mu.Unlock()
		l.unlock()
		l.unlock = nil
	}
	return nil
}

// record is an upload's state as States keeps it.
type record struct {
	Info handler.FileInfo `json:"info"`
	// Header is the age header; Stream the agecrypt.Stream state.
	Header []byte `json:"header"`
	Stream []byte `json:"stream"`
	// SHA256 is the hash state of the bytes that arrived.
	SHA256 []byte `json:"sha256"`
	// Staged is how many ciphertext bytes are staged.
	Staged int64 `json:"staged"`
	// Media is what Check said of the first bytes.
	Media string `json:"media_type,omitempty"`
	// Blob and PayloadSize name the blob Finish made, once it has: a
	// registration that failed is tried again with it.
	Blob        string `json:"blob,omitempty"`
	PayloadSize int64  `json:"payload_size,omitempty"`
}

// NewUpload creates an upload, when Admit lets it, and starts its
// encryption for the organisation in its metadata.
func (s *Store) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	if err := s.admit(ctx, info, true); err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	info.ID = hex.EncodeToString(id)
	info.Offset = 0
	info.Storage = nil
	stream, err := agecrypt.NewStream(ctx, s.keys, info.MetaData["org_id"])
	if err != nil {
		return nil, fmt.Errorf("tusd: new upload: %w", err)
	}
	st, err := stream.State()
	if err != nil {
		return nil, err
	}
	h, _ := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	u := &upload{s: s, rec: record{Info: info, Header: stream.Header(), Stream: st, SHA256: h}}
	if err := u.save(ctx); err != nil {
		return nil, err
	}
	return u, nil
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

// Serially runs fn with the uploads under way now, one at a time with the
// admission of uploads: what fn counts cannot change until it returns. It
// lets uploads that are not staged (a recording sent in one request) be
// admitted against the same numbers.
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
	rec, _, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return &upload{s: s, rec: rec}, nil
}

func (s *Store) load(ctx context.Context, id string) (record, time.Time, error) {
	b, changed, err := s.states.Upload(ctx, id)
	if opname.KindOf(err) == opname.NotFound {
		return record{}, time.Time{}, handler.ErrNotFound
	}
	if err != nil {
		return record{}, time.Time{}, err
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return record{}, time.Time{}, fmt.Errorf("tusd: upload %s: %w", id, err)
	}
	return rec, changed, nil
}

// AsTerminatableUpload lets DELETE remove an upload.
func (s *Store) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*upload)
}

// AsLengthDeclarableUpload lets an upload of unknown length (a recording
// in the browser) say its length at the end.
func (s *Store) AsLengthDeclarableUpload(u handler.Upload) handler.LengthDeclarableUpload {
	return u.(*upload)
}

// validID accepts only what NewUpload makes: hexadecimal.
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

// Sum returns the SHA-256 of the bytes that have arrived.
func (s *Store) Sum(ctx context.Context, id string) (string, error) {
	rec, _, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	h, err := rec.hash()
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Remove deletes an upload: its staged ciphertext and its state. A blob
// Finish made of it stays: it may be a registered recording's (a removal
// after the registration, which failed only to remove the upload), and a
// blob too many is better than a recording lost. Refused removes it too.
func (s *Store) Remove(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	return errors.Join(s.staging.Discard(ctx, id), s.states.DeleteUpload(ctx, id))
}

// Refused removes an upload whose recording was refused at registration,
// with the blob Finish made of it.
func (s *Store) Refused(ctx context.Context, id string) error {
	rec, _, err := s.load(ctx, id)
	if err == nil && rec.Blob != "" {
		if err := s.staging.Delete(ctx, rec.Blob); err != nil {
			return err
		}
	}
	return s.Remove(ctx, id)
}

// List returns every upload under way, with when its bytes last changed.
func (s *Store) List(ctx context.Context) ([]Staged, error) {
	var out []Staged
	err := s.states.Uploads(ctx, func(id string, b []byte, changed time.Time) error {
		var rec record
		if json.Unmarshal(b, &rec) == nil {
			out = append(out, Staged{Info: rec.Info, Changed: changed})
		}
		return nil
	})
	return out, err
}

// Staged is an upload under way.
type Staged struct {
	Info    handler.FileInfo
	Changed time.Time
}

// Expire removes uploads whose bytes have not changed since before, and
// returns how many it removed. An upload locked by a request is left.
func (s *Store) Expire(ctx context.Context, before time.Time) (int, error) {
	list, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range list {
		if !st.Changed.Before(before) {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		unlock, err := s.Lock(lctx, st.Info.ID)
		cancel()
		if err != nil {
			continue
		}
		// Looked at again under the lock: a part may have come meanwhile.
		if _, changed, err := s.load(ctx, st.Info.ID); err == nil && changed.Before(before) {
			if err := s.Remove(ctx, st.Info.ID); err == nil {
				n++
			}
		}
		unlock()
	}
	return n, nil
}

// Finished is an upload sealed into a blob, not yet registered.
type Finished struct {
	opname.Sealed
	SHA256 string
	Size   int64
	// MediaType is what Check said of the first bytes.
	MediaType string
}

// Finish seals what arrived of an upload into blob key: the stream's last
// chunk is encrypted and the staged ciphertext, with it at the end,
// becomes the blob. The caller holds the upload's lock, and then calls
// Remove when the recording is registered, or Refused. Until then, Finish
// gives the same blob again, so a registration that failed can be tried
// again.
func (s *Store) Finish(ctx context.Context, id, key string) (*Finished, error) {
	rec, _, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := rec.hash()
	if err != nil {
		return nil, err
	}
	if rec.Blob == "" {
		if err := s.commit(ctx, &rec, key); err != nil {
			return nil, err
		}
	}
	return &Finished{
		Sealed: opname.Sealed{Header: rec.Header, BlobKey: rec.Blob, PayloadSize: rec.PayloadSize},
		SHA256: hex.EncodeToString(h.Sum(nil)), Size: rec.Info.Offset, MediaType: rec.Media,
	}, nil
}

// commit makes the upload's blob and records that it did.
func (s *Store) commit(ctx context.Context, rec *record, key string) error {
	id := rec.Info.ID
	stream, err := agecrypt.ResumeStream(ctx, s.keys, rec.Info.MetaData["org_id"], rec.Header, rec.Stream)
	if err != nil {
		return fmt.Errorf("tusd: finish %s: %w", id, err)
	}
	if stream.Plaintext() != rec.Info.Offset || stream.Written() != rec.Staged {
		return fmt.Errorf("tusd: finish %s: the stream is at %d, the upload at %d", id, stream.Plaintext(), rec.Info.Offset)
	}
	// The last chunk is the same bytes under the same nonce each time a
	// commit is tried: sealing it again reuses nothing.
	tail := stream.Close(nil)
	size, err := s.staging.Commit(ctx, id, rec.Staged, tail, key)
	if err != nil {
		return err
	}
	rec.Blob, rec.PayloadSize = key, size
	u := &upload{s: s, rec: *rec}
	if err := u.save(context.WithoutCancel(ctx)); err != nil {
		_ = s.staging.Delete(context.WithoutCancel(ctx), key)
		return err
	}
	return nil
}

func (r *record) hash() (hash.Hash, error) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(r.SHA256); err != nil {
		return nil, fmt.Errorf("tusd: upload %s: hash state: %w", r.Info.ID, err)
	}
	return h, nil
}

var errSealed = handler.NewError("ERR_UPLOAD_SEALED", "the upload is being stored; nothing more can be added", http.StatusConflict)

// upload is one upload, as last loaded.
type upload struct {
	s   *Store
	rec record
}

func (u *upload) save(ctx context.Context) error {
	// A key rotation may have begun since the upload started: its file
	// key is kept under the newest key.
	h, err := agecrypt.Refresh(ctx, u.s.keys, u.rec.Info.MetaData["org_id"], u.rec.Header)
	if err != nil {
		return fmt.Errorf("tusd: upload %s: %w", u.rec.Info.ID, err)
	}
	u.rec.Header = h
	b, err := json.Marshal(u.rec)
	if err != nil {
		return err
	}
	return u.s.states.SaveUpload(ctx, u.rec.Info.ID, b)
}

func (u *upload) GetInfo(ctx context.Context) (handler.FileInfo, error) { return u.rec.Info, nil }

func (u *upload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	return nil, handler.ErrNotImplemented
}

func (u *upload) FinishUpload(ctx context.Context) error { return nil }

// DeclareLength sets the length of an upload that did not know it.
func (u *upload) DeclareLength(ctx context.Context, length int64) error {
	u.rec.Info.Size, u.rec.Info.SizeIsDeferred = length, false
	return u.save(ctx)
}

// Terminate removes the upload.
func (u *upload) Terminate(ctx context.Context) error { return u.s.Remove(ctx, u.rec.Info.ID) }

// WriteChunk encrypts src into the upload's stream, stages the
// ciphertext, and commits the new state; only then is the part answered.
// The first part is checked before anything is kept. When src breaks off,
// what arrived of it is kept.
func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	s, rec := u.s, &u.rec
	if offset != rec.Info.Offset {
		return 0, handler.ErrMismatchOffset
	}
	if rec.Blob != "" {
		// Sealed already: nothing may be added.
		return 0, errSealed
	}
	if s.Admit != nil && rec.Info.SizeIsDeferred {
		s.admitMu.Lock()
		err := s.admit(ctx, rec.Info, false)
		s.admitMu.Unlock()
		if err != nil {
			return 0, err
		}
	}
	if offset == 0 && s.Check != nil {
		br := bufio.NewReaderSize(src, max(s.CheckLen, 16))
		head, err := br.Peek(s.CheckLen)
		if len(head) > 0 || err == nil {
			media, err := s.Check(ctx, head)
			if err != nil {
				// A refused upload leaves nothing behind.
				_ = u.Terminate(ctx)
				return 0, err
			}
			rec.Media = media
		}
		src = br
	}
	stream, err := agecrypt.ResumeStream(ctx, s.keys, rec.Info.MetaData["org_id"], rec.Header, rec.Stream)
	if err != nil {
		return 0, fmt.Errorf("tusd: upload %s: %w", rec.Info.ID, err)
	}
	h, err := rec.hash()
	if err != nil {
		return 0, err
	}
	// A part that breaks off ends where it broke: what arrived is kept.
	body := &untilError{r: src}
	enc := agecrypt.NewReader(body, stream, h, false)
	_, err = s.staging.Append(ctx, rec.Info.ID, rec.Staged, enc)
	enc.Close()
	if opname.KindOf(err) == opname.Conflict {
		// Other bytes than before where a part was never answered: the
		// upload cannot go on without using a chunk's nonce for other
		// bytes, so it goes.
		_ = u.Terminate(context.WithoutCancel(ctx))
		if s.Answer != nil {
			return 0, s.Answer(ctx, err)
		}
		return 0, err
	}
	if err != nil {
		// Nothing of this part counts: the state is as before it.
		return 0, err
	}
	n := enc.N()
	if rec.Stream, err = stream.State(); err != nil {
		return 0, err
	}
	if rec.SHA256, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
		return 0, err
	}
	rec.Info.Offset += n
	rec.Staged = stream.Written()
	if err := u.save(context.WithoutCancel(ctx)); err != nil {
		return 0, err
	}
	return n, body.err
}

// untilError ends at its reader's first error, and keeps it.
type untilError struct {
	r   io.Reader
	err error
}

func (u *untilError) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, io.EOF
	}
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		u.err, err = err, io.EOF
	}
	return n, err
}

// Rewrap returns an upload's state with its file key wrapped under the
// organisation's newest key, and whether that changed anything. An upload
// of another organisation is left as it is.
func Rewrap(ctx context.Context, keys opname.Keyring, orgID string, state []byte) ([]byte, bool, error) {
	var rec record
	if err := json.Unmarshal(state, &rec); err != nil {
		return nil, false, fmt.Errorf("tusd: upload state: %w", err)
	}
	if rec.Info.MetaData["org_id"] != orgID {
		return state, false, nil
	}
	h, err := agecrypt.Refresh(ctx, keys, orgID, rec.Header)
	if err != nil {
		return nil, false, fmt.Errorf("tusd: upload %s: %w", rec.Info.ID, err)
	}
	if bytes.Equal(h, rec.Header) {
		return state, false, nil
	}
	rec.Header = h
	b, err := json.Marshal(rec)
	return b, err == nil, err
}
