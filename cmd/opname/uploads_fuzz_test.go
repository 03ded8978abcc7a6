package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzUploadMetadata sends arbitrary Upload-Metadata to a running server:
// a new resumable upload is either created (201) or refused with a 4xx
// that says why; metadata from outside never causes a 5xx. The seed corpus
// runs with every `go test`; `go test -fuzz FuzzUploadMetadata` explores.
func FuzzUploadMetadata(f *testing.F) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	f.Add("source " + b64("organisation"))
	f.Add("source " + b64("client_copy") + ",sha256 " + b64(strings.Repeat("ab", 32)))
	f.Add("sha256 " + b64("not a digest"))
	f.Add("derived_from " + b64("nonexistent") + ",what_changed " + b64("x"))
	f.Add("what_changed " + b64("cut a minute") + ",reason " + b64("privacy"))
	f.Add("reason " + b64("a\x00b"))
	f.Add("who_was_told " + b64("\xff\xfe"))
	f.Add("source !!!notbase64")
	f.Add("source")
	f.Add(",,,")
	f.Add("client_id " + b64("someone else's"))
	f.Add("request_id " + b64("nope"))
	f.Add("agreements_digest " + b64(strings.Repeat("z", 64)))
	f.Add("source " + b64(strings.Repeat("x", 10000)))
	f.Add("source " + b64("organisation") + ",source " + b64("client_copy"))

	s := testServer(f)
	octx, u, clientID := staffWithClient(f, s)
	token, _, err := s.db.CreateToken(octx, u.ID, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, meta string) {
		// The client is named unless the input names one itself.
		if !strings.Contains(meta, "client_id") {
			meta = strings.TrimPrefix(meta+",client_id "+b64(clientID), ",")
		}
		if strings.ContainsFunc(meta, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return // not a header value a client can send
		}
		resp, body := send(t, "POST", s.URL+"/api/v1/uploads", "", map[string]string{
			"Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0", "Upload-Length": "1000",
			"Upload-Metadata": meta,
		})
		if resp.StatusCode >= 500 || resp.StatusCode != 201 && resp.StatusCode < 400 {
			t.Fatalf("Upload-Metadata %q: %d %s", meta, resp.StatusCode, body)
		}
		if resp.StatusCode == 201 {
			// Remove it again, so the person's limit of open uploads is not
			// reached.
			if del, body := send(t, "DELETE", resp.Header.Get("Location"), "", map[string]string{"Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0"}); del.StatusCode != 204 {
				t.Fatalf("delete: %d %s", del.StatusCode, body)
			}
		}
	})
}
