// Package bagit writes and checks BagIt 1.0 bags (RFC 8493) packed as one
// zip file: a payload under data/, listed with its SHA-256 in
// manifest-sha256.txt, and tag files (bagit.txt, bag-info.txt, the
// manifest and anything else at the top) listed in tagmanifest-sha256.txt.
//
// A Writer streams: each file is copied from an io.Reader into its zip
// entry and hashed on the way, never held whole, so a bag of recordings
// of several GiB is made with the memory of a copy buffer. A Bag checks a
// zip read at random (io.ReaderAt) and reports every problem it finds,
// each naming the file and what is wrong with it.
package bagit

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is the BagIt version this package writes and reads.
const Version = "1.0"

// The files every bag holds besides its payload.
const (
	Declaration  = "bagit.txt"
	InfoFile     = "bag-info.txt"
	Manifest     = "manifest-sha256.txt"
	TagManifest  = "tagmanifest-sha256.txt"
	PayloadDir   = "data/"
	declaration  = "BagIt-Version: " + Version + "\nTag-File-Character-Encoding: UTF-8\n"
	copyBuffer   = 64 << 10
	maxTagFile   = 16 << 20
	maxInfoLines = 10000
)

// Field is one line of bag-info.txt: a label and its value.
type Field struct {
	Label, Value string
}

// Writer writes a bag as a zip to an io.Writer, file by file.
type Writer struct {
	zw       *zip.Writer
	date     time.Time
	payload  []line // manifest lines, in the order written
	tags     []line // tag files other than the tag manifest
	names    map[string]bool
	oxBytes  int64
	oxFiles  int
	closed   bool
	failed   error
	copyBuff []byte
}

type line struct {
	sum, name string
}

// NewWriter starts a bag on w; date is its Bagging-Date and the time
// of every zip entry (so that one bag made twice is the same bytes).
func NewWriter(w io.Writer, date time.Time) (*Writer, error) {
	bw := &Writer{zw: zip.NewWriter(w), date: date.UTC(), names: map[string]bool{}, copyBuff: make([]byte, copyBuffer)}
	if err := bw.tag(Declaration, strings.NewReader(declaration)); err != nil {
		return nil, err
	}
	return bw, nil
}

// Add writes a payload file, data/name, from r: the bytes go from r into
// the zip entry through a fixed copy buffer and are hashed on the way.
// compress deflates them (text); media, already compressed, is stored.
// It returns the number of bytes written.
func (w *Writer) Add(name string, r io.Reader, compress bool) (int64, error) {
	if err := CheckName(name); err != nil {
		return 0, err
	}
	sum, n, err := w.write(PayloadDir+name, r, compress)
	if err != nil {
		return n, err
	}
	w.payload = append(w.payload, line{sum, PayloadDir + name})
	w.oxBytes += n
	w.oxFiles++
	return n, nil
}

// AddTag writes a tag file outside data/ (a README, say); it is listed in
// the tag manifest.
func (w *Writer) AddTag(name string, r io.Reader) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, PayloadDir) || name == Declaration || name == InfoFile || name == Manifest || name == TagManifest || strings.HasPrefix(name, "manifest-") || strings.HasPrefix(name, "tagmanifest-") {
		return fmt.Errorf("bagit: %q is not a name for a tag file of one's own", name)
	}
	return w.tag(name, r)
}

func (w *Writer) tag(name string, r io.Reader) error {
	sum, _, err := w.write(name, r, true)
	if err != nil {
		return err
	}
	w.tags = append(w.tags, line{sum, name})
	return nil
}

// write copies r into a new zip entry while hashing it.
func (w *Writer) write(name string, r io.Reader, compress bool) (string, int64, error) {
	switch {
	case w.failed != nil:
		return "", 0, w.failed
	case w.closed:
		return "", 0, errors.New("bagit: the bag is closed")
	case w.names[name]:
		return "", 0, fmt.Errorf("bagit: %s is in the bag already", name)
	}
	w.names[name] = true
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	e, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: w.date})
	if err != nil {
		w.failed = fmt.Errorf("bagit: %s: %w", name, err)
		return "", 0, w.failed
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(e, h), onlyReader{r}, w.copyBuff)
	if err != nil {
		// A half-written entry cannot be taken back: the bag is broken.
		w.failed = fmt.Errorf("bagit: %s: %w", name, err)
		return "", n, w.failed
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// onlyReader hides a reader's WriterTo, so that io.CopyBuffer uses the
// writer's fixed buffer rather than whatever the reader would allocate.
type onlyReader struct{ io.Reader }

// Close writes the manifest, bag-info.txt with info and the Payload-Oxum
// and Bagging-Date, and the tag manifest, and ends the zip. It does not
// close the underlying writer.
func (w *Writer) Close(info []Field) error {
	if w.failed != nil {
		return w.failed
	}
	if w.closed {
		return nil
	}
	var b strings.Builder
	for _, f := range info {
		if err := checkField(f); err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s: %s\n", f.Label, f.Value)
	}
	fmt.Fprintf(&b, "Bagging-Date: %s\n", w.date.Format("2006-01-02"))
	fmt.Fprintf(&b, "Payload-Oxum: %d.%d\n", w.oxBytes, w.oxFiles)
	if err := w.tag(Manifest, strings.NewReader(manifestText(w.payload))); err != nil {
		return err
	}
	if err := w.tag(InfoFile, strings.NewReader(b.String())); err != nil {
		return err
	}
	if _, _, err := w.write(TagManifest, strings.NewReader(manifestText(w.tags)), true); err != nil {
		return err
	}
	w.closed = true
	return w.zw.Close()
}

func manifestText(lines []line) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s  %s\n", l.sum, encodePath(l.name))
	}
	return b.String()
}

// checkField refuses a bag-info line that would not read back as written.
func checkField(f Field) error {
	switch {
	case f.Label == "" || strings.ContainsAny(f.Label, ":\r\n") || strings.TrimSpace(f.Label) != f.Label:
		return fmt.Errorf("bagit: bag-info label %q: a word or words without a colon or line break", f.Label)
	case strings.ContainsAny(f.Value, "\r\n") || !utf8.ValidString(f.Value):
		return fmt.Errorf("bagit: bag-info %s: value %q is not one line of UTF-8", f.Label, f.Value)
	case f.Label == "Payload-Oxum" || f.Label == "Bagging-Date":
		return fmt.Errorf("bagit: bag-info %s is written by the bag itself", f.Label)
	}
	return nil
}

// CheckName refuses a file name that is not a plain relative path inside
// the bag: empty, absolute, with . or .. segments, a backslash, a drive
// letter, control characters or invalid UTF-8.
func CheckName(name string) error {
	bad := func(why string) error { return fmt.Errorf("bagit: file name %q: %s", name, why) }
	switch {
	case name == "":
		return bad("empty")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.HasPrefix(name, "/"):
		return bad("absolute")
	case strings.Contains(name, `\`):
		return bad("has a backslash")
	case len(name) > 1 && name[1] == ':':
		return bad("has a drive letter")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return bad("has a control character")
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("has an empty, . or .. part")
		}
	}
	if path.Clean(name) != name {
		return bad("is not clean")
	}
	return nil
}

// encodePath writes a manifest path as RFC 8493 asks: %, CR and LF
// percent-encoded.
func encodePath(p string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(p)
}

// decodePath reads a manifest path back.
func decodePath(p string) string {
	return strings.NewReplacer("%25", "%", "%0D", "\r", "%0d", "\r", "%0A", "\n", "%0a", "\n").Replace(p)
}

// parseOxum reads a Payload-Oxum, "bytes.files".
func parseOxum(s string) (bytes int64, files int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), ".")
	if !found {
		return 0, 0, false
	}
	n, err1 := strconv.ParseInt(a, 10, 64)
	f, err2 := strconv.Atoi(b)
	return n, f, err1 == nil && err2 == nil && n >= 0 && f >= 0
}

// sortedKeys is m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
