package sqldb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestLinkSettingsDefaults: until its administrator chooses, an
// organisation's links last 90 days and ask for a PIN where its shipped
// policy's clients may be at risk; the default follows a change of policy.
func TestLinkSettingsDefaults(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		for _, c := range []struct {
			policy string
			pin    bool
		}{
			{"ombudsman", false},
			{"maatschappelijke-opvang", false},
			{"veilig-thuis-utrecht", true},
			{"axiehuis", false},
			{"blijf-groep", true},
		} {
			org := &opname.Organisation{Slug: "org-" + c.policy, Name: c.policy, Policy: opname.PolicyVersion{Name: c.policy, Digest: "sha256:" + c.policy, Shipped: c.policy, Text: "name: " + c.policy}}
			if err := db.CreateOrganisation(system, org); err != nil {
				t.Fatal(err)
			}
			staff := as(mustUser(t, db, org, "staff@"+org.Slug+".nl", opname.RoleStaff))
			got, err := db.LinkSettings(staff)
			if err != nil {
				t.Fatal(err)
			}
			want := opname.LinkSettings{LinkDays: 90, RequirePIN: c.pin}
			if *got != want {
				t.Errorf("%s: defaults = %+v, want %+v", c.policy, *got, want)
			}
		}
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		pv := &opname.PolicyVersion{Name: "blijf-groep", Digest: "sha256:bg", Shipped: "blijf-groep", Text: "name: blijf-groep", Reason: "Wij worden een vrouwenopvang."}
		if err := db.SetPolicy(admin, pv); err != nil {
			t.Fatal(err)
		}
		if got, err := db.LinkSettings(admin); err != nil || !got.RequirePIN {
			t.Errorf("defaults after a change to blijf-groep = %+v, %v; want a PIN", got, err)
		}
	})
}

// TestSetLinkSettings: the administrator's change is stored, read by
// everyone of the organisation, and in the access log; the same change sent
// again changes nothing; a change made on settings that changed meanwhile
// is refused; bad input names its field and changes nothing; another
// organisation neither sees nor changes them.
func TestSetLinkSettings(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		want := opname.LinkSettings{LinkDays: 30, RequirePIN: true, ComplaintsNL: " Bel de klachtenfunctionaris.\n", ComplaintsEN: "Call the complaints officer.", ComplaintsURL: "https://www.org-a.nl/klachten"}
		s := want
		if err := db.SetLinkSettings(admin, &s); err != nil {
			t.Fatal(err)
		}
		if s.Version != 1 || s.ComplaintsNL != "Bel de klachtenfunctionaris." || s.ChangedBy != w.a[opname.RoleAdmin].UserID || s.ChangedAt.IsZero() {
			t.Errorf("stored = %+v", s)
		}
		got, err := db.LinkSettings(as(w.a[opname.RoleStaff]))
		if err != nil {
			t.Fatal(err)
		}
		if !got.SameChoices(s) || got.Version != 1 || got.ChangedByName == "" {
			t.Errorf("read back = %+v, want %+v", got, s)
		}
		logged := func() []opname.AccessEvent { return updates(t, db, w, "link_settings") }
		events := logged()
		if len(events) != 1 || events[0].UserID != w.a[opname.RoleAdmin].UserID || !strings.Contains(events[0].Purpose, "link_days 90 -> 30") || !strings.Contains(events[0].Purpose, "complaints_url") {
			t.Fatalf("logged = %+v, want one change by the admin naming what changed", events)
		}

		// Sent twice: once.
		again := want
		if err := db.SetLinkSettings(admin, &again); err != nil || again.Version != 1 {
			t.Errorf("the same change again = %+v, %v; want version 1", again, err)
		}
		if n := len(logged()); n != 1 {
			t.Errorf("the same change again logged %d changes, want 1", n)
		}
		// A change on what was shown before another change.
		stale := want
		stale.LinkDays = 60
		wantKind(t, db.SetLinkSettings(admin, &stale), opname.Conflict)
		stale.Version = 1
		if err := db.SetLinkSettings(admin, &stale); err != nil || stale.Version != 2 {
			t.Errorf("change on version 1 = %+v, %v", stale, err)
		}

		for _, c := range []struct {
			field string
			edit  func(*opname.LinkSettings)
		}{
			{"link_days", func(s *opname.LinkSettings) { s.LinkDays = 0 }},
			{"link_days", func(s *opname.LinkSettings) { s.LinkDays = 400 }},
			{"complaints_url", func(s *opname.LinkSettings) { s.ComplaintsURL = "http://www.org-a.nl/klachten" }},
			{"complaints_url", func(s *opname.LinkSettings) { s.ComplaintsURL = "javascript:alert(1)" }},
			{"complaints_url", func(s *opname.LinkSettings) { s.ComplaintsURL = "https://" }},
			{"complaints_nl", func(s *opname.LinkSettings) { s.ComplaintsNL = strings.Repeat("é", opname.MaxComplaintsText+1) }},
			{"complaints_en", func(s *opname.LinkSettings) { s.ComplaintsEN = "a\x00b" }},
		} {
			bad := stale
			c.edit(&bad)
			err := db.SetLinkSettings(admin, &bad)
			var e *opname.Error
			if !errors.As(err, &e) || e.Kind != opname.Invalid || e.Field != c.field || e.Code == "" {
				t.Errorf("%s: error = %v, want Invalid naming %s with a code", c.field, err, c.field)
			}
		}
		if got, err := db.LinkSettings(admin); err != nil || !got.SameChoices(stale) || got.Version != 2 {
			t.Errorf("after refused changes = %+v, %v; want version 2 unchanged", got, err)
		}

		wantKind(t, db.SetLinkSettings(as(w.a[opname.RoleManager]), &opname.LinkSettings{LinkDays: 7}), opname.Forbidden)
		otherAdmin := as(w.b[opname.RoleAdmin])
		if got, err := db.LinkSettings(otherAdmin); err != nil || got.Version != 0 || got.LinkDays != 90 {
			t.Errorf("org-b sees %+v, %v; want its own defaults", got, err)
		}
		mine := opname.LinkSettings{LinkDays: 5}
		if err := db.SetLinkSettings(otherAdmin, &mine); err != nil {
			t.Fatal(err)
		}
		if got, err := db.LinkSettings(admin); err != nil || got.LinkDays != 60 || got.Version != 2 {
			t.Errorf("org-a after org-b's change = %+v, %v", got, err)
		}
	})
}

// updates are the access log's records of changes to objects of kind
// objectType in w's first organisation, newest first.
func updates(t *testing.T, db *sqldb.DB, w *world, objectType string) []opname.AccessEvent {
	t.Helper()
	events, err := db.Search(as(w.a[opname.RolePrivacyOfficer]), opname.AccessFilter{Action: opname.AccessUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var out []opname.AccessEvent
	for _, e := range events {
		if e.ObjectType == objectType {
			out = append(out, e)
		}
	}
	return out
}
