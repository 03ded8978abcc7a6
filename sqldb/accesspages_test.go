package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestAccessLogPages pages through the access log with every filter and
// some combined: each record that fits is seen exactly once, newest
// first, and the pages hold what the export streams. A cursor of another
// organisation, of another list or of nothing is Invalid, naming it.
func TestAccessLogPages(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		ctx := context.Background()
		sys := opname.System("test")
		sys.OrgID = w.orgA.ID
		staff, manager := w.a[opname.RoleStaff], w.a[opname.RoleManager]
		// 2,500 records of a past week, three at a time sharing a time,
		// so that the order within a time is the sequence number's.
		start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		actions := []opname.AccessAction{opname.AccessRead, opname.AccessPrint, opname.AccessUpdate, opname.AccessRead, opname.AccessExport}
		var events []opname.AccessEvent
		for i := range 2500 {
			u := staff
			if i%4 == 3 {
				u = manager
			}
			client := w.assigned.ID
			if i%3 == 1 {
				client = w.other.ID
			}
			events = append(events, opname.AccessEvent{Time: start.Add(time.Duration(i/3) * time.Minute), Action: actions[i%len(actions)], UserID: u.UserID, UserName: u.Name, UserRole: u.Role, ClientID: client, ObjectType: "client", ObjectID: client})
		}
		// Loaded as the generator loads a large log: without the search
		// indexes, which are there again after.
		indexes, err := db.AccessIndexes(ctx)
		if err != nil || len(indexes) != 5 {
			t.Fatalf("the access log's search indexes: %v, %v", indexes, err)
		}
		err = db.WithoutAccessIndexes(as(sys), func() error {
			if during, err := db.AccessIndexes(ctx); err != nil || len(during) != 0 {
				t.Errorf("indexes during the load: %v, %v", during, err)
			}
			return db.BulkAccess(as(sys), events)
		})
		if err != nil {
			t.Fatal(err)
		}
		if after, err := db.AccessIndexes(ctx); err != nil || fmt.Sprint(after) != fmt.Sprint(indexes) {
			t.Fatalf("indexes after the load: %v, %v; want %v", after, err, indexes)
		}
		sysB := opname.System("test")
		sysB.OrgID = w.orgB.ID
		inB := append([]opname.AccessEvent(nil), events[:3]...)
		for i := range inB {
			inB[i].ID = ""
		}
		if err := db.BulkAccess(as(sysB), inB); err != nil {
			t.Fatal(err)
		}
		officer := as(w.a[opname.RolePrivacyOfficer])
		since, until := start.Add(100*time.Minute), start.Add(500*time.Minute)
		for _, f := range []opname.AccessFilter{
			{},
			{UserID: staff.UserID},
			{Action: opname.AccessPrint},
			{Since: since, Until: until},
			{ClientID: w.assigned.ID},
			{Client: "jansen"},
			{Client: "d-"}, // both clients, by dossier reference
			{UserID: staff.UserID, Action: opname.AccessRead, ClientID: w.other.ID, Since: since},
		} {
			t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
				var all []opname.AccessEvent
				if err := db.ExportAccess(officer, f, func(e opname.AccessEvent) error { all = append(all, e); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(all) < 100 {
					t.Fatalf("the export holds %d records; the test wants several pages", len(all))
				}
				f.Limit = 97
				seen := map[int64]bool{}
				var paged []opname.AccessEvent
				for pages := 0; ; pages++ {
					if pages > 100 {
						t.Fatal("the pages do not end")
					}
					p, err := db.SearchPage(officer, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Events) > f.Limit {
						t.Fatalf("a page of %d records, limit %d", len(p.Events), f.Limit)
					}
					for _, e := range p.Events {
						if seen[e.Seq] {
							t.Fatalf("record %d on two pages", e.Seq)
						}
						seen[e.Seq] = true
						paged = append(paged, e)
					}
					if p.Next == "" {
						break
					}
					f.Cursor = p.Next
				}
				if len(paged) != len(all) {
					t.Fatalf("the pages hold %d records, the export %d", len(paged), len(all))
				}
				for i := range all {
					if paged[i].Seq != all[i].Seq {
						t.Fatalf("record %d of the pages is %d, of the export %d", i, paged[i].Seq, all[i].Seq)
					}
					if i > 0 {
						prev, e := all[i-1], all[i]
						if e.Time.After(prev.Time) || e.Time.Equal(prev.Time) && e.Seq > prev.Seq {
							t.Fatalf("record %d (%s) after %d (%s): not newest first", e.Seq, e.Time, prev.Seq, prev.Time)
						}
					}
				}
			})
		}

		t.Run("client overview", func(t *testing.T) {
			var all []opname.AccessEvent
			if err := db.ClientAccessEach(as(staff), w.assigned.ID, func(e opname.AccessEvent) error { all = append(all, e); return nil }); err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			cursor := ""
			for {
				p, err := db.ClientOverviewPage(as(staff), w.assigned.ID, cursor, 250)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range p.Events {
					if seen[e.Seq] || e.ClientID != w.assigned.ID {
						t.Fatalf("record %d twice, or of another client (%s)", e.Seq, e.ClientID)
					}
					seen[e.Seq] = true
				}
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			// The overview's own reads are newer than its first page.
			for _, e := range all {
				if !seen[e.Seq] {
					t.Fatalf("record %d of the client is on no page", e.Seq)
				}
			}
			if len(all) < 1600 {
				t.Fatalf("the client's records: %d", len(all))
			}
		})

		t.Run("cursors", func(t *testing.T) {
			first, err := db.SearchPage(officer, opname.AccessFilter{Limit: 5})
			if err != nil || first.Next == "" {
				t.Fatalf("first page: %v, next %q", err, first.Next)
			}
			other, err := db.SearchPage(as(w.b[opname.RolePrivacyOfficer]), opname.AccessFilter{Limit: 1})
			if err != nil || other.Next == "" {
				t.Fatalf("organisation B's first page: %v, next %q", err, other.Next)
			}
			overview, err := db.ClientOverviewPage(as(staff), w.assigned.ID, "", 5)
			if err != nil || overview.Next == "" {
				t.Fatalf("overview: %v, next %q", err, overview.Next)
			}
			for name, c := range map[string]string{
				"another organisation's": other.Next,
				"an overview's":          overview.Next,
				"garbage":                "!!not-a-cursor",
				"base64 of nothing":      "bm90aGluZw",
			} {
				_, err := db.SearchPage(officer, opname.AccessFilter{Cursor: c})
				var e *opname.Error
				if !errors.As(err, &e) || e.Kind != opname.Invalid || e.Field != "cursor" {
					t.Errorf("search with %s cursor: %v; want Invalid naming cursor", name, err)
				}
			}
			if _, err := db.ClientOverviewPage(as(manager), w.other.ID, overview.Next, 5); opname.KindOf(err) != opname.Invalid {
				t.Errorf("another client's overview with this client's cursor: %v; want Invalid", err)
			}
			if _, err := db.SearchPage(officer, opname.AccessFilter{Cursor: first.Next}); err != nil {
				t.Errorf("the next page: %v", err)
			}
		})

		t.Run("bulk needs the system", func(t *testing.T) {
			if err := db.BulkAccess(as(manager), []opname.AccessEvent{{Action: opname.AccessRead}}); opname.KindOf(err) != opname.Forbidden {
				t.Errorf("BulkAccess as a manager: %v; want Forbidden", err)
			}
			if err := db.WithoutAccessIndexes(as(manager), func() error { return nil }); opname.KindOf(err) != opname.Forbidden {
				t.Errorf("WithoutAccessIndexes as a manager: %v; want Forbidden", err)
			}
		})

		if n, err := db.Verify(ctx); err != nil || n < 2500 {
			t.Fatalf("Verify = %d, %v", n, err)
		}
	})
}
