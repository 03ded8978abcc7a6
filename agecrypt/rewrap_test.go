package agecrypt_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localkeys"
)

func open(t *testing.T, keys *localkeys.Keyring, orgID string, header, payload []byte) ([]byte, error) {
	t.Helper()
	r, size, err := agecrypt.Decrypt(context.Background(), keys, orgID, header, bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.NewSectionReader(r, 0, size))
}

func TestRewrapKeepsPayloadReadable(t *testing.T) {
	ctx := context.Background()
	keys, err := localkeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 200 << 10} {
		data := make([]byte, n)
		rand.Read(data)
		header, payload := seal(t, keys, "orga", data)
		if v, err := agecrypt.HeaderVersion(ctx, keys, "orga", header); err != nil {
			t.Fatal(err)
		} else if same, err := agecrypt.Refresh(ctx, keys, "orga", header); err != nil || !bytes.Equal(same, header) {
			t.Fatalf("Refresh of a header under the current version %d changed it (%v)", v, err)
		}
		to, err := keys.NewVersion(ctx, "orga")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agecrypt.Rewrap(ctx, keys, "orgb", header); err == nil {
			t.Fatal("another organisation re-wrapped the header")
		}
		rewrapped, err := agecrypt.Refresh(ctx, keys, "orga", header)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := agecrypt.HeaderVersion(ctx, keys, "orga", rewrapped); err != nil || v != to {
			t.Fatalf("HeaderVersion after Rewrap = %d, %v; want %d", v, err, to)
		}
		if err := keys.Destroy(ctx, "orga", to-1); err != nil {
			t.Fatal(err)
		}
		if got, err := open(t, keys, "orga", rewrapped, payload); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: the payload under the re-wrapped header: %v, equal %v", n, err, bytes.Equal(got, data))
		}
		if _, err := open(t, keys, "orga", header, payload); err == nil {
			t.Fatal("the old header opened after its key version was destroyed")
		}
		if _, err := open(t, keys, "orgb", rewrapped, payload); err == nil {
			t.Fatal("another organisation opened the re-wrapped header")
		}
		// A changed byte in the re-wrapped header fails its MAC.
		bad := bytes.Clone(rewrapped)
		bad[len(bad)-3] ^= 1
		if _, err := open(t, keys, "orga", bad, payload); err == nil {
			t.Fatal("a damaged re-wrapped header opened")
		}
	}
}

// A header made before keys had versions opens, and re-wraps into a
// versioned one.
func TestRewrapUnversioned(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys, err := localkeys.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a conversation from before key versions")
	header, payload := seal(t, legacyKeyring{keys: keys, dir: dir}, "orga", data)
	if got, err := open(t, keys, "orga", header, payload); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("unversioned header: %q, %v", got, err)
	}
	if v, err := agecrypt.HeaderVersion(ctx, keys, "orga", header); err != nil || v != 0 {
		t.Fatalf("HeaderVersion = %d, %v; want 0", v, err)
	}
	if _, err := keys.NewVersion(ctx, "orga"); err != nil {
		t.Fatal(err)
	}
	rewrapped, err := agecrypt.Rewrap(ctx, keys, "orga", header)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Destroy(ctx, "orga", 0); err != nil {
		t.Fatal(err)
	}
	if got, err := open(t, keys, "orga", rewrapped, payload); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("re-wrapped header: %q, %v", got, err)
	}
}

// legacyKeyring wraps as localkeys did before keys had versions: nonce and
// sealed key under ORG.kek, the organisation's id as additional data.
type legacyKeyring struct {
	keys *localkeys.Keyring
	dir  string
}

func (l legacyKeyring) Wrap(ctx context.Context, orgID string, fileKey []byte) ([]byte, error) {
	if _, err := l.keys.Wrap(ctx, orgID, fileKey); err != nil { // makes ORG.kek
		return nil, err
	}
	key, err := os.ReadFile(filepath.Join(l.dir, orgID+".kek"))
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, fileKey, []byte(orgID)), nil
}

func (l legacyKeyring) Unwrap(ctx context.Context, orgID string, wrapped []byte) ([]byte, error) {
	return l.keys.Unwrap(ctx, orgID, wrapped)
}
