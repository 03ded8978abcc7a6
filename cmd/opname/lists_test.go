package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// TestListPagesHTTP walks the client list two at a time through the API
// (the Link header's next page) and through the page (its Next link) and
// finds every client exactly once; each page is one access-log record.
// A garbage cursor and too large a page are 400 naming the parameter and
// its value, in Dutch on a Dutch page; another organisation's cursor
// shows nothing of theirs.
func TestListPagesHTTP(t *testing.T) {
	t.Parallel()
	dialects(t, testListPagesHTTP)
}

func testListPagesHTTP(t *testing.T, s *server) {
	f := newFixture(t, s)
	var want []string
	for i := range 6 {
		var c opname.Client
		body := f.call(t, "manager", "POST", "/api/v1/clients", fmt.Sprintf(`{"name": "Paged client %d"}`, i%2), http.StatusCreated)
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	for range 2 {
		f.call(t, "b_manager", "POST", "/api/v1/clients", `{"name": "Paged client of B"}`, http.StatusCreated)
	}
	get := func(caller, path string, accept string) *http.Response {
		t.Helper()
		r, err := http.NewRequest("GET", f.s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+f.tokens[caller])
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	listed := func(path string) int {
		n := 0
		for _, e := range f.reads(t) {
			if e.ObjectType == "clients" {
				n++
			}
		}
		return n
	}

	t.Run("api", func(t *testing.T) {
		next, pages := "/api/v1/clients?q=paged&limit=2", 0
		var got []string
		for next != "" {
			before := listed(next)
			resp := get("manager", next, "")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
			}
			if got := listed(next) - before; got != 1 {
				t.Errorf("GET %s: %d access-log records, want 1", next, got)
			}
			var cs []opname.Client
			if err := json.Unmarshal(body, &cs); err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				got = append(got, c.ID)
			}
			next = ""
			if m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(resp.Header.Get("Link")); m != nil {
				next = m[1]
			}
			if pages++; pages > 6 {
				t.Fatal("more than 6 pages")
			}
		}
		if pages != 3 || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%d pages hold %v, want 3 pages holding each of %v once", pages, got, want)
		}
	})

	t.Run("page", func(t *testing.T) {
		next, pages := "/clienten?q=paged&limit=2", 0
		found := 0
		for next != "" {
			before := listed(next)
			resp := get("manager", next, "text/html")
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", next, resp.StatusCode)
			}
			if got := listed(next) - before; got != 1 {
				t.Errorf("GET %s: %d access-log records, want 1", next, got)
			}
			for _, id := range want {
				found += strings.Count(body, `href="/clienten/`+id+`"`)
			}
			next = ""
			if m := regexp.MustCompile(`<a class="utrecht-link" href="([^"]+)" rel="next">Volgende</a>`).FindStringSubmatch(body); m != nil {
				next = html.UnescapeString(m[1])
			}
			if pages++; pages > 6 {
				t.Fatal("more than 6 pages")
			}
		}
		if pages != 3 || found != len(want) {
			t.Errorf("%d pages show %d clients, want 3 pages showing each of %d once", pages, found, len(want))
		}
	})

	// The other lists of the API, two at a time.
	for i := range 5 {
		f.call(t, "manager", "POST", "/api/v1/clients/"+f.clientA+"/conversations", `{"location": "office", "participants": [{"role": "client"}, {"role": "staff"}]}`, http.StatusCreated)
		if _, err := s.web.Vault.Ingest(f.staffCtx, vault.Upload{ClientID: f.clientA, Source: "organisation", Body: bytes.NewReader(wav(1, byte(50+i)))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path string
		// n is how many items the list holds.
		n int
	}{
		{"/api/v1/users?limit=2", 8},
		{"/api/v1/conversations?limit=2", 6},
		{"/api/v1/clients/" + f.clientA + "/conversations?limit=2", 6},
		{"/api/v1/clients/" + f.clientA + "/recordings?limit=2", 6},
	} {
		t.Run(c.path, func(t *testing.T) {
			next, pages, seen := c.path, 0, map[string]bool{}
			for next != "" {
				resp := get("manager", next, "")
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
				}
				var items []struct{ ID string }
				if err := json.Unmarshal(body, &items); err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					if seen[it.ID] {
						t.Errorf("%s twice", it.ID)
					}
					seen[it.ID] = true
				}
				next = ""
				if m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(resp.Header.Get("Link")); m != nil {
					next = m[1]
				}
				if pages++; pages > c.n {
					t.Fatal("too many pages")
				}
			}
			if len(seen) != c.n || pages != (c.n+1)/2 {
				t.Errorf("%d pages hold %d items, want %d pages holding %d", pages, len(seen), (c.n+1)/2, c.n)
			}
		})
	}

	// A page of conversations reads their requests as one list.
	for _, path := range []string{"/werk", "/clienten/" + f.clientA + "/gesprekken"} {
		before := len(f.reads(t))
		resp := get("manager", path, "text/html")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		n := 0
		for _, e := range f.reads(t)[before:] {
			if e.ObjectType == "requests" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("GET %s: the requests of its 6 conversations are %d access-log records, want 1", path, n)
		}
	}

	t.Run("bad", func(t *testing.T) {
		for _, c := range []struct {
			path, accept string
			want         []string
		}{
			{"/api/v1/clients?cursor=garbage", "", []string{"cursor", "garbage"}},
			{"/api/v1/clients?limit=100000", "", []string{"limit", "100000"}},
			{"/api/v1/clients?limit=twee", "", []string{"limit", "twee"}},
			{"/api/v1/users?cursor=eyJsIjoiY2xpZW50cyIsImsiOiIxIiwidCI6IngifQ", "", []string{"cursor"}},
			{"/api/v1/inbox?incidents_cursor=garbage", "", []string{"incidents_cursor", "garbage"}},
			{"/clienten?cursor=garbage", "text/html", []string{"Vervolg van de lijst", "garbage", "hoort niet bij deze lijst"}},
			{"/clienten?limit=100000", "text/html", []string{"Aantal", "100000"}},
			{"/postvak?incidents_cursor=garbage", "text/html", []string{"Vervolg van de incidenten", "garbage"}},
		} {
			resp := get("manager", c.path, c.accept)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s: status %d, want 400", c.path, resp.StatusCode)
			}
			for _, w := range c.want {
				if !strings.Contains(html.UnescapeString(string(b)), w) {
					t.Errorf("GET %s: the answer does not say %q: %s", c.path, w, firstLine(b))
				}
			}
		}
	})

	t.Run("tenancy", func(t *testing.T) {
		resp := get("b_manager", "/api/v1/clients?limit=1", "")
		resp.Body.Close()
		m := regexp.MustCompile(`cursor=([^&>]+)`).FindStringSubmatch(resp.Header.Get("Link"))
		if m == nil {
			t.Fatalf("org B's first page has no next: %q", resp.Header.Get("Link"))
		}
		body := f.call(t, "manager", "GET", "/api/v1/clients?limit=500&cursor="+m[1], "", http.StatusOK)
		if strings.Contains(string(body), "of B") {
			t.Errorf("org B's cursor shows org A org B's client: %s", body)
		}
	})
}

// TestConversationTranscriptsOneRecord: the conversation page offers the
// transcripts of every recording of the conversation, read as one list:
// one access-log record, naming the conversation, however many
// recordings.
func TestConversationTranscriptsOneRecord(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		f := newFixture(t, s)
		var want []string
		for i := range 3 {
			rec, err := s.web.Vault.Ingest(f.staffCtx, vault.Upload{ClientID: f.clientA, Source: "organisation", ConversationID: f.convA, Body: bytes.NewReader(wav(1, byte(41+i)))})
			if err != nil {
				t.Fatal(err)
			}
			body := f.call(t, "manager", "POST", "/api/v1/recordings/"+rec.ID+"/transcripts", fmt.Sprintf("Medewerker: deel %d.\n", i), http.StatusCreated)
			var made struct {
				Transcript opname.Recording `json:"transcript"`
			}
			if err := json.Unmarshal(body, &made); err != nil {
				t.Fatal(err)
			}
			want = append(want, made.Transcript.ID)
		}
		before := len(f.reads(t))
		r := f.request(t, "GET", "/gesprekken/"+f.convA)
		r.Header.Set("Authorization", "Bearer "+f.tokens["manager"])
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the conversation page: %d", resp.StatusCode)
		}
		var lists []opname.AccessEvent
		for _, e := range f.reads(t)[before:] {
			if e.ObjectType == "transcripts" {
				lists = append(lists, e)
			}
		}
		if len(lists) != 1 || lists[0].ObjectID != f.convA || lists[0].Purpose != "list of 3" {
			t.Errorf("the conversation page logged the transcripts as %+v, want one record of the conversation's list of 3", lists)
		}
		for _, id := range want {
			if !strings.Contains(string(page), "transcript:"+id) {
				t.Errorf("the conversation page does not offer transcript %s to share", id)
			}
		}
	})
}
