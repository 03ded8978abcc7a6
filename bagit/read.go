package bagit

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Problem is one thing wrong with a bag: the file it is about (a path in
// the zip) and what, as a code with details a person can read.
type Problem struct {
	File string `json:"file"`
	// Code is one of the Problem codes below; Detail says more (the
	// expected and found hash, the line, …) and may be empty.
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// Problem codes.
const (
	// NoDeclaration: bagit.txt is missing or does not declare BagIt 1.0.
	NoDeclaration = "declaration"
	// NoManifest: manifest-sha256.txt or tagmanifest-sha256.txt is missing.
	NoManifest = "no_manifest"
	// BadLine: a manifest line is not "SHA-256  path" (Detail: line
	// number and text).
	BadLine = "bad_line"
	// Missing: a manifest lists the file, the zip does not hold it.
	Missing = "missing"
	// Changed: the file's SHA-256 is not the manifest's (Detail: both).
	Changed = "changed"
	// NotListed: the zip holds a file no manifest lists.
	NotListed = "not_listed"
	// Unsafe: a file name in the zip or a manifest is absolute, has ..,
	// a backslash or a control character; it is not read.
	Unsafe = "unsafe_path"
	// Twice: the zip or a manifest holds the same name twice.
	Twice = "twice"
	// Unreadable: the file's bytes cannot be read from the zip.
	Unreadable = "unreadable"
	// Oxum: bag-info.txt's Payload-Oxum is not the payload's size and
	// number of files (Detail: both).
	Oxum = "payload_oxum"
	// BadInfo: a line of bag-info.txt is not "Label: value".
	BadInfo = "bad_info"
)

func (p Problem) String() string {
	if p.Detail == "" {
		return p.File + ": " + p.Code
	}
	return p.File + ": " + p.Code + ": " + p.Detail
}

// Bag is a zipped bag opened for reading.
type Bag struct {
	// Info is bag-info.txt's lines, in order (nil when it is unreadable).
	Info  []Field
	files map[string]*zip.File
	twice []string
}

// ErrNotZip is what Open returns for something that is not a zip file.
var ErrNotZip = errors.New("bagit: not a zip file")

// Open reads a zip's directory. It fails only when r is not a zip; what
// is wrong inside is for Verify.
func Open(r io.ReaderAt, size int64) (*Bag, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %w", ErrNotZip, err)
	}
	b := &Bag{files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 {
			continue // a directory entry
		}
		if _, ok := b.files[f.Name]; ok {
			b.twice = append(b.twice, f.Name)
			continue
		}
		b.files[f.Name] = f
	}
	if f, ok := b.files[InfoFile]; ok && CheckName(f.Name) == nil {
		b.Info, _ = readInfo(f)
	}
	return b, nil
}

// Value is the first value of label in bag-info.txt, or "".
func (b *Bag) Value(label string) string {
	for _, f := range b.Info {
		if strings.EqualFold(f.Label, label) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether the zip holds a file of that name (with a safe name).
func (b *Bag) Has(name string) bool {
	f, ok := b.files[name]
	return ok && CheckName(f.Name) == nil
}

// Files lists the safe names of the files the zip holds, in order.
func (b *Bag) Files() []string {
	var out []string
	for _, name := range sortedKeys(b.files) {
		if CheckName(name) == nil {
			out = append(out, name)
		}
	}
	return out
}

// Open opens one file of the bag for reading. Only files with safe
// names open; Verify checks their bytes.
func (b *Bag) Open(name string) (io.ReadCloser, error) {
	f, ok := b.files[name]
	if !ok || CheckName(name) != nil {
		return nil, fmt.Errorf("bagit: %s: not in the bag", name)
	}
	return open(f)
}

// open reads a file's bytes. A stored entry is read raw: its SHA-256
// against the manifest says more than the zip's CRC-32 would.
func open(f *zip.File) (io.ReadCloser, error) {
	if f.Method == zip.Store {
		r, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		return io.NopCloser(r), nil
	}
	return f.Open()
}

// Verify checks the bag: bagit.txt, every line of both manifests against
// the file it names, files no manifest lists, unsafe names, names held
// twice, and the Payload-Oxum. It reads every file once; it returns every
// problem found, in a stable order, or none.
func (b *Bag) Verify() []Problem {
	var ps []Problem
	add := func(file, code, format string, args ...any) {
		ps = append(ps, Problem{File: file, Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	for _, name := range b.twice {
		add(name, Twice, "")
	}
	for _, name := range sortedKeys(b.files) {
		if err := CheckName(name); err != nil {
			add(name, Unsafe, "")
		}
	}
	if data, err := b.small(Declaration); err != nil || !validDeclaration(data) {
		add(Declaration, NoDeclaration, "")
	}
	listed := map[string]bool{}
	check := func(manifest string, payload bool) {
		lines, problems := b.manifest(manifest)
		ps = append(ps, problems...)
		for _, l := range lines {
			if listed[l.name] {
				add(manifest, Twice, "%s", l.name)
				continue
			}
			listed[l.name] = true
			if err := CheckName(l.name); err != nil {
				add(manifest, Unsafe, "%s", l.name)
				continue
			}
			inData := strings.HasPrefix(l.name, PayloadDir)
			if inData != payload {
				add(manifest, BadLine, "%s is not a %s file", l.name, map[bool]string{true: "payload", false: "tag"}[payload])
				continue
			}
			f, ok := b.files[l.name]
			if !ok {
				add(l.name, Missing, "listed in %s", manifest)
				continue
			}
			sum, err := hashOf(f)
			switch {
			case err != nil:
				add(l.name, Unreadable, "%v", err)
			case sum != l.sum:
				add(l.name, Changed, "SHA-256 %s, %s says %s", sum, manifest, l.sum)
			}
		}
	}
	check(Manifest, true)
	check(TagManifest, false)
	var oxBytes int64
	var oxFiles int
	for _, name := range sortedKeys(b.files) {
		if CheckName(name) != nil {
			continue
		}
		if strings.HasPrefix(name, PayloadDir) {
			oxBytes += int64(b.files[name].UncompressedSize64)
			oxFiles++
		}
		if !listed[name] && name != TagManifest {
			add(name, NotListed, "")
		}
	}
	if b.Has(InfoFile) {
		if _, err := readInfo(b.files[InfoFile]); err != nil {
			add(InfoFile, BadInfo, "%v", err)
		}
		if v := b.Value("Payload-Oxum"); v != "" {
			n, f, ok := parseOxum(v)
			switch {
			case !ok:
				add(InfoFile, BadInfo, "Payload-Oxum %q is not BYTES.FILES", v)
			case n != oxBytes || f != oxFiles:
				add(InfoFile, Oxum, "Payload-Oxum %s, the payload has %d bytes in %d files", v, oxBytes, oxFiles)
			}
		}
	}
	return ps
}

func validDeclaration(data []byte) bool {
	s := strings.ReplaceAll(strings.TrimPrefix(string(data), "\ufeff"), "\r\n", "\n")
	return strings.Contains(s, "BagIt-Version: "+Version+"\n") && strings.Contains(s, "Tag-File-Character-Encoding: UTF-8")
}

// manifest reads a manifest's lines; bad lines are problems.
func (b *Bag) manifest(name string) ([]line, []Problem) {
	f, ok := b.files[name]
	if !ok {
		return nil, []Problem{{File: name, Code: NoManifest}}
	}
	r, err := open(f)
	if err != nil {
		return nil, []Problem{{File: name, Code: Unreadable, Detail: err.Error()}}
	}
	defer r.Close()
	var lines []line
	var ps []Problem
	sc := bufio.NewScanner(io.LimitReader(r, maxTagFile))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		sum, rest, ok := strings.Cut(text, " ")
		p := strings.TrimLeft(rest, " \t")
		if !ok || p == "" || len(sum) != 64 || strings.ToLower(sum) != sum {
			ps = append(ps, Problem{File: name, Code: BadLine, Detail: fmt.Sprintf("line %d: %q", n, shorten(text))})
			continue
		}
		if _, err := hex.DecodeString(sum); err != nil {
			ps = append(ps, Problem{File: name, Code: BadLine, Detail: fmt.Sprintf("line %d: %q", n, shorten(text))})
			continue
		}
		lines = append(lines, line{sum, decodePath(p)})
	}
	if err := sc.Err(); err != nil {
		ps = append(ps, Problem{File: name, Code: Unreadable, Detail: err.Error()})
	}
	return lines, ps
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// small reads a tag file of at most maxTagFile bytes.
func (b *Bag) small(name string) ([]byte, error) {
	f, ok := b.files[name]
	if !ok {
		return nil, fmt.Errorf("bagit: %s: not in the bag", name)
	}
	return readSmall(f)
}

func readSmall(f *zip.File) ([]byte, error) {
	r, err := open(f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxTagFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTagFile {
		return nil, fmt.Errorf("larger than %d bytes", maxTagFile)
	}
	return data, nil
}

// readInfo reads bag-info.txt: "Label: value" lines, a value continued on
// lines that start with a space or tab.
func readInfo(f *zip.File) ([]Field, error) {
	data, err := readSmall(f)
	if err != nil {
		return nil, err
	}
	var out []Field
	for n, l := range strings.Split(strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n") {
		if n >= maxInfoLines {
			return out, errors.New("too many lines")
		}
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(l)
			continue
		}
		label, value, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(label) == "" {
			return out, fmt.Errorf("line %d: %q is not Label: value", n+1, shorten(l))
		}
		out = append(out, Field{Label: strings.TrimSpace(label), Value: strings.TrimSpace(value)})
	}
	return out, nil
}

// hashOf is the SHA-256 of a file's bytes.
func hashOf(f *zip.File) (string, error) {
	r, err := open(f)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
