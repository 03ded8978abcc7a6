package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// transcriptForm is a transcript form as a browser sends it: the file
// text in field bestand. It returns the body and its content type.
func transcriptForm(t testing.TB, text string) (string, string) {
	t.Helper()
	return transcriptFormFile(t, "transcript.txt", text)
}

// transcriptCall calls the server with token (or a link's cookie) and
// returns the status and body.
func transcriptCall(t *testing.T, s *server, method, path, token, linkSecret, contentType, body string, header ...string) (int, []byte) {
	t.Helper()
	r, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if linkSecret != "" {
		r.AddCookie(&http.Cookie{Name: s.web.LinkCookie(), Value: linkSecret})
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestTranscriptsAPI attaches a text, a PDF and a WebVTT transcript to a
// recording through the API, refuses a WAV and a binary file with an error
// that names the field and what the file is, lists them beside the
// recording and never among the client's recordings, checks a downloaded
// transcript against its receipt with `opname verify`, and answers another
// organisation's staff not found. On both databases.
func TestTranscriptsAPI(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		f := newFixture(t, s)
		staff := f.tokens["staff"]
		path := "/api/v1/recordings/" + f.recA + "/transcripts"
		files := []struct{ body, media string }{
			{"Medewerker: Goedemorgen, Anna.\nCliënt: Dag.\n", "text/plain"},
			{"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf"},
			{"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nGoedemorgen, Anna.\n", "text/vtt"},
		}
		var last struct {
			Transcript opname.Recording `json:"transcript"`
			Receipt    json.RawMessage  `json:"receipt"`
		}
		for _, file := range files {
			code, body := transcriptCall(t, s, "POST", path, staff, "", "", file.body)
			if code != 201 {
				t.Fatalf("%s: %d %s", file.media, code, body)
			}
			if err := json.Unmarshal(body, &last); err != nil {
				t.Fatal(err)
			}
			if tr := last.Transcript; tr.Kind != "transcript" || tr.MediaType != file.media || tr.DerivedFrom != f.recA || tr.Source != "organisation" {
				t.Fatalf("%s: transcript = %+v", file.media, tr)
			}
		}
		refusals := []struct{ name, body, says string }{
			{"wav", string(wav(1, 7)), "audio/wav"},
			{"binary", "\x00\x01\x02\x03binary\xff\xfe", "application/octet-stream"},
		}
		for _, c := range refusals {
			code, body := transcriptCall(t, s, "POST", path, staff, "", "text/plain", c.body)
			var e struct {
				Error struct{ Kind, Message string }
			}
			json.Unmarshal(body, &e)
			if want := "file: the file is " + c.says + ", not text, PDF or WebVTT"; code != 400 || e.Error.Kind != "invalid" || e.Error.Message != want {
				t.Errorf("%s: %d %s, want 400 %q", c.name, code, body, want)
			}
			code, body = transcriptCall(t, s, "POST", path, staff, "", "", c.body, "Accept-Language", "nl")
			if code != 400 || !strings.Contains(string(body), "Kies een tekstbestand, een PDF of ondertitels") {
				t.Errorf("%s in Dutch: %d %s", c.name, code, body)
			}
		}
		// Another organisation's staff: not found, as if there were none.
		if code, body := transcriptCall(t, s, "POST", path, f.tokens["b_staff"], "", "", files[0].body); code != 404 {
			t.Errorf("another organisation's recording: %d %s", code, body)
		}
		if code, _ := transcriptCall(t, s, "GET", "/api/v1/transcripts/"+last.Transcript.ID+"/content", f.tokens["b_admin"], "", "", ""); code != 404 {
			t.Errorf("another organisation's transcript: %d", code)
		}

		code, body := transcriptCall(t, s, "GET", path, staff, "", "", "")
		var listed []opname.Recording
		if err := json.Unmarshal(body, &listed); code != 200 || err != nil || len(listed) != len(files) {
			t.Fatalf("transcripts = %d %s (want %d)", code, body, len(files))
		}
		code, body = transcriptCall(t, s, "GET", "/api/v1/clients/"+f.clientA+"/recordings", staff, "", "", "")
		var recs []opname.Recording
		json.Unmarshal(body, &recs)
		for _, r := range recs {
			if r.Kind != "media" {
				t.Errorf("a %s among the client's recordings: %+v", r.Kind, r)
			}
		}
		if code != 200 || len(recs) != 1 {
			t.Errorf("client's recordings = %d, %d of them; want the one recording", code, len(recs))
		}
		if code, _ := transcriptCall(t, s, "GET", "/api/v1/recordings/"+last.Transcript.ID, staff, "", "", ""); code != 404 {
			t.Errorf("a transcript as a recording: %d", code)
		}

		// The WebVTT file, downloaded, against its receipt.
		code, content := transcriptCall(t, s, "GET", "/api/v1/transcripts/"+last.Transcript.ID+"/content", staff, "", "", "")
		if code != 200 || string(content) != files[2].body {
			t.Fatalf("download = %d %q", code, content)
		}
		code, receipt := transcriptCall(t, s, "GET", "/api/v1/transcripts/"+last.Transcript.ID+"/receipt", staff, "", "", "")
		if code != 200 {
			t.Fatalf("receipt = %d %s", code, receipt)
		}
		dir := t.TempDir()
		file, rPath := filepath.Join(dir, "transcript.vtt"), filepath.Join(dir, "bewijs.json")
		os.WriteFile(file, content, 0o600)
		os.WriteFile(rPath, receipt, 0o600)
		_, key := transcriptCall(t, s, "GET", "/api/v1/logs/org-a/key", "", "", "", "")
		var stdout, stderr bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		rec, _, err := s.db.Recording(f.staffCtx, f.recA)
		if err != nil {
			t.Fatal(err)
		}
		if code := m.Run(context.Background(), []string{"verify", "--receipt", rPath, "--key", strings.TrimSpace(string(key)), file}); code != 0 ||
			!strings.Contains(stdout.String(), "match: transcript "+last.Transcript.ID+" of the recording with sha256 "+rec.SHA256) {
			t.Errorf("opname verify = %d\n%s%s", code, stdout.String(), stderr.String())
		}
		// One changed byte is no match.
		content[len(content)-2] ^= 0x20
		os.WriteFile(file, content, 0o600)
		stdout.Reset()
		if code := m.Run(context.Background(), []string{"verify", "--receipt", rPath, "--key", strings.TrimSpace(string(key)), file}); code != 1 {
			t.Errorf("opname verify of a changed transcript = %d\n%s%s", code, stdout.String(), stderr.String())
		}
	})
}

// TestTranscriptPages attaches transcripts through the forms: staff on the
// recording's page, the client through their link for a recording of a
// conversation they took part in; a WAV is refused on the page in Dutch,
// and a parent who took no part cannot reach the recording.
func TestTranscriptPages(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	staff := f.tokens["staff"]
	body, ct := transcriptForm(t, "Medewerker: Goedemorgen.\n")
	code, _ := transcriptCall(t, s, "POST", "/opnames/"+f.recA+"/transcripten", staff, "", ct, body)
	if code != 303 {
		t.Fatalf("staff form = %d", code)
	}
	code, page := transcriptCall(t, s, "GET", "/opnames/"+f.recA+"?transcript=1", staff, "", "", "")
	if code != 200 || !strings.Contains(string(page), "Het transcript is bewaard") || strings.Count(string(page), "/api/v1/transcripts/") < 2 || !strings.Contains(string(page), " CET<") && !strings.Contains(string(page), " CEST<") {
		t.Errorf("recording page = %d\n%s", code, page)
	}
	body, ct = transcriptFormFile(t, "opname.txt", string(wav(1, 3)))
	code, page = transcriptCall(t, s, "POST", "/opnames/"+f.recA+"/transcripten", staff, "", ct, body)
	if code != 400 || !strings.Contains(string(page), "dit bestand is audio/wav") {
		t.Errorf("a WAV as transcript = %d\n%s", code, page)
	}

	// The client's recording of the conversation they took part in.
	rec, err := s.web.Vault.Ingest(f.staffCtx, vault.Upload{ClientID: f.clientA, Source: "organisation", ConversationID: f.convA, Body: bytes.NewReader(wav(1, 77))})
	if err != nil {
		t.Fatal(err)
	}
	client := f.openLink(t, f.newLinkCode(t, f.clientA, "client"))
	code, page = transcriptCall(t, s, "GET", "/l/opnames/"+rec.ID, "", client, "", "")
	if code != 200 || !strings.Contains(string(page), `action="/l/opnames/`+rec.ID+`/transcripten"`) {
		t.Fatalf("link recording page = %d, no transcript form\n%s", code, page)
	}
	body, ct = transcriptForm(t, "WEBVTT\n\n00:00.000 --> 00:01.000\nIk: Dag.\n")
	if code, page = transcriptCall(t, s, "POST", "/l/opnames/"+rec.ID+"/transcripten", "", client, ct, body); code != 303 {
		t.Fatalf("link form = %d\n%s", code, page)
	}
	ts, err := s.db.Transcripts(f.staffCtx, rec.ID)
	if err != nil || len(ts) != 1 || ts[0].Source != "client" || ts[0].MediaType != "text/vtt" {
		t.Fatalf("transcripts = %+v, %v", ts, err)
	}
	code, page = transcriptCall(t, s, "GET", "/l/opnames/"+rec.ID, "", client, "", "")
	if code != 200 || !strings.Contains(string(page), "/l/transcripten/"+ts[0].ID+"/bewijs") || !strings.Contains(string(page), "de cliënt") {
		t.Errorf("link recording page after = %d\n%s", code, page)
	}
	if code, got := transcriptCall(t, s, "GET", "/l/transcripten/"+ts[0].ID+"/inhoud", "", client, "", ""); code != 200 || !strings.HasPrefix(string(got), "WEBVTT") {
		t.Errorf("link download = %d %q", code, got)
	}
	// The download is in the access log, as done by the link holder.
	events, err := s.db.ClientOverview(opname.WithActor(context.Background(), f.adminA), f.clientA)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || e.ObjectType == "transcript" && e.ObjectID == ts[0].ID && e.Action == opname.AccessCopy && e.UserRole == opname.RoleLinkHolder
	}
	if !found {
		t.Errorf("the link holder's download is not in the access log")
	}
	parent := f.openLink(t, f.newLinkCode(t, f.clientA, "parent"))
	if code, _ := transcriptCall(t, s, "POST", "/l/opnames/"+rec.ID+"/transcripten", "", parent, ct, body); code != 404 {
		t.Errorf("a parent who took no part = %d", code)
	}
}

// transcriptFormFile is a transcript form with a file of name.
func transcriptFormFile(t testing.TB, name, text string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("bestand", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(text))
	mw.Close()
	return b.String(), mw.FormDataContentType()
}
