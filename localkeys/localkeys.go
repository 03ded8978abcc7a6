// Package localkeys keeps each organisation's key-encryption keys in files
// of their own (mode 0600) in a local folder, created on first use, and
// wraps file keys with them using AES-256-GCM.
//
// Keys have versions. The first is the file ORG.kek (version 0, the only
// key before rotation existed); a rotation adds ORG.N.kek with the next
// number. The newest key on disk wraps; a wrapped key names the version
// that wrapped it, so Unwrap takes the right file while a rotation is
// under way and several servers share the folder. A wrapped key made before
// versions existed has no version and opens with version 0. An old version
// is destroyed (Destroy) only when nothing is wrapped with it any more.
package localkeys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// Dir is the keyring's folder.
func (k *Keyring) Dir() string { return k.dir }

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

// path is the file of a version of the organisation's key.
func (k *Keyring) path(orgID string, version int) string {
	if version == 0 {
		return filepath.Join(k.dir, orgID+".kek")
	}
	return filepath.Join(k.dir, orgID+"."+strconv.Itoa(version)+".kek")
}

// Versions lists the versions of the organisation's key on disk, oldest
// first; the last one wraps.
func (k *Keyring) Versions(orgID string) ([]int, error) {
	if !validID(orgID) {
		return nil, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	var vs []int
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), orgID+".")
		if !ok {
			continue
		}
		if name == "kek" {
			vs = append(vs, 0)
			continue
		}
		n, ok := strings.CutSuffix(name, ".kek")
		if v, err := strconv.Atoi(n); ok && err == nil && v > 0 && strconv.Itoa(v) == n {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs, nil
}

// Current is the version of the organisation's key that wraps, -1 when it
// has none yet.
func (k *Keyring) Current(ctx context.Context, orgID string) (int, error) {
	vs, err := k.Versions(orgID)
	if err != nil || len(vs) == 0 {
		return -1, err
	}
	return vs[len(vs)-1], nil
}

// read returns a version of the organisation's key.
func (k *Keyring) read(orgID string, version int) ([]byte, error) {
	if !validID(orgID) {
		return nil, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	path := k.path(orgID, version)
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("localkeys: %s is damaged", path)
	}
	return key, nil
}

// create writes a new random key as the given version. It returns
// fs.ErrExist when that version is there already (another process made
// it first).
func (k *Keyring) create(orgID string, version int) ([]byte, error) {
	return k.createKey(k.path(orgID, version))
}

// createKey writes a new random key as path; fs.ErrExist when it is there.
func (k *Keyring) createKey(path string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	// Link, not rename: another process that made the key first wins.
	if err := k.write(path, key, os.Link); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("localkeys: %s: %w", path, fs.ErrExist)
		}
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	return key, nil
}

// write puts b durably in the folder as path (mode 0600): a temporary
// file, synced, then placed by place (os.Link or os.Rename), then the
// folder synced.
func (k *Keyring) write(path string, b []byte, place func(old, new string) error) error {
	tmp, err := os.CreateTemp(k.dir, ".kek-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := place(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(k.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("localkeys: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("localkeys: %w", err)
	}
	return nil
}

// current returns the newest key and its version, creating version 0 when
// the organisation has no key yet.
func (k *Keyring) current(orgID string) ([]byte, int, error) {
	vs, err := k.Versions(orgID)
	if err != nil {
		return nil, 0, err
	}
	if len(vs) > 0 {
		v := vs[len(vs)-1]
		key, err := k.read(orgID, v)
		return key, v, err
	}
	key, err := k.create(orgID, 0)
	if errors.Is(err, fs.ErrExist) {
		return k.current(orgID)
	}
	return key, 0, err
}

// NewVersion makes the next version of the organisation's key, which
// wraps from then on in every process sharing the folder, and returns its
// number. It is a Conflict-like error (fs.ErrExist) when another process
// made that version at the same moment.
func (k *Keyring) NewVersion(ctx context.Context, orgID string) (int, error) {
	v, err := k.Current(ctx, orgID)
	if err != nil {
		return 0, err
	}
	if _, err := k.create(orgID, v+1); err != nil {
		return 0, err
	}
	return v + 1, nil
}

// Destroy removes a version of the organisation's key for good, unless it
// is the newest: what it wrapped no longer opens. The caller MUST have
// re-wrapped everything it wrapped first. The folder is synced, so the
// removal survives a crash.
func (k *Keyring) Destroy(ctx context.Context, orgID string, version int) error {
	cur, err := k.Current(ctx, orgID)
	if err != nil {
		return err
	}
	if version >= cur {
		return fmt.Errorf("localkeys: version %d of %s's key is the newest; it is not destroyed", version, orgID)
	}
	if err := os.Remove(k.path(orgID, version)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localkeys: %w", err)
	}
	return syncDir(k.dir)
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// A versioned wrapped key is magic, the version (4 bytes, big-endian),
// the nonce and the sealed file key. A wrapped key without the magic, or
// that does not open as versioned, is one from before versions: nonce and
// sealed file key under version 0, the organisation's id as additional
// data.
var magic = []byte("okv\x01")

// additional binds the organisation and the version into the seal.
func additional(orgID string, version int) []byte {
	return []byte(orgID + "\x00v" + strconv.Itoa(version))
}

// Wrap encrypts a file key with the newest version of the organisation's
// key, the organisation's id and the version bound in as additional data.
func (k *Keyring) Wrap(ctx context.Context, orgID string, fileKey []byte) ([]byte, error) {
	key, version, err := k.current(orgID)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	out := make([]byte, len(magic)+4+aead.NonceSize(), len(magic)+4+aead.NonceSize()+len(fileKey)+aead.Overhead())
	copy(out, magic)
	binary.BigEndian.PutUint32(out[len(magic):], uint32(version))
	nonce := out[len(magic)+4:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	return aead.Seal(out, nonce, fileKey, additional(orgID, version)), nil
}

// Unwrap decrypts a wrapped file key with the version of the
// organisation's key that wrapped it.
func (k *Keyring) Unwrap(ctx context.Context, orgID string, wrapped []byte) ([]byte, error) {
	plain, _, err := k.unwrap(orgID, wrapped)
	return plain, err
}

// WrappedVersion reports which version of the organisation's key wrapped a
// wrapped key, opening it to be sure.
func (k *Keyring) WrappedVersion(ctx context.Context, orgID string, wrapped []byte) (int, error) {
	_, v, err := k.unwrap(orgID, wrapped)
	return v, err
}

var errNoOpen = errors.New("localkeys: the wrapped key does not open with this organisation's key")

func (k *Keyring) unwrap(orgID string, wrapped []byte) ([]byte, int, error) {
	if !validID(orgID) {
		return nil, 0, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	h := len(magic) + 4
	if len(wrapped) > h && bytes.HasPrefix(wrapped, magic) {
		version := int(binary.BigEndian.Uint32(wrapped[len(magic):]))
		key, err := k.read(orgID, version)
		if err == nil {
			plain, err := open(key, wrapped[h:], additional(orgID, version))
			if err == nil {
				return plain, version, nil
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, 0, err
		}
	}
	// From before versions: version 0, the organisation's id bound in.
	key, err := k.read(orgID, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, errNoOpen
	}
	if err != nil {
		return nil, 0, err
	}
	plain, err := open(key, wrapped, []byte(orgID))
	if err != nil {
		return nil, 0, errNoOpen
	}
	return plain, 0, nil
}

func open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errNoOpen
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ad)
}

// ErrRotating is LockRotation's answer while another process rotates the
// organisation's key.
var ErrRotating = errors.New("localkeys: another rotation of this organisation's key is running")

// Rotation is how far a rotation of an organisation's key got: which
// version it re-wraps to, the last recording id of the last batch
// committed, and how many it re-wrapped. It is kept next to the keys, so
// that a rotation that was interrupted resumes where it stood.
type Rotation struct {
	To    int    `json:"to"`
	After string `json:"after"`
	Done  int    `json:"done"`
}

func (k *Keyring) rotationPath(orgID string) string {
	return filepath.Join(k.dir, orgID+".rotation")
}

// Rotation returns the organisation's rotation under way; ok is false when
// none was recorded.
func (k *Keyring) Rotation(orgID string) (r Rotation, ok bool, err error) {
	if !validID(orgID) {
		return r, false, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	b, err := os.ReadFile(k.rotationPath(orgID))
	if errors.Is(err, fs.ErrNotExist) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("localkeys: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, fmt.Errorf("localkeys: %s is damaged: %w", k.rotationPath(orgID), err)
	}
	return r, true, nil
}

// SaveRotation records how far the organisation's rotation got. It MUST
// NOT return before the record is durable.
func (k *Keyring) SaveRotation(orgID string, r Rotation) error {
	if !validID(orgID) {
		return fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := k.write(k.rotationPath(orgID), b, os.Rename); err != nil {
		return fmt.Errorf("localkeys: %w", err)
	}
	return nil
}

// EndRotation removes the record of the organisation's rotation.
func (k *Keyring) EndRotation(orgID string) error {
	if !validID(orgID) {
		return fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	if err := os.Remove(k.rotationPath(orgID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localkeys: %w", err)
	}
	return syncDir(k.dir)
}
