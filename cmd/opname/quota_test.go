package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/opname/opname/web"
)

// TestUploadLimits fills a person's open uploads and an organisation's
// bytes in flight, and checks that the next upload is refused with 429
// and a message that states the limit and the count, that others are not
// held up by it, that a restart keeps the count (it comes from the
// staging folder), and that finishing or cancelling uploads frees room.
func TestUploadLimits(t *testing.T) {
	t.Parallel()
	const MiB = 1 << 20
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir(), MaxRecording: 4 * MiB, UploadLimits: web.UploadLimits{OpenPerPerson: 3, InflightPerOrg: 10 * MiB}}
	start := func() *server {
		s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	f := newFixture(t, s)
	as := func(who string) *tusClient { return &tusClient{t: t, base: s.URL, token: f.tokens[who]} }
	meta := map[string]string{"client_id": f.clientA}
	created := func(c *tusClient, length int64) string {
		t.Helper()
		resp, id := c.create(length, meta)
		if resp.StatusCode != 201 {
			t.Fatalf("create %d bytes = %d %s", length, resp.StatusCode, id)
		}
		return id
	}
	refused := func(c *tusClient, length int64, want, retry string) {
		t.Helper()
		resp, body := c.create(length, meta)
		if resp.StatusCode != 429 || !strings.Contains(body, want) || resp.Header.Get("Retry-After") != retry {
			t.Fatalf("create %d bytes = %d, Retry-After %q, %s; want 429 with %q, Retry-After %q", length, resp.StatusCode, resp.Header.Get("Retry-After"), body, want, retry)
		}
	}

	// A person's open uploads.
	var staffUploads []string
	for range 3 {
		staffUploads = append(staffUploads, created(as("staff"), 1024))
	}
	refused(as("staff"), 1024, "you have 3 unfinished uploads, the most at once is 3", "")
	deferred := created(as("manager"), -1) // someone else is not held up
	if resp, _ := as("staff").do("DELETE", "/api/v1/uploads/"+staffUploads[0], nil, nil); resp.StatusCode != 204 {
		t.Fatalf("cancel = %d", resp.StatusCode)
	}
	created(as("staff"), 1024)

	// The organisation's bytes in flight: 3 KiB so far.
	admin := as("admin")
	big := []string{created(admin, 4*MiB), created(admin, 4*MiB)}
	refused(admin, 2*MiB, "your organisation has 8.0 MiB in uploads under way; with this one of 2 MiB it would pass the limit of 10 MiB", "60")
	created(admin, 2*MiB-3*1024) // exactly full
	refused(as("manager"), 1024, "with this one of 1 KiB it would pass the limit of 10 MiB", "60")
	// A recording of unknown length waits for room.
	resp, body := as("manager").patch(deferred, 0, wav(1, 3), nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" || !strings.Contains(string(body), "this recording waits until some have finished") {
		t.Fatalf("a chunk while the organisation is full = %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// A single-request upload counts too; it is refused before its body
	// is read.
	r, _ := http.NewRequest("POST", s.URL+"/api/v1/clients/"+f.clientA+"/recordings", bytes.NewReader(wav(1, 5)))
	r.Header.Set("Authorization", "Bearer "+f.tokens["manager"])
	r.Header.Set("Expect", "100-continue")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || !strings.Contains(string(body), "pass the limit of 10 MiB") {
		t.Fatalf("a single-request upload while full = %d %s", resp.StatusCode, body)
	}
	// Another organisation is not held up.
	code, client := call(t, s, "POST", "/api/v1/clients", f.tokens["b_manager"], `{"name": "Bea"}`)
	var c struct{ ID string }
	if json.Unmarshal([]byte(client), &c); code != 201 {
		t.Fatalf("client in org b = %d %s", code, client)
	}
	if resp, id := as("b_manager").create(4*MiB, map[string]string{"client_id": c.ID}); resp.StatusCode != 201 {
		t.Fatalf("another organisation = %d %s", resp.StatusCode, id)
	}

	// After a restart the count is the same.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = start()
	defer s.Close()
	refused(as("staff"), 1024, "you have 3 unfinished uploads, the most at once is 3", "")
	refused(as("manager"), 1024, "your organisation has 10 MiB in uploads under way", "60")

	// Room again once an upload is cancelled: the waiting recording goes
	// on.
	if resp, _ := as("admin").do("DELETE", "/api/v1/uploads/"+big[0], nil, nil); resp.StatusCode != 204 {
		t.Fatalf("cancel = %d", resp.StatusCode)
	}
	if resp, body := as("manager").patch(deferred, 0, wav(1, 3), nil); resp.StatusCode != 204 {
		t.Fatalf("the waiting recording = %d %s", resp.StatusCode, body)
	}
}

// TestUploadLimitAtOnce starts many uploads of one person at the same
// moment: exactly the limit get through.
func TestUploadLimitAtOnce(t *testing.T) {
	t.Parallel()
	s := startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), UploadLimits: web.UploadLimits{OpenPerPerson: 3}})
	f := newFixture(t, s)
	c := &tusClient{t: t, base: s.URL, token: f.tokens["staff"]}
	var wg sync.WaitGroup
	codes := make(chan int, 12)
	for range cap(codes) {
		wg.Go(func() {
			resp, _ := c.create(1024, map[string]string{"client_id": f.clientA})
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for code := range codes {
		count[code]++
	}
	if count[201] != 3 || count[429] != 9 {
		t.Fatalf("answers = %v, want 3 × 201 and 9 × 429", count)
	}
}

// TestUploadLimitSettings starts opname with limits that are not numbers,
// or too small to be of use: it refuses to start and names the setting.
func TestUploadLimitSettings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OPNAME_MAX_OPEN_UPLOADS": "0"}, `OPNAME_MAX_OPEN_UPLOADS: "0" is not a number of uploads`},
		{map[string]string{"OPNAME_MAX_OPEN_UPLOADS": "tien"}, `OPNAME_MAX_OPEN_UPLOADS: "tien" is not a number of uploads`},
		{map[string]string{"OPNAME_MAX_INFLIGHT": "veel"}, `OPNAME_MAX_INFLIGHT: "veel" is not a size`},
		{map[string]string{"OPNAME_MAX_INFLIGHT": "32X"}, `OPNAME_MAX_INFLIGHT: "32X" is not a size`},
		{map[string]string{"OPNAME_MAX_INFLIGHT": "-1G"}, `OPNAME_MAX_INFLIGHT: "-1G" is not a size`},
		{map[string]string{"OPNAME_MAX_INFLIGHT": "1G"}, "OPNAME_MAX_INFLIGHT: 1073741824 bytes is less than the largest recording (OPNAME_MAX_RECORDING, 8589934592 bytes)"},
	} {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return c.env[k] }}
		code := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()})
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("serve with %v = %d\n%s; want 2 and %q", c.env, code, stderr.String(), c.want)
		}
	}
}
