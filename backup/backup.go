// Package backup writes and reads opname's backups: a folder per backup,
// named by its UTC time, holding a snapshot of the database, the
// key-encryption keys encrypted to an age recipient, the local recordings'
// encrypted bytes and a manifest with the SHA-256 of every file.
//
//	DEST/20261203T170501Z/manifest.json
//	DEST/20261203T170501Z/opname.db          (SQLite only)
//	DEST/20261203T170501Z/keys.tar.age       (age-encrypted tar of DATA/keys)
//	DEST/20261203T170501Z/recordings/KEY     (local recordings only)
//
// Recordings' blobs never change once written, so a blob that an earlier
// backup in the same DEST holds is hard-linked from there instead of
// copied: every backup folder is complete on its own and can be deleted
// on its own, and only new blobs take time and space.
package backup

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/opname/opname"
)

// Names of the files in a backup folder.
const (
	ManifestName  = "manifest.json"
	DatabaseName  = "opname.db"
	KeysName      = "keys.tar.age"
	RecordingsDir = "recordings"
)

// Format is the manifest's format version.
const Format = 1

// Manifest says what a backup holds.
type Manifest struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Database is "sqlite" or "postgres"; DatabaseIncluded says whether
	// the backup holds it (a PostgreSQL database is backed up with its
	// own tools).
	Database         string `json:"database"`
	DatabaseIncluded bool   `json:"database_included"`
	SchemaVersion    int    `json:"schema_version"`
	// Blobs is where the recordings' encrypted bytes are: "local" (copied
	// into the backup) or the s3:// URL of the bucket (listed in Objects).
	Blobs string `json:"blobs"`
	// Files are the backup's files, their paths relative to its folder
	// with "/" between segments.
	Files []File `json:"files"`
	// Objects are the recordings' objects in S3, as they were when the
	// backup was made.
	Objects []Object `json:"objects,omitempty"`
	// ErasedDuring are recordings that the database snapshot holds but
	// that were erased, their bytes removed, before the backup copied
	// them: erase them again after a restore.
	ErasedDuring []Recording `json:"erased_during,omitempty"`
}

// File is one file of a backup.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Object is one recording's object in S3.
type Object struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	ETag string `json:"etag"`
	// Recording and SHA256 name the recording and the SHA-256 of its
	// plaintext, which opname fixity checks after decrypting.
	Recording string `json:"recording"`
	SHA256    string `json:"sha256"`
}

// Recording names a recording.
type Recording struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
}

// Damaged is a backup file that is missing or whose bytes are not the ones
// the manifest lists.
type Damaged struct {
	Path   string // in the file system
	Reason string
}

func (d *Damaged) Error() string { return fmt.Sprintf("%s: %s", d.Path, d.Reason) }

// ReadManifest reads the manifest of the backup in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s holds no backup: it has no %s", dir, ManifestName)}
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &Damaged{Path: filepath.Join(dir, ManifestName), Reason: "it is not a manifest opname can read: " + err.Error()}
	}
	if m.Format != Format {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s: manifest format %d; this opname reads format %d", filepath.Join(dir, ManifestName), m.Format, Format)}
	}
	for _, f := range m.Files {
		if !validPath(f.Path) {
			return nil, &Damaged{Path: filepath.Join(dir, ManifestName), Reason: fmt.Sprintf("it lists a file %q outside the backup", f.Path)}
		}
	}
	return &m, nil
}

// validPath reports whether p is a relative path inside a backup folder.
func validPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && path.Clean(p) == p && p != "." && !strings.HasPrefix(p, "../") && p != ".." && !strings.Contains(p, "\\")
}

// Find returns the backup folder src names: src itself when it holds a
// manifest, or else the newest backup in it.
func Find(src string) (string, error) {
	if _, err := os.Stat(filepath.Join(src, ManifestName)); err == nil {
		return src, nil
	}
	name, err := latest(src, "")
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s holds no backup", src)}
	}
	return filepath.Join(src, name), nil
}

// latest returns the name of the newest complete backup in dest other than
// except, or "".
func latest(dest, except string) (string, error) {
	entries, err := os.ReadDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == except {
			continue
		}
		if _, err := os.Stat(filepath.Join(dest, e.Name(), ManifestName)); err == nil {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	sort.Slice(names, func(i, j int) bool { return older(names[i], names[j]) })
	return names[len(names)-1], nil
}

// older orders backups' names: by time, then by the number a second
// backup within the same second has after its time ("…Z-2" before "…Z-10").
func older(a, b string) bool {
	at, an, _ := strings.Cut(a, "-")
	bt, bn, _ := strings.Cut(b, "-")
	if at != bt {
		return at < bt
	}
	if len(an) != len(bn) {
		return len(an) < len(bn)
	}
	return an < bn
}

// Check reads every file the manifest lists and compares its size and
// SHA-256; the first that differs is a *Damaged naming it.
func Check(dir string, m *Manifest) error {
	for _, f := range m.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		sum, n, err := hashFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return &Damaged{Path: p, Reason: "it is missing"}
		}
		if err != nil {
			return &Damaged{Path: p, Reason: "cannot read it: " + err.Error()}
		}
		if n != f.Size || sum != f.SHA256 {
			return &Damaged{Path: p, Reason: fmt.Sprintf("its SHA-256 is %s (%d bytes); the manifest says %s (%d bytes)", sum, n, f.SHA256, f.Size)}
		}
	}
	return nil
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// Writer makes one backup: it writes into a hidden folder in DEST and
// gives it its name only when Finish has written the manifest, so an
// interrupted backup never looks complete.
type Writer struct {
	dest, name, dir string
	prev            string          // the newest earlier backup's folder, or ""
	prevFiles       map[string]File // its files by path
	files           map[string]File // this backup's files by path
	linked, copied  int             // blobs
}

// Create starts a backup in dest named by now (UTC, to the second).
func Create(dest string, now time.Time) (*Writer, error) {
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("backup folder %s: cannot create it", dest), Err: err}
	}
	name := now.UTC().Format("20060102T150405Z")
	for i := 2; ; i++ {
		if _, err := os.Stat(filepath.Join(dest, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", now.UTC().Format("20060102T150405Z"), i)
	}
	dir, err := os.MkdirTemp(dest, "."+name+".partial-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	w := &Writer{dest: dest, name: name, dir: dir, files: map[string]File{}, prevFiles: map[string]File{}}
	prev, err := latest(dest, "")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if prev != "" {
		w.prev = filepath.Join(dest, prev)
		// An earlier manifest that cannot be read only means no blob is
		// linked from there.
		if m, err := ReadManifest(w.prev); err == nil {
			for _, f := range m.Files {
				w.prevFiles[f.Path] = f
			}
		}
	}
	return w, nil
}

// Path is where the file named rel (a path with "/") goes in the backup
// being written, for a writer that makes it itself (the database
// snapshot); Add then records it.
func (w *Writer) Path(rel string) string { return filepath.Join(w.dir, filepath.FromSlash(rel)) }

// Add records the file rel that is already in place, with its hash.
func (w *Writer) Add(rel string) error {
	sum, n, err := hashFile(w.Path(rel))
	if err != nil {
		return fmt.Errorf("backup: %s: %w", rel, err)
	}
	w.files[rel] = File{Path: rel, Size: n, SHA256: sum}
	return nil
}

// Write writes the file rel from r and records its hash. Finish makes it
// durable, with every other file, before it writes the manifest.
func (w *Writer) Write(rel string, r io.Reader) error {
	p := w.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: write %s: %w", rel, err)
	}
	w.files[rel] = File{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	return nil
}

// Blob puts the local recording blob key, whose file is src, into the
// backup: a hard link to the earlier backup's copy when that has the blob
// at the same size (blobs never change), else a copy.
func (w *Writer) Blob(key, src string) error {
	rel := RecordingsDir + "/" + key
	if !validPath(rel) {
		return fmt.Errorf("backup: blob key %q is not valid", key)
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if f, ok := w.prevFiles[rel]; ok && w.prev != "" && f.Size == st.Size() {
		p := w.Path(rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.Link(filepath.Join(w.prev, filepath.FromSlash(rel)), p); err == nil {
			w.files[rel] = f
			w.linked++
			return nil
		}
		// Another file system, or no hard links there: copy.
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := w.Write(rel, in); err != nil {
		return err
	}
	w.copied++
	return nil
}

// Blobs returns how many blobs were linked from the earlier backup and
// how many copied.
func (w *Writer) Blobs() (linked, copied int) { return w.linked, w.copied }

// ReadKeys reads the key-encryption keys in the folder keysDir and below
// it: path (with "/") → bytes. Hidden files are keys being made (localkeys
// links them into place under their own name) and are left out.
func ReadKeys(keysDir string) (map[string][]byte, error) {
	keys := map[string][]byte{}
	err := filepath.WalkDir(keysDir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == keysDir {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != keysDir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(keysDir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		keys[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backup: keys: %w", err)
	}
	return keys, nil
}

// Keys writes keys (as ReadKeys gives them) as a tar archive encrypted to
// the recipients.
func (w *Writer) Keys(keys map[string][]byte, recipients ...age.Recipient) error {
	var buf bytes.Buffer
	enc, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return fmt.Errorf("backup: keys: %w", err)
	}
	tw := tar.NewWriter(enc)
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b := keys[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("backup: keys: %w", err)
		}
		if _, err := tw.Write(b); err != nil {
			return fmt.Errorf("backup: keys: %w", err)
		}
	}
	if err := errors.Join(tw.Close(), enc.Close()); err != nil {
		return fmt.Errorf("backup: keys: %w", err)
	}
	return w.Write(KeysName, &buf)
}

// Finish writes the manifest (its Files are the ones written), syncs the
// folder and gives it its name. It returns the backup's folder.
func (w *Writer) Finish(m *Manifest) (string, error) {
	m.Format = Format
	m.Files = m.Files[:0]
	for _, f := range w.files {
		m.Files = append(m.Files, f)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", fmt.Errorf("backup: manifest: %w", err)
	}
	// The files are made durable at once, not one by one: a sync per
	// file waited for the disk a few thousand times.
	if err := syncFiles(w.dir); err != nil {
		return "", fmt.Errorf("backup: finish: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(w.dir, ManifestName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("backup: manifest: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDirs(w.dir)
	}
	if err == nil {
		err = os.Rename(w.dir, filepath.Join(w.dest, w.name))
	}
	if err == nil {
		err = syncDir(w.dest)
	}
	if err != nil {
		return "", fmt.Errorf("backup: finish: %w", err)
	}
	return filepath.Join(w.dest, w.name), nil
}

// Abort removes what an unfinished backup wrote.
func (w *Writer) Abort() { os.RemoveAll(w.dir) }

// syncDirs syncs every folder under root, root included, so that the
// files' names are durable.
func syncDirs(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return syncDir(p)
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ManifestSHA256 is the SHA-256 of the backup's manifest, which names the
// hashes of all its other files: kept apart from the backup, it shows
// that the manifest was not rewritten.
func ManifestSHA256(dir string) (string, error) {
	sum, _, err := hashFile(filepath.Join(dir, ManifestName))
	return sum, err
}
