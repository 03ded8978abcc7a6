package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestRecordingJourney uploads a recording as a staff member, verifies the
// receipt with `opname verify`, plays a byte range, downloads it, and checks
// what is on disk: only ciphertext, and nothing left of failed uploads.
func TestRecordingJourney(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	audio := wav(30, 60)
	sum := sha256.Sum256(audio)
	call := func(method, path, token string, body []byte, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		r, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, data
	}
	staff := f.tokens["staff"]
	upload := "/api/v1/clients/" + f.clientA + "/recordings?source=organisation"

	resp, body := call("POST", upload, staff, audio, map[string]string{"X-Content-SHA256": hex.EncodeToString(sum[:])})
	if resp.StatusCode != 201 {
		t.Fatalf("upload = %d %s", resp.StatusCode, body)
	}
	var out struct {
		Recording opname.Recording
		Receipt   json.RawMessage
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Recording.MediaType != "audio/wav" || out.Recording.Size != int64(len(audio)) || out.Recording.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("recording = %+v", out.Recording)
	}

	// The client verifies their copy with the receipt, offline and against the log.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "receipt.json"), out.Receipt, 0o600)
	os.WriteFile(filepath.Join(dir, "gesprek.wav"), audio, 0o600)
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if code := m.Run(context.Background(), []string{"verify", "--receipt", filepath.Join(dir, "receipt.json"), "--log", s.URL + "/api/v1/logs/org-a", filepath.Join(dir, "gesprek.wav")}); code != 0 {
		t.Fatalf("verify = %d\n%s%s", code, stdout.String(), stderr.String())
	}

	// Playback: a byte range decrypts to the same bytes.
	content := "/api/v1/recordings/" + out.Recording.ID + "/content"
	resp, part := call("GET", content, staff, nil, map[string]string{"Range": "bytes=100000-100999"})
	if resp.StatusCode != 206 || !bytes.Equal(part, audio[100000:101000]) || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("range = %d, %d bytes, %s", resp.StatusCode, len(part), resp.Header.Get("Content-Type"))
	}
	resp, all := call("GET", content+"?download=1", staff, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(all, audio) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download = %d, %d bytes", resp.StatusCode, len(all))
	}
	_, body = call("GET", "/api/v1/access-log?client_id="+f.clientA, f.tokens["privacy"], nil, nil)
	for _, want := range []string{`"action": "copy"`, `"purpose": "download"`, `"purpose": "playback"`, `"object_type": "recording"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("access log lacks %s", want)
		}
	}

	// Bad uploads: a clear error, nothing stored.
	for _, c := range []struct {
		body   []byte
		header map[string]string
		want   string
	}{
		{[]byte("dit is geen opname, maar tekst"), nil, "not audio or video but text/plain"},
		{nil, nil, "the file is empty"},
		{audio, map[string]string{"X-Content-SHA256": strings.Repeat("0", 64)}, "not the declared"},
	} {
		resp, body := call("POST", upload, staff, c.body, c.header)
		if resp.StatusCode != 400 || !strings.Contains(string(body), c.want) {
			t.Errorf("bad upload = %d %s; want 400 with %q", resp.StatusCode, body, c.want)
		}
	}

	// On disk: the fixture's recording and this one, both ciphertext; no
	// plaintext left in staging.
	var blobs []string
	filepath.WalkDir(filepath.Join(s.dataDir, "recordings"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs = append(blobs, p)
		}
		return nil
	})
	if len(blobs) != 2 {
		t.Errorf("%d blobs stored, want 2: %v", len(blobs), blobs)
	}
	for _, p := range blobs {
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, audio[5000:5064]) || bytes.Contains(data, []byte("RIFF")) {
			t.Errorf("%s holds plaintext", p)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(s.dataDir, "staging")); len(left) != 0 {
		t.Errorf("staging is not empty: %v", left)
	}
}

// TestFixity runs `opname fixity` over stored recordings, then flips one
// byte of one encrypted file and checks that the audit names it.
func TestFixity(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s) // one recording
	r, _ := http.NewRequest("POST", s.URL+"/api/v1/clients/"+f.clientA+"/recordings", bytes.NewReader(wav(3, 90)))
	r.Header.Set("Authorization", "Bearer "+f.tokens["manager"])
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	run := func() (int, string) {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string {
			if k == "OPNAME_DATA" {
				return s.dataDir
			}
			return ""
		}}
		return m.Run(context.Background(), []string{"fixity"}), out.String()
	}
	if code, out := run(); code != 0 || !strings.Contains(out, "2 recordings checked, 0 with problems") {
		t.Fatalf("fixity = %d\n%s", code, out)
	}
	var victim string
	filepath.WalkDir(filepath.Join(s.dataDir, "recordings"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(victim, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := run()
	if code != 1 || !strings.Contains(out, "1 with problems") || !strings.Contains(out, "does not decrypt") {
		t.Fatalf("fixity after a flipped byte = %d\n%s", code, out)
	}
	// The privacy officer sees it.
	r, _ = http.NewRequest("GET", s.URL+"/api/v1/fixity", nil)
	r.Header.Set("Authorization", "Bearer "+f.tokens["privacy"])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(body), `"problem"`) != 1 || !strings.Contains(string(body), "does not decrypt") {
		t.Fatalf("fixity problems = %d %s", resp.StatusCode, body)
	}
}
