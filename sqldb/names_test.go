package sqldb_test

import (
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestFindClients finds clients by a part of their name or dossier
// reference, in any case, among those the caller may see; the privacy
// officer finds every client of their organisation, with name and dossier
// reference only. A list is one access-log record.
func TestFindClients(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		for _, c := range []struct {
			who  opname.Actor
			text string
			want []string
		}{
			{w.a[opname.RoleStaff], "", []string{"Anna de Vries"}},
			{w.a[opname.RoleStaff], "ANNA", []string{"Anna de Vries"}},
			{w.a[opname.RoleStaff], "bram", nil},
			{w.a[opname.RoleManager], "d-2", []string{"Bram Jansen"}},
			{w.a[opname.RoleManager], " d- ", []string{"Anna de Vries", "Bram Jansen"}},
			{w.a[opname.RolePrivacyOfficer], "", []string{"Anna de Vries", "Bram Jansen"}},
			{w.a[opname.RolePrivacyOfficer], "jansen", []string{"Bram Jansen"}},
			{w.a[opname.RolePrivacyOfficer], "%", nil},
			{w.a[opname.RolePrivacyOfficer], "_", nil},
			{w.a[opname.RolePrivacyOfficer], "cor", nil},
			{w.b[opname.RolePrivacyOfficer], "", []string{"Cor Bakker"}},
			{w.b[opname.RoleManager], "anna", nil},
		} {
			list, _, err := db.FindClients(as(c.who), c.text, opname.Page{})
			if err != nil {
				t.Fatalf("%s of %s: FindClients(%q) = %v", c.who.Role, c.who.OrgID, c.text, err)
			}
			var names []string
			for _, cl := range list {
				names = append(names, cl.Name)
				if c.who.Role == opname.RolePrivacyOfficer && (cl.Contact != "" || len(cl.Staff) != 0) {
					t.Errorf("the privacy officer's list holds more than name and dossier reference: %+v", cl)
				}
			}
			if strings.Join(names, ", ") != strings.Join(c.want, ", ") {
				t.Errorf("%s of %s: FindClients(%q) = %v, want %v", c.who.Role, c.who.OrgID, c.text, names, c.want)
			}
		}
		po := as(w.a[opname.RolePrivacyOfficer])
		before, err := db.Search(po, opname.AccessFilter{UserID: w.a[opname.RolePrivacyOfficer].UserID, Action: opname.AccessRead})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.FindClients(po, "", opname.Page{}); err != nil {
			t.Fatal(err)
		}
		after, err := db.Search(po, opname.AccessFilter{UserID: w.a[opname.RolePrivacyOfficer].UserID, Action: opname.AccessRead})
		if err != nil {
			t.Fatal(err)
		}
		// The search between is one record more; the list is one.
		if len(after)-len(before) != 2 || after[0].ObjectType != "clients" || after[0].Purpose != "list of 2" {
			t.Errorf("the privacy officer's list was logged as %d records: %+v", len(after)-len(before)-1, after[:len(after)-len(before)])
		}
	})
}

// TestSearchByClientName: the access log is searched by a part of a
// client's name or dossier reference, within the caller's organisation;
// each record names its client; a search that names clients is logged as
// a read of each.
func TestSearchByClientName(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		if _, err := db.Client(as(w.a[opname.RoleStaff]), w.assigned.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Client(as(w.a[opname.RoleManager]), w.other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Client(as(w.b[opname.RoleManager]), w.clientB.ID); err != nil {
			t.Fatal(err)
		}
		po := as(w.a[opname.RolePrivacyOfficer])
		for _, c := range []struct {
			text string
			want *opname.Client
		}{{"anna", w.assigned}, {"DE VRIES", w.assigned}, {"d-2", w.other}, {"jansen", w.other}} {
			events, err := db.Search(po, opname.AccessFilter{Client: c.text})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 {
				t.Errorf("Search(%q) found nothing", c.text)
			}
			for _, e := range events {
				if e.ClientID != c.want.ID || e.ClientName != c.want.Name {
					t.Errorf("Search(%q): record of %s (%q), want %s (%q)", c.text, e.ClientID, e.ClientName, c.want.ID, c.want.Name)
				}
			}
		}
		for _, text := range []string{"cor", "bakker", "%", "nobody"} {
			events, err := db.Search(po, opname.AccessFilter{Client: text})
			if err != nil || len(events) != 0 {
				t.Errorf("Search(%q) = %d records, %v; want none", text, len(events), err)
			}
		}
		// Unfiltered, every record of a client names it too.
		all, err := db.Search(po, opname.AccessFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			if e.ClientID == w.assigned.ID && e.ClientName != "Anna de Vries" {
				t.Errorf("record %d of Anna names %q", e.Seq, e.ClientName)
			}
		}
		// A search by "d-" names both clients: each one's overview shows it.
		if _, err := db.Search(po, opname.AccessFilter{Client: "d-"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*opname.Client{w.assigned, w.other} {
			overview, err := db.ClientOverview(as(w.a[opname.RoleManager]), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(overview) < 2 || overview[1].ObjectType != "access_log" || overview[1].UserRole != opname.RolePrivacyOfficer || overview[1].ClientName != c.Name {
				t.Errorf("%s's overview does not show the search for d-: %+v", c.Name, overview[:2])
			}
		}
	})
}
