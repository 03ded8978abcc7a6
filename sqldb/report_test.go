package sqldb_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestPrivacyReport writes a month of every kind the report counts, and
// the same just before and after the month and in another organisation:
// the report counts the month's, in the organisation's zone, and is
// logged; only the privacy officer gets it.
func TestPrivacyReport(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
		at := func(tm time.Time) { clock.us.Store(tm.UnixMicro()) }
		record := func(who opname.Actor, n int, e opname.AccessEvent) {
			t.Helper()
			for range n {
				if err := db.Record(as(who), e); err != nil {
					t.Fatal(err)
				}
			}
		}
		month := func(w *world, scale int) {
			staff, manager, po := w.a[opname.RoleStaff], w.a[opname.RoleManager], w.a[opname.RolePrivacyOfficer]
			if scale == 0 {
				staff, manager, po = w.b[opname.RoleStaff], w.b[opname.RoleManager], w.b[opname.RolePrivacyOfficer]
				scale = 1
			}
			record(staff, 5*scale, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "recording", ClientID: w.assigned.ID})
			record(manager, 2*scale, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "client", ClientID: w.assigned.ID})
			record(manager, 1*scale, opname.AccessEvent{Action: opname.AccessExport, ObjectType: "client_data", ClientID: w.assigned.ID})
			record(staff, 1*scale, opname.AccessEvent{Action: opname.AccessPrint, ObjectType: "request"})
			record(staff, 1*scale, opname.AccessEvent{Action: opname.AccessCopy, ObjectType: "recording"})
			record(po, 3*scale, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "access_log", Purpose: "audit"})
			record(manager, 1*scale, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "recording", Purpose: "wrong client"})
			record(manager, 2*scale, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "recording", Purpose: "retention: organisation_recording"})
			record(manager, 3*scale, opname.AccessEvent{Action: opname.AccessCreate, ObjectType: "legal_hold"})
			record(manager, 1*scale, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "legal_hold"})
			record(staff, 4*scale, opname.AccessEvent{Action: opname.AccessCreate, ObjectType: "client_link"})
			record(staff, 2*scale, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "client_link", Purpose: "revoked"})
			record(staff, 3*scale, opname.AccessEvent{Action: opname.AccessCreate, ObjectType: "recipient_link"})
			record(staff, 1*scale, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "recipient_link", Purpose: "revoked"})
			record(staff, 4*scale, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "password"})
			record(staff, 2*scale, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "throttled"})
			record(staff, 1*scale, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "link_session", Purpose: "wrong pin"})
			record(staff, 9*scale, opname.AccessEvent{Action: opname.AccessSignIn, ObjectType: "session", Purpose: "password"})
		}
		// 31 October 23:30 in Amsterdam is October; 1 November 00:30 is
		// November, though both are 31 October in UTC.
		at(time.Date(2026, 10, 31, 23, 30, 0, 0, amsterdam))
		month(w, 7)
		at(time.Date(2026, 11, 1, 0, 30, 0, 0, amsterdam))
		month(w, 1)
		month(w, 0) // org-b
		at(time.Date(2026, 12, 1, 0, 0, 0, 0, amsterdam))
		month(w, 5)

		po := as(w.a[opname.RolePrivacyOfficer])
		got, err := db.PrivacyReport(po, 2026, time.November, false)
		if err != nil {
			t.Fatal(err)
		}
		want := &opname.PrivacyReport{
			Month: "2026-11", TimeZone: "Europe/Amsterdam",
			From: time.Date(2026, 11, 1, 0, 0, 0, 0, amsterdam), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, amsterdam),
			ByRole: []opname.RoleUse{
				{Role: opname.RoleManager, Reads: 2, Exports: 1},
				{Role: opname.RoleStaff, Reads: 5, Copies: 1, Prints: 1},
			},
			Erasures: 1, Destructions: 2, HoldsPlaced: 3, HoldsReleased: 1,
			ClientLinksGiven: 4, ClientLinksRevoked: 2, RecipientLinksGiven: 3, RecipientLinksRevoked: 1,
			SignInFailures: 7, Lockouts: 2,
		}
		if !got.From.Equal(want.From) || !got.Until.Equal(want.Until) {
			t.Errorf("the report counts from %s until %s, want %s until %s", got.From, got.Until, want.From, want.Until)
		}
		got.From, got.Until = want.From, want.Until
		if !reflect.DeepEqual(got, want) {
			t.Errorf("November's report =\n%+v\nwant\n%+v", got, want)
		}
		if _, err := db.PrivacyReport(po, 2026, time.November, true); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"read", "export"} {
			if n := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ? AND action = ? AND object_type = 'privacy_report' AND object_id = '2026-11'`, w.orgA.ID, action); n != 1 {
				t.Errorf("the report's %s is logged %d times, want once", action, n)
			}
		}
		for _, r := range []opname.Role{opname.RoleStaff, opname.RoleManager, opname.RoleAdmin} {
			if _, err := db.PrivacyReport(as(w.a[r]), 2026, time.November, false); opname.KindOf(err) != opname.Forbidden {
				t.Errorf("%s's report: %v, want forbidden", r, err)
			}
		}
		_, err = db.PrivacyReport(po, 2026, 13, false)
		wantKind(t, err, opname.Invalid)
		if !strings.Contains(opname.Message(err), "month") {
			t.Errorf("a thirteenth month: %q, want it to name the month", opname.Message(err))
		}
	})
}

// TestPrivacyReportIndex checks that SQLite steps through the report's
// groups and counts each from the report's index alone, whatever the
// log's size.
func TestPrivacyReportIndex(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		if admin.postgres {
			return // PostgreSQL's planner picks by statistics; the bench measures it
		}
		for _, query := range []string{
			`SELECT action, object_type, user_role, outcome FROM access_log WHERE org_id = ? AND action = ? AND object_type = ? AND user_role > ? ORDER BY user_role, outcome LIMIT 1`,
			`SELECT action, object_type, user_role, outcome FROM access_log WHERE org_id = ? AND action > ? ORDER BY action, object_type, user_role, outcome LIMIT 1`,
			`SELECT COUNT(*) FROM access_log WHERE org_id = ? AND action = ? AND object_type = ? AND user_role = ? AND outcome = ? AND time >= ? AND time < ?`,
		} {
			args := []any{"x", "a", "b", "c", "d", 1, 2}[:strings.Count(query, "?")]
			rows, err := admin.raw.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			if got := strings.Join(plan, "\n"); !strings.Contains(got, "COVERING INDEX access_log_report") || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("the plan of %s is %q, want the covering index access_log_report and no sorting", query, got)
			}
		}
	})
}
