package agecrypt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localkeys"
)

// TestReader encrypts through a Reader, which hashes alongside, and
// checks the payload, the hash, and that a source's error is passed on.
func TestReader(t *testing.T) {
	ctx := context.Background()
	keys, err := localkeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 5<<20+99)
	rand.Read(data)
	h := sha256.New()
	header, payload, err := agecrypt.Sealer{Keys: keys}.EncryptReader(ctx, "orga", bytes.NewReader(data), h)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := io.ReadAll(payload)
	payload.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Sum(nil), sha256.Sum256(data); !bytes.Equal(got, want[:]) {
		t.Fatal("the hash is of other bytes")
	}
	r, n, err := agecrypt.Decrypt(ctx, keys, "orga", header, bytes.NewReader(enc), int64(len(enc)))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(io.NewSectionReader(r, 0, n)); !bytes.Equal(got, data) {
		t.Fatal("decrypted other bytes")
	}
	broke := errors.New("the connection broke")
	_, payload, _ = agecrypt.Sealer{Keys: keys}.EncryptReader(ctx, "orga", io.MultiReader(bytes.NewReader(data[:3<<20]), iotestErr{broke}), sha256.New())
	if _, err := io.ReadAll(payload); !errors.Is(err, broke) {
		t.Fatalf("read = %v, want the source's error", err)
	}
	payload.Close()
	// A request body cut short says io.ErrUnexpectedEOF: that is a
	// source's error too, not its end.
	_, payload, _ = agecrypt.Sealer{Keys: keys}.EncryptReader(ctx, "orga", io.MultiReader(bytes.NewReader(data[:3000]), iotestErr{io.ErrUnexpectedEOF}), sha256.New())
	if _, err := io.ReadAll(payload); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read of a body cut short = %v, want io.ErrUnexpectedEOF", err)
	}
	payload.Close()
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }
