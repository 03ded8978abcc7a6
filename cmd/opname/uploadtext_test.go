package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHandMadeTextRefused sends text that is not text where the request's
// own check cannot see it: in a resumable upload's Upload-Metadata
// (base64) and in a list's cursor (base64 JSON). On PostgreSQL, which
// refuses a NUL byte, each was a server fault; it is the caller's mistake,
// named.
func TestHandMadeTextRefused(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		f := newFixture(t, s)
		b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
		for _, c := range []struct{ name, meta, want string }{
			{"client_id", "client_id " + b64("a\x00b"), "client_id"},
			{"source", "client_id " + b64(f.clientA) + ",source " + b64("organisation\x00"), "source"},
			{"reason", "client_id " + b64(f.clientA) + ",derived_from " + b64(f.recA) + ",what_changed " + b64("knip") + ",reason " + b64("\xff") + ",who_was_told " + b64("moeder"), "reason"},
		} {
			r, _ := http.NewRequest("POST", s.URL+"/api/v1/uploads", nil)
			r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
			r.Header.Set("Tus-Resumable", "1.0.0")
			r.Header.Set("Upload-Length", "100")
			r.Header.Set("Upload-Metadata", c.meta)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || !strings.Contains(string(body), c.want) {
				t.Errorf("Upload-Metadata with %s not text = %d %s; want 400 naming %s", c.name, resp.StatusCode, body, c.want)
			}
		}
		cursor := base64.RawURLEncoding.EncodeToString([]byte(`{"l":"clients","k":"a\u0000","t":"x"}`))
		if code, body := call(t, s, "GET", "/api/v1/clients?cursor="+cursor, f.tokens["manager"], ""); code != 400 || !strings.Contains(body, "cursor") {
			t.Errorf("a cursor with a NUL = %d %s; want 400 naming the cursor", code, body)
		}
	})
}
