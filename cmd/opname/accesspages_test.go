package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// TestAccessLogPagesAndExports pages through the access log as a privacy
// officer's integration does (the Link header's next page), on the
// privacy officer's page and through a client's overview, and exports
// more records than a page holds as CSV and JSON Lines: every record
// once. A cursor that is garbage or of another organisation is a 400
// that names the parameter, in English and in Dutch.
func TestAccessLogPagesAndExports(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		a := newNamesOrg(t, s, "bladeren", "ombudsman")
		b := newNamesOrg(t, s, "anders", "ombudsman")
		const n = 1500
		sys := opname.System("test")
		sys.OrgID = a.org.ID
		start := time.Now().UTC().AddDate(0, -1, 0).Truncate(time.Second)
		events := make([]opname.AccessEvent, n)
		for i := range events {
			events[i] = opname.AccessEvent{Time: start.Add(time.Duration(i) * time.Minute), Action: opname.AccessRead, UserID: a.sanne.ID, UserName: a.sanne.Name, UserRole: a.sanne.Role, ClientID: a.anna.ID, ObjectType: "client", ObjectID: a.anna.ID}
		}
		if err := s.db.BulkAccess(opname.WithActor(t.Context(), sys), events); err != nil {
			t.Fatal(err)
		}
		auth := func(o *namesOrg, first string, more ...string) map[string]string {
			h := map[string]string{"Authorization": "Bearer " + o.tokens[first]}
			for i := 0; i+1 < len(more); i += 2 {
				h[more[i]] = more[i+1]
			}
			return h
		}
		nextOf := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)
		// follow gets path and every next page, and returns the sequence
		// numbers of the records, each once.
		follow := func(o *namesOrg, first, path string) map[float64]bool {
			t.Helper()
			seen := map[float64]bool{}
			for pages := 0; path != ""; pages++ {
				if pages > 50 {
					t.Fatal("the pages do not end")
				}
				resp, body := send(t, "GET", s.URL+path, "", auth(o, first))
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s = %d %s", path, resp.StatusCode, firstLine([]byte(body)))
				}
				var page []map[string]any
				if err := json.Unmarshal([]byte(body), &page); err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					seq := e["seq"].(float64)
					if seen[seq] {
						t.Fatalf("record %v on two pages", seq)
					}
					seen[seq] = true
				}
				path = ""
				if link := resp.Header.Get("Link"); link != "" {
					m := nextOf.FindStringSubmatch(link)
					if m == nil {
						t.Fatalf("Link: %q", link)
					}
					path = m[1]
				}
			}
			return seen
		}
		if got := follow(a, "pim", "/api/v1/access-log?action=read&user_id="+a.sanne.ID+"&limit=400"); len(got) != n {
			t.Errorf("the API's pages hold %d of Sanne's reads, want %d", len(got), n)
		}
		if got := follow(a, "pim", "/api/v1/access-log?user_id="+a.sanne.ID); len(got) != n {
			t.Errorf("the API's pages of the default size hold %d records, want %d", len(got), n)
		}
		if got := follow(a, "sanne", "/api/v1/clients/"+a.anna.ID+"/access-log?limit=700"); len(got) < n {
			t.Errorf("Anna's overview's pages hold %d records, want at least %d", len(got), n)
		}

		t.Run("exports", func(t *testing.T) {
			// The generated records, not the reads of the overview above.
			generated := "&until=" + start.Add(n*time.Minute).Format(time.RFC3339)
			for _, c := range []struct{ query, accept string }{{"format=csv&", ""}, {"", "text/csv"}} {
				resp, body := send(t, "GET", s.URL+"/api/v1/access-log?"+c.query+"user_id="+a.sanne.ID+generated, "", auth(a, "pim", "Accept", c.accept))
				rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if resp.StatusCode != 200 || err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
					t.Fatalf("CSV export (%q, Accept %q) = %d %s, %v", c.query, c.accept, resp.StatusCode, resp.Header.Get("Content-Type"), err)
				}
				if len(rows) != n+1 || rows[0][0] != "seq" {
					t.Errorf("CSV export (%q, Accept %q): %d rows, want a header and %d", c.query, c.accept, len(rows), n)
				}
			}
			resp, body := send(t, "GET", s.URL+"/api/v1/access-log?format=jsonl&user_id="+a.sanne.ID+generated, "", auth(a, "pim"))
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/jsonl") {
				t.Fatalf("JSON Lines export = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			lines := 0
			sc := bufio.NewScanner(strings.NewReader(body))
			for sc.Scan() {
				var e opname.AccessEvent
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.UserID != a.sanne.ID {
					t.Fatalf("JSON Lines record %d: %v, %+v", lines, err, e)
				}
				lines++
			}
			if lines != n {
				t.Errorf("JSON Lines export: %d records, want %d", lines, n)
			}
			// Nothing fits: a CSV of just its header.
			resp, body = send(t, "GET", s.URL+"/api/v1/access-log?format=csv&action=delete", "", auth(a, "pim"))
			if resp.StatusCode != 200 || strings.Count(body, "\n") != 1 {
				t.Errorf("an empty CSV export = %d %q", resp.StatusCode, body)
			}
		})

		t.Run("cursors", func(t *testing.T) {
			resp, _ := send(t, "GET", s.URL+"/api/v1/access-log?limit=1", "", auth(b, "pim"))
			m := nextOf.FindStringSubmatch(resp.Header.Get("Link"))
			if m == nil {
				t.Fatalf("organisation B's first page has no next page: %q", resp.Header.Get("Link"))
			}
			otherCursor := strings.SplitN(strings.SplitN(m[1], "cursor=", 2)[1], "&", 2)[0]
			for _, cursor := range []string{"rommel", otherCursor} {
				for _, c := range []struct{ lang, want string }{{"", "cursor: "}, {"nl", "Vervolg van de lijst: "}} {
					for _, path := range []string{"/api/v1/access-log?cursor=" + cursor, "/api/v1/clients/" + a.anna.ID + "/access-log?cursor=" + cursor} {
						first := "pim"
						if strings.Contains(path, "/clients/") {
							first = "sanne"
						}
						resp, body := send(t, "GET", s.URL+path, "", auth(a, first, "Accept-Language", c.lang))
						if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) {
							t.Errorf("GET %s (%s) = %d %s; want 400 naming %q", path, c.lang, resp.StatusCode, firstLine([]byte(body)), c.want)
						}
					}
				}
			}
			page := a.get(t, s, "pim", "/toegangslog?cursor=rommel", http.StatusBadRequest)
			if !strings.Contains(page, "Vervolg van de lijst") {
				t.Errorf("the page with a broken cursor does not say which field")
			}
		})

		t.Run("pages", func(t *testing.T) {
			page := a.get(t, s, "pim", "/toegangslog?user_id="+a.sanne.ID, 200)
			m := regexp.MustCompile(`href="(/toegangslog\?[^"]*cursor=[^"]*)" rel="next">Volgende pagina`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("the access log page has no link to the next page")
			}
			next := a.get(t, s, "pim", strings.ReplaceAll(m[1], "&amp;", "&"), 200)
			if !strings.Contains(next, "Eerste pagina") || !strings.Contains(next, "Volgende pagina") || !strings.Contains(next, "user_id="+a.sanne.ID) {
				t.Errorf("the second page does not link the first and the next of the same search")
			}
			client := a.get(t, s, "sanne", "/clienten/"+a.anna.ID, 200)
			m = regexp.MustCompile(`href="(/clienten/[^"]*\?gezien=[^"]*)" rel="next">`).FindStringSubmatch(client)
			if m == nil {
				t.Fatal("the client's page has no next page of who looked")
			}
			if older := a.get(t, s, "sanne", m[1], 200); !strings.Contains(older, "Eerste pagina (laatst bekeken)") {
				t.Errorf("the client's second page of who looked does not link the first")
			}
		})
	})
}
