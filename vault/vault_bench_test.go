package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localblob"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/vault"
)

// BenchmarkIngest measures a whole upload on local disk — hash, check,
// encrypt, store durably, register and log — against SHA-256 alone over
// the same file, in the same run: Go's SHA-256 and the sha256sum command.
// Target: ingest at 50% of sha256sum's throughput or better, with the
// heap growing by less than 64 MiB whatever the size. The file is 256 MiB;
// OPNAME_BENCH_MIB=1024 makes it 1 GiB.
//
//	OPNAME_BENCH_MIB=1024 go test ./vault -run '^$' -bench Ingest -benchtime 3x
func BenchmarkIngest(b *testing.B) {
	mib := 256
	if v, err := strconv.Atoi(os.Getenv("OPNAME_BENCH_MIB")); err == nil && v > 0 {
		mib = v
	}
	size := int64(mib) << 20
	dir := b.TempDir()
	file := filepath.Join(dir, "gesprek.wav")
	writeWAV(b, file, size)

	b.Run("sha256sum", func(b *testing.B) {
		if _, err := exec.LookPath("sha256sum"); err != nil {
			b.Skip("no sha256sum")
		}
		b.SetBytes(size)
		for b.Loop() {
			if out, err := exec.Command("sha256sum", file).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	})
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, _ := os.Open(file)
			h := sha256.New()
			io.Copy(h, f)
			f.Close()
		}
	})
	b.Run("ingest", func(b *testing.B) {
		v, ctx, clientID := benchVault(b, filepath.Join(dir, "vault"))
		b.SetBytes(size)
		var peak uint64
		for b.Loop() {
			f, err := os.Open(file)
			if err != nil {
				b.Fatal(err)
			}
			stop := sampleHeap(&peak)
			_, err = v.Ingest(ctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: f})
			stop()
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "heap-growth-MiB")
	})
}

// BenchmarkRangeRead measures a 1 MiB Range read from the middle of a
// stored recording: open, decrypt the chunks it needs, read. Target: under
// 50 ms for a 1 GiB recording. OPNAME_BENCH_MIB sets the size (default 256).
func BenchmarkRangeRead(b *testing.B) {
	mib := 256
	if v, err := strconv.Atoi(os.Getenv("OPNAME_BENCH_MIB")); err == nil && v > 0 {
		mib = v
	}
	size := int64(mib) << 20
	dir := b.TempDir()
	file := filepath.Join(dir, "gesprek.wav")
	writeWAV(b, file, size)
	v, ctx, clientID := benchVault(b, filepath.Join(dir, "vault"))
	f, _ := os.Open(file)
	rec, err := v.Ingest(ctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: f})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		o, err := v.Open(ctx, rec.ID, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := o.Content.ReadAt(buf, size/2); err != nil {
			b.Fatal(err)
		}
		o.Close()
	}
}

// sampleHeap records, until stop is called, how far the live heap grew
// above where it was at the start.
func sampleHeap(peak *uint64) (stop func()) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > *peak {
				*peak = ms.HeapInuse - base
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// benchVault is a vault on local disk with SQLite, an organisation and a
// client, and a context for its system actor.
func benchVault(tb testing.TB, dir string) (*vault.Vault, context.Context, string) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	db, err := sqldb.Open(filepath.Join(dir, "opname.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	sys := opname.WithActor(ctx, opname.System("bench"))
	org := &opname.Organisation{Slug: "bench", Name: "Bench", Policy: opname.PolicyVersion{Name: "ombudsman", Digest: "sha256:0", Shipped: "ombudsman", Text: "x"}}
	if err := db.CreateOrganisation(sys, org); err != nil {
		tb.Fatal(err)
	}
	a := opname.System("bench")
	a.OrgID = org.ID
	octx := opname.WithActor(ctx, a)
	c := &opname.Client{Name: "Bench"}
	if err := db.CreateClient(octx, c); err != nil {
		tb.Fatal(err)
	}
	blobs, _ := localblob.Open(filepath.Join(dir, "blobs"))
	keys, _ := localkeys.Open(filepath.Join(dir, "keys"))
	return &vault.Vault{Blobs: blobs, Sealer: agecrypt.Sealer{Keys: keys}, Store: db, MaxSize: 1 << 40}, octx, c.ID
}

// writeWAV writes a WAV file of size bytes of random samples.
func writeWAV(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.Write(wavHeader(int(size - 44)))
	if _, err := io.CopyN(f, rand.Reader, size-44); err != nil {
		b.Fatal(err)
	}
}

func wavHeader(n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	return b.Bytes()
}
