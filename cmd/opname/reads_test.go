package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestEveryReadIsLogged calls every route that shows client data and
// checks that the access log gained a read by the caller: the store logs
// reads, so no handler can forget. A list is one record, however long.
func TestEveryReadIsLogged(t *testing.T) {
	t.Parallel()
	dialects(t, testEveryReadIsLogged)
}

func testEveryReadIsLogged(t *testing.T, s *server) {
	f := newFixture(t, s)
	for i := range 5 {
		f.call(t, "admin", "POST", "/api/v1/clients", fmt.Sprintf(`{"name": "List client %d"}`, i), http.StatusCreated)
	}
	for _, c := range []struct {
		pattern string
		// list: the route shows a list, logged as exactly one record.
		list       bool
		objectType string
	}{
		{"/api/v1/clients", true, "clients"},
		{"/api/v1/conversations", true, "conversations"},
		{"/api/v1/inbox", false, "incidents"},
		{"/api/v1/clients/{id}", false, "client"},
		{"/api/v1/clients/{id}/conversations", true, "conversations"},
		{"/api/v1/clients/{id}/recordings", true, "recordings"},
		{"/api/v1/conversations/{id}", false, "conversation"},
		{"/api/v1/requests/{id}", false, "request"},
		{"/api/v1/requests/{id}/decisions", false, "request_decisions"},
		{"/api/v1/requests/{id}/agreement/text", false, "request"},
		{"/api/v1/incidents/{id}", false, "incident"},
		{"/api/v1/recordings/{id}", false, "recording"},
		{"/clienten", true, "clients"},
		{"/werk", false, "conversations"},
		{"/postvak", false, "incidents"},
		{"/clienten/{id}/gesprekken", false, "conversations"},
		{"/gesprekken/{id}", false, "conversation"},
		{"/verzoeken/{id}", false, "request"},
		{"/incidenten/{id}", false, "incident"},
		{"/opnames/{id}", false, "recording"},
	} {
		before := f.reads(t)
		r := f.request(t, "GET", c.pattern)
		r.Header.Set("Authorization", "Bearer "+f.tokens["manager"])
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", c.pattern, resp.StatusCode)
			continue
		}
		added := f.reads(t)[len(before):]
		var types []string
		n := 0
		for _, e := range added {
			types = append(types, e.ObjectType)
			if e.ObjectType == c.objectType {
				n++
			}
		}
		switch {
		case n == 0:
			t.Errorf("GET %s: no read of %s in the access log (logged: %v)", c.pattern, c.objectType, types)
		case c.list && n != 1:
			t.Errorf("GET %s: %d records for one list, want 1", c.pattern, n)
		}
	}
}

// reads returns the manager's reads in org A's access log, oldest first.
func (f *fixture) reads(t *testing.T) []opname.AccessEvent {
	t.Helper()
	body := f.call(t, "privacy", "GET", "/api/v1/access-log?action=read&limit=1000", "", http.StatusOK)
	var events []opname.AccessEvent
	if err := json.Unmarshal(body, &events); err != nil {
		t.Fatal(err)
	}
	var out []opname.AccessEvent
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].UserName == "manager" {
			out = append(out, events[i])
		}
	}
	return out
}

// call makes an API request as caller and checks its status.
func (f *fixture) call(t *testing.T, caller, method, path, body string, want int) []byte {
	t.Helper()
	r, err := http.NewRequest(method, f.s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+f.tokens[caller])
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s as %s: %d %s, want %d", method, path, caller, resp.StatusCode, firstLine(b), want)
	}
	return b
}
