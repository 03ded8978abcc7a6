package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
)

// The privacy officer's monthly report: a page, and the same counts as
// JSON or CSV. The store counts and logs; this file only reads the month
// asked for and shows what the store counted.

func (s *Server) reportRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET", "/rapportage", Roles(opname.RolePrivacyOfficer), s.reportPage)
	s.handle(mux, "GET", "/api/v1/reports/privacy", Roles(opname.RolePrivacyOfficer), s.apiPrivacyReport)
}

// reportMonth is the month a request asks for (param, YYYY-MM), or else
// the last full month in loc.
func reportMonth(r *http.Request, param string, loc *time.Location, now time.Time) (int, time.Month, error) {
	v := strings.TrimSpace(r.URL.Query().Get(param))
	if v == "" {
		last := time.Date(now.In(loc).Year(), now.In(loc).Month()-1, 1, 0, 0, 0, 0, loc)
		return last.Year(), last.Month(), nil
	}
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return 0, 0, &opname.Error{Kind: opname.Invalid, Field: param, Code: "report.month", Args: []any{v}, Msg: fmt.Sprintf("%s: give a month like 2026-11 (got %q)", param, v)}
	}
	return t.Year(), t.Month(), nil
}

// reportLine is one count of the report: what (measure), for which role
// ("" for the whole organisation), how many.
type reportLine struct {
	Measure string
	Role    opname.Role
	Count   int
}

// reportLines are a report's counts in the order the page and the CSV
// show them.
func reportLines(rep *opname.PrivacyReport) []reportLine {
	var out []reportLine
	for _, u := range rep.ByRole {
		out = append(out,
			reportLine{"reads", u.Role, u.Reads},
			reportLine{"exports", u.Role, u.Exports},
			reportLine{"copies", u.Role, u.Copies},
			reportLine{"prints", u.Role, u.Prints})
	}
	return append(out,
		reportLine{"erasures", "", rep.Erasures},
		reportLine{"destructions", "", rep.Destructions},
		reportLine{"legal_holds_placed", "", rep.HoldsPlaced},
		reportLine{"legal_holds_released", "", rep.HoldsReleased},
		reportLine{"fixity_failures", "", rep.FixityFailures},
		reportLine{"client_links_given", "", rep.ClientLinksGiven},
		reportLine{"client_links_revoked", "", rep.ClientLinksRevoked},
		reportLine{"recipient_links_given", "", rep.RecipientLinksGiven},
		reportLine{"recipient_links_revoked", "", rep.RecipientLinksRevoked},
		reportLine{"sign_in_failures", "", rep.SignInFailures},
		reportLine{"lockouts", "", rep.Lockouts})
}

// apiPrivacyReport answers a month's report as JSON, or with format=csv
// (or Accept: text/csv) as CSV; either is logged as an export.
func (s *Server) apiPrivacyReport(w http.ResponseWriter, r *http.Request) {
	year, month, err := reportMonth(r, "month", s.zone(r), time.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := exportFormat(r)
	if format != "" && format != "json" && format != "csv" {
		s.Error(w, r, &opname.Error{Kind: opname.Invalid, Field: "format", Msg: fmt.Sprintf("format: use json or csv (got %q)", format)})
		return
	}
	rep, err := s.Store.PrivacyReport(r.Context(), year, month, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if format != "csv" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="privacyrapport-%s.json"`, rep.Month))
		writeJSON(w, http.StatusOK, rep)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="privacyrapport-%s.csv"`, rep.Month))
	c := csv.NewWriter(w)
	_ = c.Write([]string{"month", "time_zone", "from", "until", "measure", "role", "count"})
	for _, line := range reportLines(rep) {
		row := []string{rep.Month, rep.TimeZone, rep.From.Format(time.RFC3339), rep.Until.Format(time.RFC3339), line.Measure, string(line.Role), strconv.Itoa(line.Count)}
		for i, cell := range row {
			row[i] = noFormula(cell)
		}
		_ = c.Write(row)
	}
	c.Flush()
}

// reportPage is the report page: the month's counts, with the zone its
// bounds are in, and the exports of the same month.
type reportPage struct {
	*page
	Report *opname.PrivacyReport
	// Roles and Totals are the report's lines, by role and for the
	// organisation, with their names in the reader's language.
	Roles  []reportRoleRow
	Totals []reportTotal
	// From and Until are the month's bounds as people read them, with
	// their zone; Month is the month as the form takes it.
	From, Until, Month string
	// CSV and JSON are the exports of this month; Previous and Next
	// the pages of the months around it.
	CSV, JSON, Previous, Next string
}

type reportRoleRow struct {
	Role                           string
	Reads, Exports, Copies, Prints int
}

type reportTotal struct {
	Label string
	Count int
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	l, loc := lang(r), s.zone(r)
	year, month, err := reportMonth(r, "maand", loc, time.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.Store.PrivacyReport(r.Context(), year, month, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &reportPage{page: &page{Title: translate(l, "report.title")}, Report: rep, Month: rep.Month,
		From: formatTime(rep.From, loc, l), Until: formatTime(rep.Until, loc, l)}
	for _, u := range rep.ByRole {
		d.Roles = append(d.Roles, reportRoleRow{roleName(l, u.Role), u.Reads, u.Exports, u.Copies, u.Prints})
	}
	for _, line := range reportLines(rep) {
		if line.Role == "" {
			d.Totals = append(d.Totals, reportTotal{translate(l, "report.m."+line.Measure), line.Count})
		}
	}
	export := url.Values{"month": {rep.Month}}
	d.JSON = "/api/v1/reports/privacy?" + export.Encode()
	export.Set("format", "csv")
	d.CSV = "/api/v1/reports/privacy?" + export.Encode()
	d.Previous = "/rapportage?maand=" + rep.From.AddDate(0, -1, 0).Format("2006-01")
	if next := rep.Until; next.Before(time.Now()) {
		d.Next = "/rapportage?maand=" + next.Format("2006-01")
	}
	s.renderData(w, r, http.StatusOK, "privacyreport", d.page, d)
}

// roleName is a role in words, or as it is for a role without them.
func roleName(l string, r opname.Role) string {
	if name := translate(l, "role."+string(r)); name != "role."+string(r) {
		return name
	}
	return string(r)
}
