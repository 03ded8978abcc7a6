package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// tusClient speaks the tus protocol to a test server as one caller: a
// person with a token at the API's uploads, or a link holder with their
// session (cookie) at the client's side (prefix /l/kopie).
type tusClient struct {
	t      *testing.T
	base   string
	token  string
	cookie *http.Cookie
	prefix string
}

func (c *tusClient) do(method, path string, body []byte, header map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	return c.send(method, path, bytes.NewReader(body), header)
}

func (c *tusClient) send(method, path string, body io.Reader, header map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	r, _ := http.NewRequest(method, c.base+path, body)
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != nil {
		r.AddCookie(c.cookie)
	}
	r.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, data
}

// create starts an upload; length < 0 defers the length.
func (c *tusClient) create(length int64, meta map[string]string) (*http.Response, string) {
	c.t.Helper()
	h := map[string]string{"Upload-Metadata": metadata(meta)}
	if length < 0 {
		h["Upload-Defer-Length"] = "1"
	} else {
		h["Upload-Length"] = fmt.Sprint(length)
	}
	resp, body := c.do("POST", c.uploads(), nil, h)
	if resp.StatusCode != 201 {
		return resp, string(body)
	}
	loc := resp.Header.Get("Location")
	return resp, loc[strings.LastIndex(loc, "/")+1:]
}

func (c *tusClient) patch(id string, offset int64, chunk []byte, extra map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	h := map[string]string{"Upload-Offset": fmt.Sprint(offset), "Content-Type": "application/offset+octet-stream"}
	for k, v := range extra {
		h[k] = v
	}
	return c.do("PATCH", c.uploads()+"/"+id, chunk, h)
}

// metadata is a tus Upload-Metadata header of m.
func metadata(m map[string]string) string {
	var pairs []string
	for k, v := range m {
		pairs = append(pairs, k+" "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	return strings.Join(pairs, ",")
}

// uploads is where the client's uploads are.
func (c *tusClient) uploads() string {
	if c.prefix != "" {
		return c.prefix
	}
	return "/api/v1/uploads"
}

type registered struct {
	Recording opname.Recording
	Receipt   json.RawMessage
}

// TestResumableUpload sends a recording in chunks over tus with the server
// restarted in between, and checks the stored recording, its receipt and
// that no plaintext is left. Then the ways an upload can go wrong, each
// with a clear error and nothing left behind, and a browser recording of
// unknown length saved as far as it came.
func TestResumableUpload(t *testing.T) {
	t.Parallel()
	t.Run("sqlite and a folder", func(t *testing.T) { t.Parallel(); resumableUpload(t, "", "") })
	t.Run("postgres and s3", func(t *testing.T) {
		t.Parallel()
		base := os.Getenv("OPNAME_TEST_BLOB_URL")
		if base == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
			}
			t.Skip("OPNAME_TEST_BLOB_URL is not set")
		}
		resumableUpload(t, sqldbtest.PostgresURL(t), fmt.Sprintf("%s/tus-%d", strings.TrimSuffix(base, "/"), time.Now().UnixNano()))
	})
}

func resumableUpload(t *testing.T, databaseURL, blobURL string) {
	dir := t.TempDir()
	start := func() *server {
		s, err := startServer(context.Background(), &config{Addr: "127.0.0.1:0", Data: dir, DatabaseURL: databaseURL, BlobURL: blobURL, MaxRecording: 4 << 20}, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	f := newFixture(t, s)
	c := &tusClient{t: t, base: s.URL, token: f.tokens["staff"]}
	audio := wav(60, 33)
	sum := sha256.Sum256(audio)
	resp, id := c.create(int64(len(audio)), map[string]string{"client_id": f.clientA, "source": "client_copy", "sha256": hex.EncodeToString(sum[:])})
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s", resp.StatusCode, id)
	}
	third := int64(len(audio) / 3)
	if resp, body := c.patch(id, 0, audio[:third], nil); resp.StatusCode != 204 {
		t.Fatalf("first chunk = %d %s", resp.StatusCode, body)
	}
	// Another staff member cannot see or continue it.
	other := &tusClient{t: t, base: s.URL, token: f.tokens["staff_other"]}
	if resp, _ := other.do("HEAD", "/api/v1/uploads/"+id, nil, nil); resp.StatusCode != 404 {
		t.Fatalf("HEAD as another = %d, want 404", resp.StatusCode)
	}

	// The server restarts; the upload resumes where it was.
	s.Close()
	s = start()
	defer s.Close()
	c.base = s.URL
	resp, body := c.do("HEAD", "/api/v1/uploads/"+id, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Upload-Offset") != fmt.Sprint(third) {
		t.Fatalf("HEAD after restart = %d, offset %s %s %v", resp.StatusCode, resp.Header.Get("Upload-Offset"), body, resp.Header)
	}
	// A chunk that broke off halfway: the server keeps what arrived.
	if resp, body := c.patch(id, third, audio[third:2*third], nil); resp.StatusCode != 204 {
		t.Fatalf("second chunk = %d %s", resp.StatusCode, body)
	}
	resp, body = c.patch(id, 2*third, audio[2*third:], nil)
	if resp.StatusCode != 200 {
		t.Fatalf("last chunk = %d %s", resp.StatusCode, body)
	}
	var out registered
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Recording.SHA256 != hex.EncodeToString(sum[:]) || out.Recording.Size != int64(len(audio)) || out.Recording.Source != "client_copy" {
		t.Fatalf("recording = %+v", out.Recording)
	}
	if out.Recording.Media != nil && (out.Recording.Media.Format != "wav" || out.Recording.Media.Duration < 59 || out.Recording.Media.Duration > 61) {
		t.Errorf("media = %+v", out.Recording.Media)
	}
	verifyReceipt(t, s, out.Receipt, audio, "match: recording "+out.Recording.ID)

	// Ways an upload goes wrong: a clear error, and nothing left.
	resp, msg := c.create(5<<20, map[string]string{"client_id": f.clientA})
	if resp.StatusCode != 413 {
		t.Errorf("oversized = %d %s, want 413", resp.StatusCode, msg)
	}
	resp, msg = c.create(100, map[string]string{"client_id": f.clientA, "source": "somebody"})
	if resp.StatusCode != 400 || !strings.Contains(msg, `source: \"somebody\" is not known`) {
		t.Errorf("bad source = %d %s", resp.StatusCode, msg)
	}
	resp, msg = c.create(100, map[string]string{"client_id": f.clientA, "sha256": "abc"})
	if resp.StatusCode != 400 || !strings.Contains(msg, `sha256: \"abc\" is not a SHA-256`) {
		t.Errorf("bad sha256 = %d %s", resp.StatusCode, msg)
	}
	resp, msg = c.create(100, map[string]string{"client_id": "no-such-client"})
	if resp.StatusCode != 404 {
		t.Errorf("unknown client = %d %s", resp.StatusCode, msg)
	}
	text := []byte(strings.Repeat("Dit is een verslag, geen opname. ", 200))
	_, tid := c.create(int64(len(text)), map[string]string{"client_id": f.clientA})
	if resp, body := c.patch(tid, 0, text, nil); resp.StatusCode != 400 || !strings.Contains(string(body), "not audio or video") {
		t.Errorf("text upload = %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.do("HEAD", "/api/v1/uploads/"+tid, nil, nil); resp.StatusCode != 404 {
		t.Errorf("refused upload still there: %d", resp.StatusCode)
	}
	_, mid := c.create(int64(len(audio)), map[string]string{"client_id": f.clientA, "sha256": strings.Repeat("ab", 32)})
	if resp, body := c.patch(mid, 0, audio, nil); resp.StatusCode != 400 || !strings.Contains(string(body), "not the declared") {
		t.Errorf("hash mismatch = %d %s", resp.StatusCode, body)
	}
	_, aid := c.create(int64(len(audio)), map[string]string{"client_id": f.clientA})
	c.patch(aid, 0, audio[:1000], nil)
	if resp, body := c.do("POST", "/api/v1/uploads/"+aid+"/finish", nil, nil); resp.StatusCode != 400 || !strings.Contains(string(body), "only 1000 of") {
		t.Errorf("finishing half a file = %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.do("DELETE", "/api/v1/uploads/"+aid, nil, nil); resp.StatusCode != 204 {
		t.Errorf("abort = %d", resp.StatusCode)
	}

	// A recording in the browser: length unknown, the page crashed after
	// two chunks; what arrived is saved.
	_, rid := c.create(-1, map[string]string{"client_id": f.clientA})
	c.patch(rid, 0, audio[:50000], nil)
	c.patch(rid, 50000, audio[50000:90000], nil)
	resp, body = c.do("GET", "/api/v1/uploads", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), rid) || !strings.Contains(string(body), `"size": null`) {
		t.Fatalf("unfinished uploads = %d %s", resp.StatusCode, body)
	}
	resp, body = c.do("POST", "/api/v1/uploads/"+rid+"/finish", nil, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("finish = %d %s", resp.StatusCode, body)
	}
	out = registered{}
	json.Unmarshal(body, &out)
	part := sha256.Sum256(audio[:90000])
	if out.Recording.SHA256 != hex.EncodeToString(part[:]) {
		t.Fatalf("saved part = %+v", out.Recording)
	}

	if left, _ := os.ReadDir(filepath.Join(dir, "recordings", ".staging")); len(left) != 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("uploads left behind: %v", names)
	}
}

// verifyReceipt runs `opname verify` on a receipt and a file, with the log,
// and checks the first line it prints.
func verifyReceipt(t *testing.T, s *server, receipt []byte, file []byte, want string) {
	t.Helper()
	verifyReceiptOf(t, s, "org-a", receipt, file, want)
}

// verifyReceiptOf checks file against receipt with `opname verify`,
// trusting the log of the organisation slug.
func verifyReceiptOf(t *testing.T, s *server, slug string, receipt []byte, file []byte, want string) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bewijs.json"), receipt, 0o600)
	os.WriteFile(filepath.Join(dir, "opname"), file, 0o600)
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := m.Run(context.Background(), []string{"verify", "--receipt", filepath.Join(dir, "bewijs.json"), "--log", s.URL + "/api/v1/logs/" + slug, filepath.Join(dir, "opname")})
	if code != 0 || !strings.Contains(stdout.String(), "\n"+want) && !strings.HasPrefix(stdout.String(), want) {
		t.Fatalf("verify = %d, want %q\n%s%s", code, want, stdout.String(), stderr.String())
	}
}

// TestEditsCopiesErasure registers an edited version of a recording (rule
// 5), a copy handed to the client (rule 4) and an erasure, and checks what
// the log and the receipts say of each.
func TestEditsCopiesErasure(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	call := func(method, path, token string, body []byte) (*http.Response, []byte) {
		t.Helper()
		r, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, data
	}
	staff := f.tokens["staff"]
	original := wav(20, 50)
	agreed := sha256.Sum256([]byte("copy_on_request no_editing_unless_communicated no_sharing_without_consent"))
	if resp, body := call("POST", "/api/v1/clients/"+f.clientA+"/recordings?agreements_digest=nope", staff, original); resp.StatusCode != 400 || !strings.Contains(string(body), "agreements_digest") {
		t.Errorf("bad agreements digest = %d %s", resp.StatusCode, body)
	}
	resp, body := call("POST", "/api/v1/clients/"+f.clientA+"/recordings?agreements_digest="+hex.EncodeToString(agreed[:]), staff, original)
	if resp.StatusCode != 201 {
		t.Fatalf("upload = %d %s", resp.StatusCode, body)
	}
	var orig registered
	json.Unmarshal(body, &orig)
	// The agreements' digest is in the log entry the receipt proves.
	if !strings.Contains(string(orig.Receipt), `\"agreements_digest\":\"`+hex.EncodeToString(agreed[:])) {
		t.Errorf("the receipt's entry lacks the agreements digest:\n%s", orig.Receipt)
	}

	// The edit: a statement is required, field by field.
	cut := wav(8, 50)
	q := "/api/v1/clients/" + f.clientA + "/recordings?derived_from=" + orig.Recording.ID
	for _, c := range []struct{ query, want string }{
		{"", "what_changed: say what was cut"},
		{"&what_changed=Fragment+over+school+eruit", "reason: say why"},
		{"&what_changed=Fragment+over+school+eruit&reason=Klachtprocedure", "who_was_told:"},
	} {
		resp, body := call("POST", q+c.query, staff, cut)
		if resp.StatusCode != 400 || !strings.Contains(string(body), c.want) {
			t.Errorf("edit without statement = %d %s; want %q", resp.StatusCode, body, c.want)
		}
	}
	resp, body = call("POST", q+"&what_changed=Fragment+over+school+eruit&reason=Klachtprocedure&who_was_told=Moeder,+op+12+mei", staff, cut)
	if resp.StatusCode != 201 {
		t.Fatalf("edit = %d %s", resp.StatusCode, body)
	}
	var edit registered
	json.Unmarshal(body, &edit)
	if edit.Recording.DerivedFrom != orig.Recording.ID || edit.Recording.Edit == nil || edit.Recording.Edit.Told != "Moeder, op 12 mei" {
		t.Fatalf("edit = %+v", edit.Recording)
	}
	verifyReceipt(t, s, edit.Receipt, cut, "match: edited, declared, derived from "+orig.Recording.SHA256)
	// The original is unchanged and still verifies.
	verifyReceipt(t, s, orig.Receipt, original, "match: recording "+orig.Recording.ID)
	// An original of another client, or unknown, is refused.
	if resp, _ := call("POST", "/api/v1/clients/"+f.clientA+"/recordings?derived_from=nope&what_changed=a&reason=b&who_was_told=c", staff, cut); resp.StatusCode != 404 {
		t.Errorf("edit of unknown original = %d", resp.StatusCode)
	}

	// A copy handed to the client: its own receipt, for the same bytes.
	resp, body = call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/copies", staff, []byte(`{"to": "client"}`))
	if resp.StatusCode != 201 {
		t.Fatalf("copy = %d %s", resp.StatusCode, body)
	}
	verifyReceipt(t, s, body, original, "match: copy "+orig.Recording.ID)
	if resp, body := call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/copies", staff, []byte(`{"to": "neighbour"}`)); resp.StatusCode != 400 || !strings.Contains(string(body), "to") {
		t.Errorf("copy to a neighbour = %d %s", resp.StatusCode, body)
	}

	// Erasure: staff may not; a manager must give a reason; afterwards the
	// recording cannot be played, its bytes are gone, and the row stays.
	if resp, _ := call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/erasure", staff, []byte(`{"reason": "x"}`)); resp.StatusCode != 403 {
		t.Errorf("erasure by staff = %d, want 403", resp.StatusCode)
	}
	manager := f.tokens["manager"]
	if resp, body := call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/erasure", manager, []byte(`{"reason": " "}`)); resp.StatusCode != 400 || !strings.Contains(string(body), "reason") {
		t.Errorf("erasure without reason = %d %s", resp.StatusCode, body)
	}
	resp, body = call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/erasure", manager, []byte(`{"reason": "Bewaartermijn verstreken"}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), "erased_at") {
		t.Fatalf("erasure = %d %s", resp.StatusCode, body)
	}
	if resp, body := call("GET", "/api/v1/recordings/"+orig.Recording.ID+"/content", staff, nil); resp.StatusCode != 409 || !strings.Contains(string(body), "was erased") {
		t.Errorf("playing an erased recording = %d %s", resp.StatusCode, body)
	}
	if resp, _ := call("POST", "/api/v1/recordings/"+orig.Recording.ID+"/erasure", manager, []byte(`{"reason": "twice"}`)); resp.StatusCode != 409 {
		t.Errorf("erasing twice = %d, want 409", resp.StatusCode)
	}
	_, body = call("GET", "/api/v1/logs/org-a/checkpoint", "", nil)
	_ = body
	var blobs int
	filepath.WalkDir(filepath.Join(s.dataDir, "recordings"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 2 { // the fixture's recording and the edit
		t.Errorf("%d blobs on disk after the erasure, want 2", blobs)
	}
	_, body = call("GET", "/api/v1/access-log?client_id="+f.clientA, f.tokens["privacy"], nil)
	if !strings.Contains(string(body), "Bewaartermijn verstreken") || !strings.Contains(string(body), "copy handed to client") {
		t.Errorf("access log lacks the erasure or the copy:\n%s", body)
	}
}

// TestRecordingsOnS3 runs a resumable upload, playback of a byte range and
// the fixity audit with recordings in a real S3 server (CI starts one).
func TestRecordingsOnS3(t *testing.T) {
	t.Parallel()
	base := os.Getenv("OPNAME_TEST_BLOB_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
		}
		t.Skip("OPNAME_TEST_BLOB_URL is not set")
	}
	dir := t.TempDir()
	cfg := &config{Addr: "127.0.0.1:0", Data: dir, BlobURL: strings.TrimSuffix(base, "/") + "/" + filepath.Base(dir)}
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := newFixture(t, s)
	c := &tusClient{t: t, base: s.URL, token: f.tokens["staff"]}
	audio := wav(200, 21) // 1.6 MB
	_, id := c.create(int64(len(audio)), map[string]string{"client_id": f.clientA})
	half := int64(len(audio) / 2)
	c.patch(id, 0, audio[:half], nil)
	resp, body := c.patch(id, half, audio[half:], nil)
	if resp.StatusCode != 200 {
		t.Fatalf("last chunk = %d %s", resp.StatusCode, body)
	}
	var out registered
	json.Unmarshal(body, &out)
	resp, part := c.do("GET", "/api/v1/recordings/"+out.Recording.ID+"/content", nil, map[string]string{"Range": "bytes=800000-899999"})
	if resp.StatusCode != 206 || !bytes.Equal(part, audio[800000:900000]) {
		t.Fatalf("range from S3 = %d, %d bytes", resp.StatusCode, len(part))
	}
	var stdout bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stdout, Getenv: func(k string) string {
		return map[string]string{"OPNAME_DATA": dir, "OPNAME_BLOB_URL": cfg.BlobURL}[k]
	}}
	if code := m.Run(context.Background(), []string{"fixity"}); code != 0 || !strings.Contains(stdout.String(), "2 recordings checked, 0 with problems") {
		t.Fatalf("fixity = %d\n%s", code, stdout.String())
	}
}
