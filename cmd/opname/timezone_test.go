package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// zoneOrg is an organisation with an administrator and a staff member
// assigned to a client, each with a browser reading Dutch pages.
type zoneOrg struct {
	client                string
	staff, staffEN, admin *browser
}

func newZoneOrg(t *testing.T, s *server, slug string) *zoneOrg {
	t.Helper()
	_, octx := newOrg(t, s, slug, "veilig-thuis-utrecht", false)
	staff, staffSecret := member(t, s, octx, slug, opname.RoleStaff)
	_, adminSecret := member(t, s, octx, slug, opname.RoleAdmin)
	c := &opname.Client{Name: "Anna de Vries"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	return &zoneOrg{client: c.ID, staff: signedInBrowser(t, s, staffSecret, "nl"), staffEN: signedInBrowser(t, s, staffSecret, "en"), admin: signedInBrowser(t, s, adminSecret, "nl")}
}

// openAt opens a conversation through the page's form with the time typed
// in its datetime-local field, and returns its id and the instant stored,
// as the API answers it (RFC 3339, UTC).
func (o *zoneOrg) openAt(t *testing.T, local string) (id, stored string) {
	t.Helper()
	code, body, h := o.staff.form("/clienten/"+o.client+"/gesprekken", url.Values{"wanneer": {local}, "waar": {"office"}})
	if code != 303 {
		t.Fatalf("open a conversation at %s = %d\n%s", local, code, body)
	}
	id = strings.TrimPrefix(h.Get("Location"), "/gesprekken/")
	code, conv := o.staff.json("GET", "/api/v1/conversations/"+id, "")
	if code != 200 {
		t.Fatalf("GET conversation = %d %v", code, conv)
	}
	at, _ := conv["at"].(string)
	return id, at
}

// page fetches path and fails unless every want is in it.
func (o *zoneOrg) page(t *testing.T, b *browser, path string, want ...string) string {
	t.Helper()
	code, body, _ := b.do("GET", path, "", "")
	if code != 200 {
		t.Fatalf("GET %s = %d\n%s", path, code, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("GET %s: no %q in the page", path, w)
		}
	}
	return body
}

// agreed asks to record a conversation and records the agreements, so
// that its declaration can be printed; it returns the request's id.
func (o *zoneOrg) agreed(t *testing.T, conv string) string {
	t.Helper()
	code, req := o.staff.json("POST", "/api/v1/conversations/"+conv+"/requests", `{"action": "record", "medium": "audio", "by": "client", "announced": "at_start"}`)
	id, _ := req["id"].(string)
	if code != 201 || id == "" {
		t.Fatalf("ask = %d %v", code, req)
	}
	if code, out := o.staff.json("POST", "/api/v1/requests/"+id+"/agreement", `{"form": "spoken"}`); code != 200 {
		t.Fatalf("agreement = %d %v", code, out)
	}
	return id
}

// pdfText is the text of the PDF at path, read by pdftotext.
func (o *zoneOrg) pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must read the PDFs: pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	code, body, h := o.staff.do("GET", path, "", "")
	if code != 200 || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("GET %s = %d %s\n%.300s", path, code, h.Get("Content-Type"), body)
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = strings.NewReader(body)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", path, err, stderr.String())
	}
	// pdftotext breaks long lines; the text is read as one.
	return strings.Join(strings.Fields(out.String()), " ")
}

// TestTimeZoneShown checks that a time typed in the conversation form is
// read in the organisation's time zone and stored as the right instant in
// UTC, on both sides of the change to summer time; that pages, the
// printable page and the PDF show it in that zone with the zone's name;
// and that an organisation with another zone sees its own.
func TestTimeZoneShown(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		ams := newZoneOrg(t, s, "amsterdam")
		winter, at := ams.openAt(t, "2026-03-28T14:05")
		if want := "2026-03-28T13:05:00Z"; at != want {
			t.Errorf("14:05 on 28 March in Amsterdam stored as %s, want %s", at, want)
		}
		summer, at := ams.openAt(t, "2026-03-30T14:05")
		if want := "2026-03-30T12:05:00Z"; at != want {
			t.Errorf("14:05 on 30 March in Amsterdam stored as %s, want %s", at, want)
		}
		code, body, _ := ams.staff.form("/clienten/"+ams.client+"/gesprekken", url.Values{"wanneer": {"2026-03-29T02:30"}, "waar": {"office"}})
		if code != 400 || !strings.Contains(body, "bestaat niet in tijdzone Europe/Amsterdam") {
			t.Errorf("a time the clock skipped = %d, want 400 saying so", code)
		}

		ams.page(t, ams.staff, "/clienten/"+ams.client+"/gesprekken", "28 maart 2026, 14:05 CET", "30 maart 2026, 14:05 CEST", "In de tijdzone van de organisatie: Europe/Amsterdam.")
		ams.page(t, ams.staff, "/gesprekken/"+summer, "30 maart 2026, 14:05 CEST")
		ams.page(t, ams.staffEN, "/gesprekken/"+winter, "28 March 2026, 14:05 CET")

		req := ams.agreed(t, winter)
		ams.page(t, ams.staff, "/verzoeken/"+req+"/afspraken", "28 maart 2026, 14:05 CET")
		// The client page's access log, in the organisation's zone too.
		if body := ams.page(t, ams.staff, "/clienten/"+ams.client); !regexp.MustCompile(`\d{1,2} [a-z]+ \d{4}, \d\d:\d\d CES?T`).MatchString(body) {
			t.Error("the client page's access log shows no time with its zone")
		}
		t.Run("amsterdam pdf", func(t *testing.T) {
			if text := ams.pdfText(t, "/api/v1/requests/"+req+"/declaration.pdf"); !strings.Contains(text, "Gesprek 28 maart 2026, 14:05 CET") || strings.Contains(text, "March") {
				t.Errorf("the declaration does not show the conversation's time in Amsterdam with its zone:\n%s", text)
			}
		})

		// Bonaire: its administrator chooses its zone; nothing of
		// Amsterdam's changes.
		bon := newZoneOrg(t, s, "bonaire")
		if code, out := bon.admin.json("PUT", "/api/v1/organisation/time-zone", `{"time_zone": "Mars/Olympus_Mons"}`); code != 400 || !strings.Contains(fmt.Sprint(out["error"]), `time_zone: "Mars/Olympus_Mons" is not a time zone`) {
			t.Errorf("an unknown zone = %d %v, want 400 naming the field and the value", code, out)
		}
		if code, _ := bon.staff.json("PUT", "/api/v1/organisation/time-zone", `{"time_zone": "UTC"}`); code != 403 {
			t.Errorf("a staff member sets the zone = %d, want 403", code)
		}
		code, body, _ = bon.admin.form("/beleid/tijdzone", url.Values{"tijdzone": {"Bonaire"}})
		if code != 400 || !strings.Contains(body, `Tijdzone: &#34;Bonaire&#34; is geen tijdzone.`) {
			t.Errorf("the form with an unknown zone = %d, want 400 saying so", code)
		}
		if code, _, h := bon.admin.form("/beleid/tijdzone", url.Values{"tijdzone": {"America/Kralendijk"}}); code != 303 || h.Get("Location") != "/beleid?tijdzone=1" {
			t.Fatalf("the form with America/Kralendijk = %d %s", code, h.Get("Location"))
		}
		bon.page(t, bon.admin, "/beleid?tijdzone=1", "De tijdzone is opgeslagen.", "tijdzone America/Kralendijk")
		if code, org := bon.staff.json("GET", "/api/v1/organisation", ""); code != 200 || org["time_zone"] != "America/Kralendijk" {
			t.Errorf("GET organisation = %d %v, want time_zone America/Kralendijk", code, org)
		}
		conv, at := bon.openAt(t, "2026-12-02T09:05")
		if want := "2026-12-02T13:05:00Z"; at != want {
			t.Errorf("09:05 on 2 December on Bonaire stored as %s, want %s", at, want)
		}
		bon.page(t, bon.staff, "/gesprekken/"+conv, "2 december 2026, 09:05 AST")
		req = bon.agreed(t, conv)
		t.Run("bonaire pdf", func(t *testing.T) {
			if text := bon.pdfText(t, "/api/v1/requests/"+req+"/declaration.pdf"); !strings.Contains(text, "2 december 2026, 09:05 AST") {
				t.Errorf("the declaration does not show the time on Bonaire:\n%s", text)
			}
		})
		ams.page(t, ams.staff, "/gesprekken/"+winter, "28 maart 2026, 14:05 CET")
	})
}
