// Package localkeys keeps each organisation's key-encryption key in a file
// of its own (mode 0600) in a local folder, created on first use, and wraps
// file keys with it using AES-256-GCM.
package localkeys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Keyring is a folder of key-encryption keys.
type Keyring struct {
	dir string
	mu  sync.Mutex // serialises key creation within the process
}

// Open returns the keyring in dir, creating the folder (mode 0700).
func Open(dir string) (*Keyring, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	return &Keyring{dir: dir}, nil
}

// validID reports whether id is 1 to 64 characters a-z and 0-9.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// kek returns the organisation's key, creating it when create is true.
func (k *Keyring) kek(orgID string, create bool) ([]byte, error) {
	if !validID(orgID) {
		return nil, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	path := filepath.Join(k.dir, orgID+".kek")
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, fmt.Errorf("localkeys: %s is damaged", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || !create {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, err := os.ReadFile(path); err == nil && len(key) == 32 {
		return key, nil
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	tmp, err := os.CreateTemp(k.dir, ".kek-*")
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if _, err := tmp.Write(key); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	tmp.Close()
	// Link: another process that made the key first wins, and we use its.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return k.kek(orgID, false)
		}
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if d, err := os.Open(k.dir); err == nil {
		d.Sync()
		d.Close()
	}
	return key, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Wrap encrypts a file key with the organisation's key, the organisation's
// id bound in as additional data.
func (k *Keyring) Wrap(ctx context.Context, orgID string, fileKey []byte) ([]byte, error) {
	key, err := k.kek(orgID, true)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	return aead.Seal(nonce, nonce, fileKey, []byte(orgID)), nil
}

// Unwrap decrypts a wrapped file key.
func (k *Keyring) Unwrap(ctx context.Context, orgID string, wrapped []byte) ([]byte, error) {
	key, err := k.kek(orgID, false)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if len(wrapped) < aead.NonceSize() {
		return nil, errors.New("localkeys: the wrapped key is too short")
	}
	plain, err := aead.Open(nil, wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():], []byte(orgID))
	if err != nil {
		return nil, errors.New("localkeys: the wrapped key does not open with this organisation's key")
	}
	return plain, nil
}
