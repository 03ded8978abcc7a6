package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestAccessLogPruneCommand prunes as an operator would: a date in the
// organisation's zone deletes the records before it up to the head the
// last check anchored, and says so; the check passes after it; a record
// deleted after the start is then reported; a date that is not one is
// exit 2 naming the flag.
func TestAccessLogPruneCommand(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := &config{Data: t.TempDir()}
			driver, dsn := "sqlite", filepath.Join(cfg.Data, "opname.db")
			if dialect == "postgres" {
				cfg.DatabaseURL = sqldbtest.PostgresURL(t)
				driver, dsn = "pgx", cfg.DatabaseURL
			}
			db, err := openDB(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// 5 January 2026, 23:30 in Amsterdam: 22:30 UTC.
			clock := time.Date(2026, 1, 5, 22, 30, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			org := &opname.Organisation{Slug: "kliniek", Name: "Kliniek", TimeZone: "Europe/Amsterdam", Policy: opname.PolicyVersion{Name: "ombudsman", Shipped: "ombudsman", Digest: "sha256:1", Text: "x"}}
			if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("test")), org); err != nil {
				t.Fatal(err)
			}
			sys := opname.System("test")
			sys.OrgID = org.ID
			record := func(n int) {
				for i := range n {
					if err := db.Record(opname.WithActor(ctx, sys), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			record(6)
			if _, err := db.Verify(ctx); err != nil { // anchors record 6
				t.Fatal(err)
			}
			// 6 January, 00:30 in Amsterdam: after the date 2026-01-06 there.
			clock = time.Date(2026, 1, 5, 23, 30, 0, 0, time.UTC)
			record(4)
			db.Close()
			run := func(args ...string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				env := map[string]string{"OPNAME_DATA": cfg.Data, "OPNAME_DATABASE_URL": cfg.DatabaseURL}
				m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
				return m.Run(ctx, args), stdout.String(), stderr.String()
			}
			code, out, errOut := run("accesslog", "prune", "--org", "kliniek", "--before", "2026-01-06")
			if want := "organisation kliniek: 6 access-log records from before 2026-01-06 00:00 CET deleted; the chain now starts after record 6"; code != 0 || !strings.Contains(out, want) {
				t.Fatalf("accesslog prune = %d\n%s%s\nwant 0 and %q", code, out, errOut, want)
			}
			code, out, errOut = run("accesslog", "prune", "--org", "kliniek", "--before", "2026-01-06T00:00:00+01:00")
			if want := "nothing to delete"; code != 0 || !strings.Contains(out, want) {
				t.Fatalf("accesslog prune again = %d\n%s%s\nwant 0 and %q", code, out, errOut, want)
			}
			if code, out, errOut := run("accesslog", "verify"); code != 0 || !strings.Contains(out, "access log intact: 5 records checked") {
				t.Fatalf("accesslog verify after the prune = %d\n%s%s\nwant 0 and intact", code, out, errOut)
			}
			for _, c := range []struct{ args []string }{
				{[]string{"--org", "kliniek", "--before", "6 januari"}},
				{[]string{"--org", "geen", "--before", "2026-01-06"}},
				{[]string{"--org", "kliniek"}},
			} {
				code, out, errOut := run(append([]string{"accesslog", "prune"}, c.args...)...)
				if code != 2 || !strings.Contains(errOut, "opname: error: ") || !strings.Contains(errOut, "--") {
					t.Errorf("accesslog prune %q = %d\n%s%s\nwant 2 naming the flag", c.args, code, out, errOut)
				}
			}

			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			exec := func(query string) {
				t.Helper()
				if _, err := raw.Exec(query); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			if dialect == "postgres" {
				exec(`DROP TRIGGER access_log_no_delete ON access_log`)
			} else {
				exec(`DROP TRIGGER access_log_no_delete`)
			}
			exec(`DELETE FROM access_log WHERE seq = 7`)
			code, out, errOut = run("accesslog", "verify")
			if want := "opname: error: organisation kliniek: record 8 ("; code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "record 7 is missing") {
				t.Errorf("accesslog verify after a deletion past the start = %d\n%s%s\nwant 1 and %q", code, out, errOut, want)
			}
		})
	}
}

// TestPagesAfterPrune prunes an organisation's log and then pages
// through what is left, on the API and the pages, as before: the search,
// the client's "who looked" and their cursors reach the first record left
// and no pruned one.
func TestPagesAfterPrune(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		a := newNamesOrg(t, s, "gesnoeid", "ombudsman")
		sys := opname.System("test")
		sys.OrgID = a.org.ID
		ctx := opname.WithActor(t.Context(), sys)
		if _, err := s.db.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
		n, err := s.db.PruneAccessLog(ctx, a.org.ID, time.Now().Add(time.Minute))
		if err != nil || n == 0 {
			t.Fatalf("PruneAccessLog = %d, %v", n, err)
		}
		start, _, err := s.db.AccessLogStart(t.Context(), a.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		const left = 40
		events := make([]opname.AccessEvent, left)
		now := time.Now().UTC().Truncate(time.Second) // as stored
		for i := range events {
			events[i] = opname.AccessEvent{Time: now.Add(time.Duration(i) * time.Second), Action: opname.AccessRead, UserID: a.sanne.ID, UserName: a.sanne.Name, UserRole: a.sanne.Role, ClientID: a.anna.ID, ObjectType: "client", ObjectID: a.anna.ID}
		}
		if err := s.db.BulkAccess(ctx, events); err != nil {
			t.Fatal(err)
		}
		nextOf := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)
		follow := func(first, path string) map[int64]bool {
			t.Helper()
			seen := map[int64]bool{}
			for pages := 0; path != ""; pages++ {
				if pages > 30 {
					t.Fatal("the pages do not end")
				}
				resp, body := send(t, "GET", s.URL+path, "", map[string]string{"Authorization": "Bearer " + a.tokens[first]})
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s = %d %s", path, resp.StatusCode, firstLine([]byte(body)))
				}
				var page []opname.AccessEvent
				if err := json.Unmarshal([]byte(body), &page); err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					if e.Seq <= start {
						t.Fatalf("GET %s shows record %d, pruned up to %d", path, e.Seq, start)
					}
					seen[e.Seq] = true
				}
				path = ""
				if m := nextOf.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
					path = m[1]
				}
			}
			return seen
		}
		if got := follow("pim", "/api/v1/access-log?user_id="+a.sanne.ID+"&limit=7"); len(got) != left {
			t.Errorf("the search's pages after a prune hold %d of Sanne's records, want %d", len(got), left)
		}
		if got := follow("sanne", "/api/v1/clients/"+a.anna.ID+"/access-log?limit=9"); len(got) < left {
			t.Errorf("Anna's overview after a prune holds %d records, want at least %d", len(got), left)
		}
		a.get(t, s, "pim", "/toegangslog?user_id="+a.sanne.ID, 200)
		a.get(t, s, "sanne", "/clienten/"+a.anna.ID, 200)
		if _, err := s.db.Verify(t.Context()); err != nil {
			t.Fatalf("Verify after a prune and the pages: %v", err)
		}
	})
}
