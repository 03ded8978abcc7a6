package agecrypt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localkeys"
)

// TestStreamInParts encrypts plaintext in parts of odd sizes, resuming the
// stream from its state before each part, and checks that the result is an
// age file the ordinary decryption reads, of the size PayloadSize says.
func TestStreamInParts(t *testing.T) {
	ctx := context.Background()
	keys, err := localkeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 100, agecrypt.ChunkSize, agecrypt.ChunkSize + 1, 3 * agecrypt.ChunkSize, 3<<20 + 17} {
		data := make([]byte, size)
		rand.Read(data)
		s, err := agecrypt.NewStream(ctx, keys, "orga")
		if err != nil {
			t.Fatal(err)
		}
		header := s.Header()
		var payload []byte
		for off, part := 0, 1; off < size; part = part*3 + 7 {
			end := min(off+part, size)
			payload = s.Write(payload, data[off:end])
			if got, want := int64(len(payload)), s.Written(); got != want {
				t.Fatalf("size %d: written %d, stream says %d", size, got, want)
			}
			st, err := s.State()
			if err != nil {
				t.Fatal(err)
			}
			if end-off > 16 && bytes.Contains(st, data[end-16:end]) {
				t.Fatalf("size %d: plaintext in the state", size)
			}
			if s, err = agecrypt.ResumeStream(ctx, keys, "orga", header, st); err != nil {
				t.Fatal(err)
			}
			if got := s.Plaintext(); got != int64(end) {
				t.Fatalf("size %d: resumed at %d, want %d", size, got, end)
			}
			off = end
		}
		payload = s.Close(payload)
		if got, want := int64(len(payload)), agecrypt.PayloadSize(int64(size)); got != want {
			t.Fatalf("size %d: payload %d, PayloadSize %d", size, got, want)
		}
		r, n, err := agecrypt.Decrypt(ctx, keys, "orga", header, bytes.NewReader(payload), int64(len(payload)))
		if err != nil || n != int64(size) {
			t.Fatalf("size %d: Decrypt = %d, %v", size, n, err)
		}
		got, err := io.ReadAll(io.NewSectionReader(r, 0, n))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: decrypted other bytes (%v)", size, err)
		}
	}
	if _, err := agecrypt.ResumeStream(ctx, keys, "orgb", nil, make([]byte, 25)); err == nil {
		t.Fatal("resumed without a header")
	}
}
