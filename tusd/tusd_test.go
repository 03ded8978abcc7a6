package tusd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/blobtest"
	"github.com/opname/opname/localblob"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/s3blob"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/tusd"
	"github.com/tus/tusd/v2/pkg/handler"
)

// env is what a store stands on: a database, a blob folder and the keys.
type env struct {
	db    *sqldb.DB
	blobs blobtest.Stager
	keys  *localkeys.Keyring
	dir   string
}

func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	dir := t.TempDir()
	if dsn == "" {
		dsn = filepath.Join(dir, "opname.db")
	}
	e := &env{dir: dir}
	var err error
	if e.db, err = sqldb.Open(dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	if err := e.db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.blobs, err = localblob.Open(filepath.Join(dir, "blobs")); err != nil {
		t.Fatal(err)
	}
	if dsn != filepath.Join(dir, "opname.db") {
		// On PostgreSQL, as several servers run: on S3.
		base := os.Getenv("OPNAME_TEST_BLOB_URL")
		if base == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
			}
			t.Skip("OPNAME_TEST_BLOB_URL is not set")
		}
		if e.blobs, err = s3blob.Open(context.Background(), fmt.Sprintf("%s/tusd-%d", base, time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	if e.keys, err = localkeys.Open(filepath.Join(dir, "keys")); err != nil {
		t.Fatal(err)
	}
	return e
}

// store is a server's store: a new one is a restarted server.
func (e *env) store() *tusd.Store { return tusd.Open(e.db, e.blobs, e.keys) }

var meta = handler.MetaData{"org_id": "orga", "user_id": "u1"}

// decrypt reads a finished upload back through the ordinary decryption.
func (e *env) decrypt(t testing.TB, f *tusd.Finished) []byte {
	t.Helper()
	blob, err := e.blobs.Open(context.Background(), f.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	defer blob.Close()
	r, n, err := agecrypt.Decrypt(context.Background(), e.keys, "orga", f.Header, blob, f.PayloadSize)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, n))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPartsAcrossRestarts writes an upload in parts through new stores, as
// across server restarts, once after a part that was staged but never
// answered (a crash in the middle of a PATCH), checks the SHA-256 of what
// arrived each time and that nothing staged holds plaintext, then finishes
// it and reads it back.
func TestPartsAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	want := func(n int) string { s := sha256.Sum256(data[:n]); return hex.EncodeToString(s[:]) }

	u, err := e.store().NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := u.GetInfo(ctx)
	id := info.ID
	staged := filepath.Join(e.dir, "blobs", ".staging", id)
	cuts := []int{0, 1 << 20, 2 << 20, 2<<20 + 5, len(data)}
	for i := 1; i < len(cuts); i++ {
		s := e.store()
		if i == 3 {
			// A crash after the ciphertext of a part was staged and
			// before its state was saved: the bytes are there,
			// unanswered, and the part is sent again.
			e.unanswered(t, id, int64(cuts[i-1]), data[cuts[i-1]:cuts[i]+100000])
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
		b, _ := os.ReadFile(staged)
		if bytes.Contains(b, data[cuts[i]-64:cuts[i]]) || bytes.Contains(b, data[cuts[i-1]:cuts[i-1]+64]) {
			t.Fatalf("chunk %d: plaintext staged", i)
		}
	}
	s := e.store()
	f, err := s.Finish(ctx, id, "orga/finished")
	if err != nil {
		t.Fatal(err)
	}
	if f.SHA256 != want(len(data)) || f.Size != int64(len(data)) || f.PayloadSize != agecrypt.PayloadSize(int64(len(data))) {
		t.Fatalf("finished = %+v", f)
	}
	if got := e.decrypt(t, f); !bytes.Equal(got, data) {
		t.Fatal("the recording decrypts to other bytes")
	}
	if err := s.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if b, err := e.blobs.Open(ctx, f.BlobKey); err != nil {
		t.Fatalf("the recording's blob went with its upload: %v", err)
	} else {
		b.Close()
	}
	if left, _ := os.ReadDir(filepath.Join(e.dir, "blobs", ".staging")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Fatalf("still listed: %+v", list)
	}
}

// unanswered writes part at off and then puts the upload's state back
// as it was: a part staged, then a crash before its answer.
func (e *env) unanswered(t *testing.T, id string, off int64, part []byte) {
	t.Helper()
	ctx := context.Background()
	before, _, err := e.db.Upload(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store().GetUpload(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.WriteChunk(ctx, off, bytes.NewReader(part)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SaveUpload(ctx, id, before); err != nil {
		t.Fatal(err)
	}
}

// TestOtherBytesAfterACrash checks that a part sent again with other bytes
// than the unanswered one before it is refused, and the upload removed:
// its chunks would be encrypted under nonces used for other bytes.
func TestOtherBytesAfterACrash(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	data := make([]byte, 1<<20)
	rand.Read(data)
	s := e.store()
	u, _ := s.NewUpload(ctx, handler.FileInfo{Size: 2 << 20, MetaData: meta})
	info, _ := u.GetInfo(ctx)
	if _, err := u.WriteChunk(ctx, 0, bytes.NewReader(data[:300000])); err != nil {
		t.Fatal(err)
	}
	e.unanswered(t, info.ID, 300000, data[300000:])
	other := bytes.Clone(data[300000:])
	other[500000] ^= 1
	u, _ = s.GetUpload(ctx, info.ID)
	if _, err := u.WriteChunk(ctx, 300000, bytes.NewReader(other)); opname.KindOf(err) != opname.Conflict {
		t.Fatalf("write of other bytes = %v, want Conflict", err)
	}
	if _, err := s.GetUpload(ctx, info.ID); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("the upload is still there: %v", err)
	}
}

// TestCheckRefusesAndRemoves checks that an upload whose first bytes are
// refused is gone, and that Expire removes stale uploads only.
func TestCheckRefusesAndRemoves(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	s := e.store()
	refused := errors.New("not audio or video")
	s.CheckLen = 4
	s.Check = func(_ context.Context, head []byte) (string, error) {
		if !bytes.Equal(head, []byte("RIFF")) {
			return "", refused
		}
		return "audio/wav", nil
	}
	u, _ := s.NewUpload(ctx, handler.FileInfo{Size: 100, MetaData: meta})
	info, _ := u.GetInfo(ctx)
	if _, err := u.WriteChunk(ctx, 0, bytes.NewReader([]byte("%PDF-1.7 and more"))); !errors.Is(err, refused) {
		t.Fatalf("write = %v, want refused", err)
	}
	if _, err := s.GetUpload(ctx, info.ID); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("refused upload still there: %v", err)
	}

	e.db.Now = func() time.Time { return time.Now().Add(-100 * time.Hour) }
	old, _ := s.NewUpload(ctx, handler.FileInfo{Size: 100, MetaData: meta})
	oldInfo, _ := old.GetInfo(ctx)
	if _, err := old.WriteChunk(ctx, 0, bytes.NewReader([]byte("RIFF...."))); err != nil {
		t.Fatal(err)
	}
	e.db.Now = time.Now
	fresh, _ := s.NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true, MetaData: meta})
	freshInfo, _ := fresh.GetInfo(ctx)
	n, err := s.Expire(ctx, time.Now().Add(-72*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].Info.ID != freshInfo.ID {
		t.Fatalf("left: %+v", list)
	}
	if _, err := s.GetUpload(ctx, oldInfo.ID); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("expired upload still there: %v", err)
	}
	if _, err := s.GetUpload(ctx, "../../etc/passwd"); !errors.Is(err, handler.ErrNotFound) {
		t.Fatalf("a path as id: %v", err)
	}
}

// TestTwoServers starts an upload on one server and continues and
// finishes it on another on the same PostgreSQL database and S3 bucket,
// after the first died while it staged a part;
// while one server holds the upload's lock, the other waits for it.
func TestTwoServers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sqldbtest.PostgresURL(t))
	a, b := e.store(), e.store()
	data := make([]byte, 7<<20+300)
	rand.Read(data)
	u, err := a.NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := u.GetInfo(ctx)
	if _, err := u.WriteChunk(ctx, 0, bytes.NewReader(data[:6<<20])); err != nil {
		t.Fatal(err)
	}

	// The first server dies while it stages the next part.
	e.unanswered(t, info.ID, 6<<20, data[6<<20:6<<20+700000])

	unlock, err := a.Lock(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	if _, err := b.Lock(short, info.ID); err == nil {
		t.Fatal("the other server took a held lock")
	}
	cancel()
	unlock()
	// A request of the same server that holds the lock is asked to let
	// go, as tusd's own locks do.
	locker := a.Composer().Locker
	first, _ := locker.NewLock(info.ID)
	asked := make(chan struct{}, 1)
	if err := first.Lock(ctx, func() { asked <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	second, _ := locker.NewLock(info.ID)
	short, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	if err := second.Lock(short, func() {}); !errors.Is(err, handler.ErrLockTimeout) {
		t.Fatalf("second lock = %v, want a timeout", err)
	}
	cancel()
	select {
	case <-asked:
	default:
		t.Fatal("the holder was not asked to let go")
	}
	first.Unlock()

	unlock, err = b.Lock(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	ub, err := b.GetUpload(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ub.GetInfo(ctx); got.Offset != 6<<20 {
		t.Fatalf("the other server sees offset %d", got.Offset)
	}
	if _, err := ub.WriteChunk(ctx, 6<<20, bytes.NewReader(data[6<<20:])); err != nil {
		t.Fatal(err)
	}
	f, err := b.Finish(ctx, info.ID, "orga/two")
	unlock()
	if err != nil {
		t.Fatal(err)
	}
	if got := e.decrypt(t, f); !bytes.Equal(got, data) {
		t.Fatal("the recording decrypts to other bytes")
	}
	if err := b.Remove(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
}

// TestFinishAgainAfterACrash finishes an upload, then puts its state back
// as it was before: a crash after the staged ciphertext became the blob
// and before the state said so. Every part was answered, so the
// recording must not be lost: finishing again, into another blob, gives
// the same recording. On SQLite with the blob folder, and on PostgreSQL
// with S3.
func TestFinishAgainAfterACrash(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := tc.dsn
			if dsn != "" {
				dsn = sqldbtest.PostgresURL(t)
			}
			e := newEnv(t, dsn)
			data := make([]byte, 200000)
			rand.Read(data)
			s := e.store()
			u, err := s.NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
			if err != nil {
				t.Fatal(err)
			}
			info, _ := u.GetInfo(ctx)
			if _, err := u.WriteChunk(ctx, 0, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			before, _, err := e.db.Upload(ctx, info.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Finish(ctx, info.ID, "orga/first"); err != nil {
				t.Fatal(err)
			}
			if err := e.db.SaveUpload(ctx, info.ID, before); err != nil {
				t.Fatal(err)
			}
			f, err := e.store().Finish(ctx, info.ID, "orga/second")
			if err != nil {
				t.Fatalf("finish again after a crash: %v", err)
			}
			if got := e.decrypt(t, f); !bytes.Equal(got, data) {
				t.Fatal("the recording decrypts to other bytes")
			}
		})
	}
}

// TestOtherBytesAfterAShortResend resends the first bytes of a part that
// was staged and never answered (a crash), the same bytes but fewer, so
// that no chunk is sealed; then other bytes than the unanswered part's
// follow. The unanswered part had sealed the chunk they fall in under its
// counter: sealing other bytes under that counter would put two
// plaintexts under one nonce at rest, so the write is refused and the
// upload removed. A shorter resend of the same bytes followed by the same
// bytes still goes on. On the blob folder and on S3.
func TestOtherBytesAfterAShortResend(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := tc.dsn
			if dsn != "" {
				dsn = sqldbtest.PostgresURL(t)
			}
			e := newEnv(t, dsn)
			const chunk = agecrypt.ChunkSize
			data := make([]byte, 4*chunk)
			rand.Read(data)
			start := func() string {
				u, err := e.store().NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
				if err != nil {
					t.Fatal(err)
				}
				info, _ := u.GetInfo(ctx)
				if _, err := u.WriteChunk(ctx, 0, bytes.NewReader(data[:chunk+100])); err != nil {
					t.Fatal(err)
				}
				// The unanswered part seals the second chunk.
				e.unanswered(t, info.ID, chunk+100, data[chunk+100:2*chunk+50])
				u, _ = e.store().GetUpload(ctx, info.ID)
				if _, err := u.WriteChunk(ctx, chunk+100, bytes.NewReader(data[chunk+100:chunk+200])); err != nil {
					t.Fatalf("a shorter resend of the same bytes: %v", err)
				}
				return info.ID
			}

			id := start()
			other := bytes.Clone(data[chunk+200 : 3*chunk])
			other[10] ^= 1
			u, _ := e.store().GetUpload(ctx, id)
			if _, err := u.WriteChunk(ctx, chunk+200, bytes.NewReader(other)); opname.KindOf(err) != opname.Conflict {
				t.Fatalf("other bytes under the sealed chunk's counter = %v, want Conflict", err)
			}
			if _, err := e.store().GetUpload(ctx, id); !errors.Is(err, handler.ErrNotFound) {
				t.Fatalf("the upload is still there: %v", err)
			}

			id = start()
			u, _ = e.store().GetUpload(ctx, id)
			if _, err := u.WriteChunk(ctx, chunk+200, bytes.NewReader(data[chunk+200:])); err != nil {
				t.Fatalf("the same bytes after a shorter resend: %v", err)
			}
			f, err := e.store().Finish(ctx, id, "orga/short-resend")
			if err != nil {
				t.Fatal(err)
			}
			if got := e.decrypt(t, f); !bytes.Equal(got, data) {
				t.Fatal("the recording decrypts to other bytes")
			}
		})
	}
}
