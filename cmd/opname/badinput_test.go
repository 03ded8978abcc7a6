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

	"github.com/opname/opname"
)

// TestDecisionBodyTooLarge sends a situation larger than the API takes: the
// answer names the limit, and it is the caller's mistake, not a fault.
func TestDecisionBodyTooLarge(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	// logged counts the uploads the server has finished with; waitForLog
	// waits until it has finished with one more than before.
	logged := func() int { return strings.Count(logs.String(), `"msg":"request","request_id"`) }
	waitForLog := func(before int) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); logged() == before; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the server never finished the request")
			}
		}
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
		before := logged()
		send(cut).Close()
		waitForLog(before)
	}
	// A sender that sent everything and then stopped listening: the
	// recording is stored all the same.
	for _, half := range []bool{true, false} {
		before := logged()
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
		waitForLog(before)
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

// call sends a request as a caller with a token; a body for a page is sent
// as a form, from a browser.
func call(t *testing.T, s *server, method, path, token, body string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" && !strings.HasPrefix(body, "{") && !strings.HasPrefix(path, "/api/") {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(data)
}

// TestParticipantsValidated opens conversations through the API and the
// page with participants that are not of the organisation, too many, or
// with names that are not text: each is refused with the field named, on
// SQLite and PostgreSQL.
func TestParticipantsValidated(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		f := newFixture(t, s)
		_, me := call(t, s, "GET", "/api/v1/me", f.tokens["b_staff"], "")
		var elsewhere opname.User
		if err := json.Unmarshal([]byte(me), &elsewhere); err != nil || elsewhere.ID == "" {
			t.Fatalf("me = %s %v", me, err)
		}
		many := strings.TrimSuffix(strings.Repeat(`{"role": "other"}, `, 51), ", ")
		open := "/api/v1/clients/" + f.clientA + "/conversations"
		for _, c := range []struct{ body, want string }{
			{fmt.Sprintf(`{"location": "office", "participants": [{"role": "client"}, {"role": "staff", "user_id": %q}]}`, elsewhere.ID), "participants[1].user_id: no such person in this organisation"},
			{`{"location": "office", "participants": [{"role": "client"}, {"role": "staff", "user_id": "no-such-person"}]}`, "participants[1].user_id: no such person in this organisation"},
			{`{"location": "office", "participants": [` + many + `]}`, "participants: at most 50 (got 51)"},
			{`{"location": "office", "participants": [{"role": "client", "name": "An\u0000na"}]}`, "participants[0].name: contains a control character (U+0000"},
			{`{"location": "office", "topic": "\u001b[2J", "participants": [{"role": "client"}]}`, "topic: contains a control character (U+001B"},
		} {
			if code, body := call(t, s, "POST", open, f.tokens["staff"], c.body); code != 400 || !strings.Contains(body, c.want) {
				t.Errorf("POST %s = %d %s; want 400 with %q", open, code, body, c.want)
			}
		}
		// Forms carry bytes JSON cannot: broken UTF-8.
		if code, body := call(t, s, "POST", "/clienten/"+f.clientA+"/gesprekken", f.tokens["staff"], "waar=office&rol0=parent&naam0=Ren%E9"); code != 400 || !strings.Contains(body, "naam0: deze tekst bevat tekens die geen gewone tekst zijn") {
			t.Errorf("the page's form with broken UTF-8 = %d; want 400 naming the field\n%s", code, body)
		}
		for _, c := range []struct{ method, path, body, want string }{
			{"POST", "/api/v1/clients", `{"name": "Anna\u0000"}`, "name: contains a control character"},
			{"POST", "/api/v1/clients", `{"name": "Anna", "dossier_ref": "` + strings.Repeat("1", 101) + `"}`, "dossier_ref: longer than 100 characters"},
			{"POST", "/api/v1/recordings/" + f.recA + "/erasure", `{"reason": "op\u0000verzoek"}`, "reason: contains a control character"},
			{"POST", "/api/v1/incidents/" + f.incA + "/steps", `{"step": "ask_to_stop", "note": "\u0000"}`, "note: contains a control character"},
		} {
			if code, body := call(t, s, c.method, c.path, f.tokens["manager"], c.body); code != 400 || !strings.Contains(body, c.want) {
				t.Errorf("%s %s = %d %s; want 400 with %q", c.method, c.path, code, body, c.want)
			}
		}
		// An edit statement in the address, with broken UTF-8.
		edit := "/api/v1/clients/" + f.clientA + "/recordings?derived_from=" + f.recA + "&what_changed=Knip%FF&reason=Klacht&who_was_told=Moeder"
		if code, body := call(t, s, "POST", edit, f.tokens["staff"], string(wav(1, 9))); code != 400 || !strings.Contains(body, "what_changed: not valid UTF-8") {
			t.Errorf("an edit statement with broken UTF-8 = %d %s", code, body)
		}
	})
}

// TestNoServerErrorForBrokenText sends NUL and broken UTF-8 where opname
// takes identifiers and names — in the path, the query, JSON and forms —
// on SQLite and PostgreSQL (which refuses such text): the caller's mistake
// is a 4xx, never a 500.
func TestNoServerErrorForBrokenText(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		f := newFixture(t, s)
		for _, c := range []struct{ caller, method, path, body string }{
			{"staff", "GET", "/api/v1/clients/%00", ""},
			{"staff", "GET", "/api/v1/clients/%FF", ""},
			{"staff", "GET", "/api/v1/recordings/a%00b/receipt", ""},
			{"staff", "GET", "/api/v1/conversations/%C3", ""},
			{"staff", "GET", "/api/v1/requests/%00", ""},
			{"privacy", "GET", "/api/v1/access-log?client_id=%00", ""},
			{"privacy", "GET", "/api/v1/access-log?user_id=%FF", ""},
			{"", "GET", "/api/v1/logs/%FF/checkpoint", ""},
			{"", "GET", "/api/v1/logs/a%00/key", ""},
			{"", "POST", "/api/v1/session", `{"organisation": "org-a\u0000", "email": "staff@org-a.nl", "password": "x"}`},
			{"", "POST", "/aanmelden", "organisatie=org-%FF&email=staff%40org-a.nl&wachtwoord=x"},
			{"manager", "POST", "/api/v1/clients/" + f.clientA + "/staff", `{"user_id": "\u0000"}`},
			{"manager", "POST", "/clienten/" + f.clientA + "/medewerkers", "medewerker=%FF"},
			{"admin", "POST", "/api/v1/tokens", `{"user_id": "a\u0000", "name": "koppeling"}`},
			{"admin", "GET", "/api/v1/users/%00", ""},
			{"staff", "GET", "/clienten/%FF", ""},
			{"staff", "GET", "/gesprekken/%00", ""},
		} {
			code, body := call(t, s, c.method, c.path, f.tokens[c.caller], c.body)
			if code >= 500 {
				t.Errorf("%s %s as %s = %d %s", c.method, c.path, c.caller, code, body)
			}
		}
	})
}
