package bagit

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

var day = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// makeBag writes a small bag: two payload files (one stored, one
// deflated) and a README.
func makeBag(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add("recordings/a.webm", strings.NewReader("media bytes, stored as they are"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add("requests/r1.json", strings.NewReader(`{"outcome":"allowed"}`), true); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTag("README.txt", strings.NewReader("check it\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close([]Field{{"Source-Organization", "Veilig Thuis"}, {"External-Identifier", "D-1"}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verify(t *testing.T, data []byte) []Problem {
	t.Helper()
	b, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return b.Verify()
}

func TestWriteVerify(t *testing.T) {
	data := makeBag(t)
	if ps := verify(t, data); len(ps) != 0 {
		t.Fatalf("problems in a good bag: %v", ps)
	}
	b, _ := Open(bytes.NewReader(data), int64(len(data)))
	if got, want := b.Value("Payload-Oxum"), "52.2"; got != want {
		t.Errorf("Payload-Oxum = %q, want %q", got, want)
	}
	if got, want := b.Value("Bagging-Date"), "2026-03-02"; got != want {
		t.Errorf("Bagging-Date = %q, want %q", got, want)
	}
	want := []string{"README.txt", "bag-info.txt", "bagit.txt", "data/recordings/a.webm", "data/requests/r1.json", "manifest-sha256.txt", "tagmanifest-sha256.txt"}
	if got := b.Files(); !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if again := makeBag(t); !bytes.Equal(again, data) {
		t.Error("the same bag made twice differs")
	}
}

// rezip copies a bag's zip, letting change alter, drop (nil) or add files.
func rezip(t *testing.T, data []byte, change func(name string, body []byte) []byte, extra map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, _ := f.Open()
		body, _ := io.ReadAll(r)
		if body = change(f.Name, body); body == nil {
			continue
		}
		e, _ := zw.Create(f.Name)
		_, _ = e.Write(body)
	}
	for name, body := range extra {
		e, _ := zw.Create(name)
		_, _ = e.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func keep(_ string, b []byte) []byte { return b }

func TestProblems(t *testing.T) {
	good := makeBag(t)
	flip := func(file string) func(string, []byte) []byte {
		return func(name string, b []byte) []byte {
			if name == file {
				b = bytes.Clone(b)
				b[len(b)/2] ^= 1
			}
			return b
		}
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		wants []Problem // each must be found (File and Code)
	}{
		{"payload byte flipped", rezip(t, good, flip("data/recordings/a.webm"), nil), []Problem{{File: "data/recordings/a.webm", Code: Changed}}},
		{"readme byte flipped", rezip(t, good, flip("README.txt"), nil), []Problem{{File: "README.txt", Code: Changed}}},
		{"file dropped", rezip(t, good, func(n string, b []byte) []byte {
			if n == "data/requests/r1.json" {
				return nil
			}
			return b
		}, nil), []Problem{{File: "data/requests/r1.json", Code: Missing}, {File: InfoFile, Code: Oxum}}},
		{"file added", rezip(t, good, keep, map[string]string{"data/extra.txt": "x"}), []Problem{{File: "data/extra.txt", Code: NotListed}, {File: InfoFile, Code: Oxum}}},
		{"tag file added", rezip(t, good, keep, map[string]string{"notes.txt": "x"}), []Problem{{File: "notes.txt", Code: NotListed}}},
		{"bad manifest line", rezip(t, good, func(n string, b []byte) []byte {
			if n == Manifest {
				return append(b, "not a line\n"...)
			}
			return b
		}, nil), []Problem{{File: Manifest, Code: BadLine}, {File: Manifest, Code: Changed}}},
		{"unsafe paths", rezip(t, good, keep, map[string]string{"../evil": "x", "/etc/x": "y", `data\y`: "z"}), []Problem{{File: "../evil", Code: Unsafe}, {File: "/etc/x", Code: Unsafe}, {File: `data\y`, Code: Unsafe}}},
		{"manifest dropped", rezip(t, good, func(n string, b []byte) []byte {
			if n == Manifest {
				return nil
			}
			return b
		}, nil), []Problem{{File: Manifest, Code: NoManifest}, {File: "data/recordings/a.webm", Code: NotListed}, {File: Manifest, Code: Missing}}},
		{"declaration changed", rezip(t, good, func(n string, b []byte) []byte {
			if n == Declaration {
				return []byte("BagIt-Version: 0.97\n")
			}
			return b
		}, nil), []Problem{{File: Declaration, Code: NoDeclaration}, {File: Declaration, Code: Changed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := verify(t, tc.data)
			for _, want := range tc.wants {
				if !slices.ContainsFunc(got, func(p Problem) bool { return p.File == want.File && p.Code == want.Code }) {
					t.Errorf("problem %s %s not found in %v", want.File, want.Code, got)
				}
			}
		})
	}
}

// TestEveryByte flips bytes of each file of a bag in turn (the first,
// the last and some between, to keep the test fast): every change is
// reported.
func TestEveryByte(t *testing.T) {
	good := makeBag(t)
	zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	for _, f := range zr.File {
		r, _ := f.Open()
		body, _ := io.ReadAll(r)
		step := max(1, len(body)/10)
		for i := 0; i < len(body); i += step {
			if i+step >= len(body) {
				i = len(body) - 1
			}
			bad := rezip(t, good, func(name string, b []byte) []byte {
				if name == f.Name {
					b = bytes.Clone(b)
					b[i] ^= 0x20
				}
				return b
			}, nil)
			if ps := verify(t, bad); len(ps) == 0 {
				t.Errorf("byte %d of %s changed: no problem reported", i, f.Name)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for _, name := range []string{"", "/a", "a/../b", "../a", "a//b", `a\b`, "c:/x", "a/./b", "a\nb", "a/"} {
		if CheckName(name) == nil {
			t.Errorf("CheckName(%q) = nil, want an error", name)
		}
	}
	for _, name := range []string{"a", "data/recordings/x.webm", "receipts/a b.json", "ä/ö"} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%q) = %v", name, err)
		}
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, day)
	if _, err := w.Add("../x", strings.NewReader(""), true); err == nil {
		t.Error("Add ../x: no error")
	}
	if err := w.Close([]Field{{"Label", "two\nlines"}}); err == nil {
		t.Error("a value with a line break: no error")
	}
	if err := w.Close([]Field{{"Payload-Oxum", "1.1"}}); err == nil {
		t.Error("Payload-Oxum given: no error")
	}
}

func TestNotZip(t *testing.T) {
	if _, err := Open(strings.NewReader("not a zip"), 9); err == nil {
		t.Fatal("Open of text: no error")
	}
}

// errReader fails halfway.
type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	r.n -= len(p)
	return len(p), nil
}

func TestReaderFails(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, day)
	if _, err := w.Add("a", &errReader{n: 100}, false); err == nil {
		t.Fatal("a failing reader: no error")
	}
	if err := w.Close(nil); err == nil {
		t.Fatal("Close after a failed Add: no error")
	}
}
