package sqldb_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestTimeZone checks an organisation's time zone: Europe/Amsterdam unless
// it chose another, one of its own at creation, changed by its
// administrator only, and never a name that is not a time zone.
func TestTimeZone(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		if got, want := w.orgA.TimeZone, opname.DefaultTimeZone; got != want {
			t.Errorf("new organisation's zone = %q, want %q", got, want)
		}
		bonaire := &opname.Organisation{Slug: "bonaire", Name: "Bonaire", TimeZone: "America/Kralendijk", Policy: w.orgA.Policy}
		if err := db.CreateOrganisation(system, bonaire); err != nil {
			t.Fatal(err)
		}
		if got, err := db.OrganisationBySlug(system, "bonaire"); err != nil || got.TimeZone != "America/Kralendijk" {
			t.Errorf("stored zone = %+v, %v; want America/Kralendijk", got, err)
		}

		if err := db.SetTimeZone(admin, "Europe/London"); err != nil {
			t.Fatal(err)
		}
		if org, err := db.Organisation(admin); err != nil || org.TimeZone != "Europe/London" {
			t.Errorf("zone after change = %+v, %v; want Europe/London", org, err)
		}
		if org, err := db.Organisation(as(w.b[opname.RoleAdmin])); err != nil || org.TimeZone != opname.DefaultTimeZone {
			t.Errorf("org-b's zone changed with org-a's: %+v, %v", org, err)
		}
		wantKind(t, db.SetTimeZone(as(w.a[opname.RoleManager]), "UTC"), opname.Forbidden)

		for _, bad := range []string{"", "Local", "Mars/Olympus_Mons", "../../etc/passwd", "Europe/Amsterdam\x00"} {
			err := db.SetTimeZone(admin, bad)
			wantKind(t, err, opname.Invalid)
			if msg := opname.Message(err); !strings.HasPrefix(msg, "time_zone: ") || !strings.Contains(msg, fmt.Sprintf("%q", bad)) {
				t.Errorf("SetTimeZone(%q) = %q; want the field and the value named", bad, msg)
			}
			err = db.CreateOrganisation(system, &opname.Organisation{Slug: "nergens", Name: "x", TimeZone: bad, Policy: w.orgA.Policy})
			if bad == "" {
				if err != nil {
					t.Errorf("no zone at creation = %v, want the default", err)
				}
				continue
			}
			wantKind(t, err, opname.Invalid)
		}
		if org, err := db.Organisation(admin); err != nil || org.TimeZone != "Europe/London" {
			t.Errorf("zone after refused changes = %+v, %v; want Europe/London", org, err)
		}
	})
}
