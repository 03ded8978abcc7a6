package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDecisionBodyTooLarge sends a situation larger than the API takes: the
// answer names the limit, and it is the caller's mistake, not a fault.
func TestDecisionBodyTooLarge(t *testing.T) {
	s := testServer(t)
	f := newFixture(t, s)
	for name, body := range map[string][]byte{
		"spaces":       bytes.Repeat([]byte(" "), 2<<20),
		"a long value": []byte(`{"action": "record", "medium": "audio", "by": "client", "purpose": "` + strings.Repeat("x", 1<<20) + `"}`),
	} {
		r, _ := http.NewRequest("POST", s.URL+"/api/v1/decisions", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(data), "larger than 1048576 bytes") {
			t.Errorf("%s: POST /api/v1/decisions = %d %s; want 400 naming the limit", name, resp.StatusCode, data)
		}
	}
}

// TestBrokenOffUpload sends single-request uploads whose connection ends
// before the announced length, at several points: each is the sender's
// mistake (400, logged at info, no error line), and nothing is stored.
func TestBrokenOffUpload(t *testing.T) {
	var logs syncBuffer
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir()}
	start := func() *server {
		s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	f := newFixture(t, s)
	audio := wav(30, 12)
	send := func(cut int) net.Conn {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/clients/%s/recordings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", f.clientA, f.tokens["staff"], len(audio))
		conn.Write(audio[:cut])
		return conn
	}
	// Cut before the server has seen enough to tell the file's type, and
	// after.
	cuts := []int{100, 3000, len(audio) / 2}
	for _, cut := range cuts {
		// The sender stops sending but waits for the answer.
		conn := send(cut)
		conn.(*net.TCPConn).CloseWrite()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "broke off") {
			t.Errorf("cut at %d, half closed: %d %s; want 400, broke off", cut, resp.StatusCode, body)
		}
		// The sender goes away altogether; the server logs the request
		// when it is done with it.
		before := strings.Count(logs.String(), `"route":"POST /api/v1/clients/{id}/recordings"`)
		send(cut).Close()
		for deadline := time.Now().Add(time.Minute); strings.Count(logs.String(), `"route":"POST /api/v1/clients/{id}/recordings"`) == before; {
			if time.Now().After(deadline) {
				t.Fatalf("cut at %d, closed: the server never finished the request", cut)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// A sender that sent everything and then stopped listening: the
	// recording is stored all the same.
	for _, half := range []bool{true, false} {
		before := strings.Count(logs.String(), `"route":"POST /api/v1/clients/{id}/recordings"`)
		conn := send(len(audio))
		if half {
			conn.(*net.TCPConn).CloseWrite()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 201 {
				t.Errorf("whole, half closed: %d %s; want 201", resp.StatusCode, body)
			}
		}
		conn.Close()
		for deadline := time.Now().Add(time.Minute); strings.Count(logs.String(), `"route":"POST /api/v1/clients/{id}/recordings"`) == before; {
			if time.Now().After(deadline) {
				t.Fatal("whole, closed: the server never finished the request")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Close waits for the requests still running.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var answered int
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var line struct {
			Level, Msg, Route string
			Status            int
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if line.Level == "ERROR" {
			t.Errorf("error logged for a sender's mistake: %s", l)
		}
		if line.Msg == "request" && line.Route == "POST /api/v1/clients/{id}/recordings" {
			answered++
			if answered <= 2*len(cuts) && (line.Status != 400 || line.Level != "INFO") {
				t.Errorf("broken-off upload logged as %s %d, want INFO 400: %s", line.Level, line.Status, l)
			}
		}
	}
	if answered != 2*len(cuts)+2 {
		t.Errorf("%d uploads logged, want %d", answered, 2*len(cuts)+2)
	}

	// Nothing of the broken-off ones was stored: the fixture's recording
	// and the two whole ones, with a blob each.
	s = start()
	defer s.Close()
	recs, err := s.db.ClientRecordings(f.staffCtx, f.clientA)
	if err != nil || len(recs) != 3 {
		t.Fatalf("recordings after broken-off uploads: %d, %v; want 3", len(recs), err)
	}
	var files []string
	filepath.WalkDir(filepath.Join(cfg.Data, "recordings"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 3 {
		t.Errorf("files in the blob store: %v, want 3", files)
	}
}
