package localkeys

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/opname/opname"
)

// Secrets is the server's secret box (opname.SecretBox): AES-256-GCM
// under the key in server.key in the keys folder, made on first use as an
// organisation's key is. Servers that share the keys folder share it.
// The file's name cannot be an organisation's (those end in .kek).
type Secrets struct{ k *Keyring }

// Secrets returns the keyring's secret box.
func (k *Keyring) Secrets() *Secrets { return &Secrets{k} }

func (s *Secrets) key() ([]byte, error) {
	path := filepath.Join(s.k.dir, "server.key")
	for range 2 {
		key, err := os.ReadFile(path)
		if err == nil {
			if len(key) != 32 {
				return nil, fmt.Errorf("localkeys: %s is damaged", path)
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("localkeys: %w", err)
		}
		key, err = s.k.createKey(path)
		if !errors.Is(err, fs.ErrExist) {
			return key, err
		}
	}
	return nil, fmt.Errorf("localkeys: %s cannot be read", path)
}

// Seal encrypts a secret for a purpose.
func (s *Secrets) Seal(purpose string, secret []byte) (string, error) {
	key, err := s.key()
	if err != nil {
		return "", err
	}
	aead, err := gcm(key)
	if err != nil {
		return "", fmt.Errorf("localkeys: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("localkeys: %w", err)
	}
	return opname.SealedPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, secret, []byte(purpose))), nil
}

// Open decrypts a sealed secret for the same purpose. Its error never
// holds the secret.
func (s *Secrets) Open(purpose, sealed string) ([]byte, error) {
	b64, ok := strings.CutPrefix(sealed, opname.SealedPrefix)
	if !ok {
		return nil, errors.New("localkeys: not a sealed secret")
	}
	b, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("localkeys: the sealed secret is damaged")
	}
	key, err := s.key()
	if err != nil {
		return nil, err
	}
	plain, err := open(key, b, []byte(purpose))
	if err != nil {
		return nil, fmt.Errorf("localkeys: the sealed secret for %s does not open with this server's key", purpose)
	}
	return plain, nil
}
