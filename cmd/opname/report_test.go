package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// TestPrivacyReportPageAndExports reads a month's report as the privacy
// officer: on the page in Dutch and English with the month's bounds in
// the organisation's zone, as JSON and as CSV (a role name that starts
// like a formula is defused), each logged; a month that is not one is a
// 400 naming the field.
func TestPrivacyReportPageAndExports(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		a := newNamesOrg(t, s, "rapport", "ombudsman")
		sys := opname.System("test")
		sys.OrgID = a.org.ID
		amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
		start := time.Date(2026, 3, 1, 0, 30, 0, 0, amsterdam).UTC()
		var events []opname.AccessEvent
		add := func(n int, e opname.AccessEvent) {
			for range n {
				e.Time = start.Add(time.Duration(len(events)) * time.Minute)
				if e.UserID == "" {
					e.UserID, e.UserName, e.UserRole = a.sanne.ID, a.sanne.Name, a.sanne.Role
				}
				events = append(events, e)
			}
		}
		add(12, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "recording", ClientID: a.anna.ID})
		add(2, opname.AccessEvent{Action: opname.AccessExport, ObjectType: "client_data", ClientID: a.anna.ID})
		add(3, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "client", UserID: a.manager.ID, UserName: a.manager.Name, UserRole: "=cmd"})
		add(1, opname.AccessEvent{Action: opname.AccessDelete, ObjectType: "recording", Purpose: "retention: organisation_recording"})
		add(2, opname.AccessEvent{Action: opname.AccessCreate, ObjectType: "legal_hold"})
		add(4, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "password"})
		if err := s.db.BulkAccess(opname.WithActor(t.Context(), sys), events); err != nil {
			t.Fatal(err)
		}
		auth := func(lang string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + a.tokens["pim"], "Accept-Language": lang}
		}

		resp, body := send(t, "GET", s.URL+"/api/v1/reports/privacy?month=2026-03", "", auth(""))
		var rep opname.PrivacyReport
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rep) != nil {
			t.Fatalf("the report as JSON = %d %s", resp.StatusCode, firstLine([]byte(body)))
		}
		if rep.Month != "2026-03" || rep.TimeZone != "Europe/Amsterdam" || rep.From.Format(time.RFC3339) != "2026-03-01T00:00:00+01:00" || rep.Until.Format(time.RFC3339) != "2026-04-01T00:00:00+02:00" {
			t.Errorf("the report's month: %s", firstLine([]byte(body)))
		}
		if rep.Destructions != 1 || rep.HoldsPlaced != 2 || rep.SignInFailures != 4 || len(rep.ByRole) != 2 {
			t.Errorf("the report = %+v", rep)
		}
		for _, u := range rep.ByRole {
			if u.Role == opname.RoleStaff && (u.Reads != 12 || u.Exports != 2) {
				t.Errorf("staff's reads and exports = %+v, want 12 and 2", u)
			}
		}

		resp, body = send(t, "GET", s.URL+"/api/v1/reports/privacy?month=2026-03&format=csv", "", auth(""))
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if resp.StatusCode != 200 || err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("the report as CSV = %d %s, %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		found := map[string]string{}
		for _, row := range rows[1:] {
			found[row[4]+"/"+row[5]] = row[6]
			if row[5] == "=cmd" {
				t.Errorf("a CSV cell starts a formula: %q", row)
			}
		}
		if found["reads/staff"] != "12" || found["reads/'=cmd"] != "3" || found["destructions/"] != "1" || found["sign_in_failures/"] != "4" {
			t.Errorf("the CSV's counts: %v", found)
		}

		for _, c := range []struct{ lang, want, bounds string }{
			{"nl", "Maandrapport privacy", "1 maart 2026, 00:00 CET"},
			{"en", "Monthly privacy report", "1 April 2026, 00:00 CEST"},
		} {
			resp, page := send(t, "GET", s.URL+"/rapportage?maand=2026-03&lang="+c.lang, "", auth(""))
			if resp.StatusCode != 200 || !strings.Contains(page, c.want) || !strings.Contains(page, c.bounds) || !strings.Contains(page, "<td class=\"utrecht-table__cell\">12</td>") {
				t.Errorf("the report page (%s) = %d, want %q, %q and staff's 12 reads", c.lang, resp.StatusCode, c.want, c.bounds)
			}
		}
		// Without a month: the last full one.
		last := time.Now().In(amsterdam)
		last = time.Date(last.Year(), last.Month()-1, 1, 0, 0, 0, 0, amsterdam)
		if page := a.get(t, s, "pim", "/rapportage", 200); !strings.Contains(page, `value="`+last.Format("2006-01")+`"`) {
			t.Errorf("the report page without a month does not show %s", last.Format("2006-01"))
		}

		for _, c := range []struct{ path, lang, want string }{
			{"/api/v1/reports/privacy?month=maart", "", `month: give a month like 2026-11 (got \"maart\")`},
			{"/api/v1/reports/privacy?month=2026-03&format=xml", "", `format: use json or csv`},
			{"/rapportage?maand=2026-13", "", "Maand: geef een maand zoals 2026-11"},
		} {
			h := auth(c.lang)
			if !strings.HasPrefix(c.path, "/api/") {
				h["Accept"] = "text/html"
			}
			resp, body := send(t, "GET", s.URL+c.path, "", h)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) {
				t.Errorf("GET %s = %d %s, want 400 and %q", c.path, resp.StatusCode, firstLine([]byte(body)), c.want)
			}
		}

		resp, body = send(t, "GET", s.URL+"/api/v1/access-log?format=jsonl&user_id="+a.privacy.ID, "", auth(""))
		if resp.StatusCode != 200 {
			t.Fatalf("the access log = %d", resp.StatusCode)
		}
		logged := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
			var e opname.AccessEvent
			if err := json.Unmarshal([]byte(line), &e); err == nil && e.ObjectType == "privacy_report" && e.ObjectID == "2026-03" {
				logged[string(e.Action)]++
			}
		}
		if logged["export"] != 2 || logged["read"] != 2 {
			t.Errorf("the report's views and exports are logged %v, want 2 reads (the pages) and 2 exports", logged)
		}
	})
}
