package backup

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/opname/opname"
)

// WrongIdentity is a keys archive that none of the identities opens.
type WrongIdentity struct{ Path string }

func (e *WrongIdentity) Error() string {
	return fmt.Sprintf("%s does not open with the identity given: it was encrypted to another recipient", e.Path)
}

// OpenKeys decrypts the backup's key-encryption keys: file name → bytes.
func OpenKeys(dir string, identities ...age.Identity) (map[string][]byte, error) {
	p := filepath.Join(dir, KeysName)
	f, err := os.Open(p)
	if err != nil {
		return nil, &Damaged{Path: p, Reason: "cannot read it: " + err.Error()}
	}
	defer f.Close()
	r, err := age.Decrypt(f, identities...)
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return nil, &WrongIdentity{Path: p}
	}
	if err != nil {
		return nil, &Damaged{Path: p, Reason: "it does not decrypt: " + err.Error()}
	}
	keys := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &Damaged{Path: p, Reason: "it does not decrypt: " + err.Error()}
		}
		if h.Typeflag != tar.TypeReg || !validPath(h.Name) || hidden(h.Name) || h.Size > 1<<20 {
			return nil, &Damaged{Path: p, Reason: fmt.Sprintf("it holds %q, which is not a key", h.Name)}
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, &Damaged{Path: p, Reason: "it does not decrypt: " + err.Error()}
		}
		keys[h.Name] = b
	}
	return keys, nil
}

// hidden reports whether a segment of the path p starts with a dot.
func hidden(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// CheckEmpty refuses a data folder that holds anything; a missing one is
// fine.
func CheckEmpty(data string) error {
	entries, err := os.ReadDir(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("data folder %s: cannot read it", data), Err: err}
	}
	if len(entries) > 0 {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("data folder %s is not empty (it holds %s): restore only into an empty or new folder", data, entries[0].Name())}
	}
	return nil
}

// Restore writes the backup in dir into the empty data folder data: the
// database (when the backup holds it), the keys and the local recordings,
// each file checked against the manifest again as it is copied. When it
// fails, it removes what it wrote.
func Restore(dir string, m *Manifest, keys map[string][]byte, data string) (err error) {
	if err := CheckEmpty(data); err != nil {
		return err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("data folder %s: cannot create it", data), Err: err}
	}
	defer func() {
		if err != nil {
			entries, _ := os.ReadDir(data)
			for _, e := range entries {
				os.RemoveAll(filepath.Join(data, e.Name()))
			}
		}
	}()
	keysDir := filepath.Join(data, "keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	for name, b := range keys {
		p := filepath.Join(keysDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("backup: restore: %w", err)
		}
		if err := writeFile(p, b); err != nil {
			return fmt.Errorf("backup: restore %s: %w", name, err)
		}
	}
	for _, f := range m.Files {
		var dst string
		switch {
		case f.Path == DatabaseName:
			dst = filepath.Join(data, DatabaseName)
		case strings.HasPrefix(f.Path, RecordingsDir+"/"):
			dst = filepath.Join(data, filepath.FromSlash(f.Path))
		default:
			continue // the keys, restored above
		}
		if err := copyChecked(filepath.Join(dir, filepath.FromSlash(f.Path)), dst, f); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(data, RecordingsDir), 0o700); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	// Durable at once, not file by file (see Finish).
	if err := syncFiles(data); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	if err := syncDirs(data); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	return nil
}

func writeFile(p string, b []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// copyChecked copies src to dst (Restore syncs them all) and fails with *Damaged when the
// bytes are not the ones f lists.
func copyChecked(src, dst string, f File) error {
	in, err := os.Open(src)
	if err != nil {
		return &Damaged{Path: src, Reason: "cannot read it: " + err.Error()}
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err = errors.Join(err, out.Close()); err != nil {
		return fmt.Errorf("backup: restore %s: %w", f.Path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Size || sum != f.SHA256 {
		return &Damaged{Path: src, Reason: fmt.Sprintf("its SHA-256 is %s (%d bytes); the manifest says %s (%d bytes)", sum, n, f.SHA256, f.Size)}
	}
	return nil
}
