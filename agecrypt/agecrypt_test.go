package agecrypt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localkeys"
)

// seal encrypts data for an organisation and splits header and payload.
func seal(t testing.TB, keys opname.Keyring, orgID string, data []byte) (header, payload []byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := agecrypt.Encrypt(context.Background(), keys, orgID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := agecrypt.SplitHeader(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()[:n], buf.Bytes()[n:]
}

func TestSealAndRandomAccess(t *testing.T) {
	dir := t.TempDir()
	keys, err := localkeys.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 5<<20+123)
	rand.Read(data)
	header, payload := seal(t, keys, "orga", data)
	if len(header) > 512 || bytes.Contains(payload[:64], []byte("opname-kek")) {
		t.Fatalf("the header (%d bytes) is not apart from the payload", len(header))
	}
	if st, err := os.Stat(filepath.Join(dir, "orga.kek")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	r, size, err := agecrypt.Decrypt(context.Background(), keys, "orga", header, bytes.NewReader(payload), int64(len(payload)))
	if err != nil || size != int64(len(data)) {
		t.Fatalf("Decrypt = %d, %v", size, err)
	}
	for _, off := range []int64{0, 65535, 65536, 2<<20 + 7, int64(len(data)) - 1<<20} {
		got := make([]byte, 1<<20)
		n, err := r.ReadAt(got, off)
		if err != nil && err != io.EOF || !bytes.Equal(got[:n], data[off:off+int64(n)]) {
			t.Fatalf("ReadAt(%d) = %d, %v; other bytes", off, n, err)
		}
	}

	// A flipped byte in the payload is detected, not returned.
	bad := bytes.Clone(payload)
	bad[3<<20] ^= 1
	r2, _, err := agecrypt.Decrypt(context.Background(), keys, "orga", header, bytes.NewReader(bad), int64(len(bad)))
	if err == nil {
		buf := make([]byte, 1<<20)
		_, err = r2.ReadAt(buf, 3<<20-100)
	}
	if err == nil {
		t.Fatal("a flipped byte was not detected")
	}

	// Another organisation's key does not open it.
	if _, _, err := agecrypt.Decrypt(context.Background(), keys, "orgb", header, bytes.NewReader(payload), int64(len(payload))); err == nil {
		t.Fatal("another organisation opened the recording")
	}
	// Without the header (crypto-erasure), the payload is useless.
	if _, _, err := agecrypt.Decrypt(context.Background(), keys, "orga", []byte("age-encryption.org/v1\n--- AAAA\n"), bytes.NewReader(payload), int64(len(payload))); err == nil {
		t.Fatal("the payload opened without its header")
	}
	// Without the organisation's key file, nothing opens.
	os.Remove(filepath.Join(dir, "orga.kek"))
	if _, _, err := agecrypt.Decrypt(context.Background(), keys, "orga", header, bytes.NewReader(payload), int64(len(payload))); err == nil {
		t.Fatal("the recording opened without the key-encryption key")
	}
}

// BenchmarkEncrypt measures sealing throughput (report MB/s).
//
//	go test ./agecrypt -run '^$' -bench Encrypt
func BenchmarkEncrypt(b *testing.B) {
	keys, _ := localkeys.Open(b.TempDir())
	data := make([]byte, 64<<20)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := agecrypt.Encrypt(context.Background(), keys, "orga", io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		w.Close()
	}
}

// BenchmarkRangeRead measures a 1 MiB read from the middle of a 256 MiB
// recording.
func BenchmarkRangeRead(b *testing.B) {
	keys, _ := localkeys.Open(b.TempDir())
	data := make([]byte, 256<<20)
	rand.Read(data)
	header, payload := seal(b, keys, "orga", data)
	r, _, err := agecrypt.Decrypt(context.Background(), keys, "orga", header, bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(1 << 20)
	for b.Loop() {
		if _, err := r.ReadAt(buf, 128<<20+12345); err != nil {
			b.Fatal(err)
		}
	}
}
