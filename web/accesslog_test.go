package web

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// TestDayRange: days are the organisation's, from the first midnight to
// the midnight after the last, also on the days the clocks move.
func TestDayRange(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	kiri, _ := time.LoadLocation("Pacific/Kiritimati")
	for _, c := range []struct {
		from, to     string
		loc          *time.Location
		since, until string
	}{
		{"2026-03-29", "2026-03-29", ams, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"}, // summer time begins
		{"2026-10-25", "2026-10-25", ams, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"}, // and ends
		{"2026-01-01", "", kiri, "2025-12-31T10:00:00Z", ""},
		{"", "2026-01-01", kiri, "", "2026-01-01T10:00:00Z"},
		{"", "", ams, "", ""},
	} {
		since, until, err := dayRange(c.from, c.to, c.loc)
		if err != nil {
			t.Fatalf("dayRange(%q, %q) = %v", c.from, c.to, err)
		}
		show := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		if show(since) != c.since || show(until) != c.until {
			t.Errorf("dayRange(%q, %q, %s) = %s, %s; want %s, %s", c.from, c.to, c.loc, show(since), show(until), c.since, c.until)
		}
	}
	for _, c := range []struct{ from, to, field, problem string }{
		{"gisteren", "", "from", "date"},
		{"", "2026-02-30", "to", "date"},
		{"24-11-2026", "", "from", "date"},
		{"2026-11-24", "2026-11-23", "to", "order"},
	} {
		_, _, err := dayRange(c.from, c.to, ams)
		var qe *queryError
		if !errors.As(err, &qe) || qe.field != c.field || qe.problem != c.problem {
			t.Errorf("dayRange(%q, %q) = %v, want a %s problem with %s", c.from, c.to, err, c.problem, c.field)
		}
		if qe != nil && (qe.in("nl") == qe.Error() || qe.in("en") == "") {
			t.Errorf("dayRange(%q, %q): the page's message is not Dutch: %q", c.from, c.to, qe.in("nl"))
		}
	}
}

// TestAccessQuery: the page's days narrow a range of times given too, and
// an action is one of the access log's.
func TestAccessQuery(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	f, err := accessQuery(url.Values{"from": {"2026-11-24"}, "since": {"2026-11-01T00:00:00Z"}, "until": {"2026-11-30T00:00:00Z"}, "to": {"2026-11-24"}, "action": {"read"}, "client": {" anna "}}, ams)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Since.UTC().Format(time.RFC3339); got != "2026-11-23T23:00:00Z" {
		t.Errorf("since = %s", got)
	}
	if got := f.Until.UTC().Format(time.RFC3339); got != "2026-11-24T23:00:00Z" {
		t.Errorf("until = %s", got)
	}
	if f.Client != "anna" || f.Action != "read" {
		t.Errorf("filter = %+v", f)
	}
	if _, err := accessQuery(url.Values{"action": {"dance"}}, ams); err == nil {
		t.Error("an unknown action is taken")
	}
}

// TestWaited says how long something waited as a person would.
func TestWaited(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		nl, en string
	}{
		{20 * time.Second, "net", "just now"},
		{time.Minute, "1 minuut", "1 minute"},
		{59 * time.Minute, "59 minuten", "59 minutes"},
		{time.Hour, "1 uur", "1 hour"},
		{23*time.Hour + 59*time.Minute, "23 uur", "23 hours"},
		{24 * time.Hour, "1 dag", "1 day"},
		{75 * time.Hour, "3 dagen", "3 days"},
	} {
		if got := waited(c.d, "nl"); got != c.nl {
			t.Errorf("waited(%s, nl) = %q, want %q", c.d, got, c.nl)
		}
		if got := waited(c.d, "en"); got != c.en {
			t.Errorf("waited(%s, en) = %q, want %q", c.d, got, c.en)
		}
	}
}

// TestCSVCellsAreNoFormulas: a name that starts like a formula is not run
// by the spreadsheet that opens the export.
func TestCSVCellsAreNoFormulas(t *testing.T) {
	row := accessCSVRow(opname.AccessEvent{UserName: "=HYPERLINK(\"http://x\")", ClientName: "+31 6", Purpose: "@SUM(A1)", ObjectID: "-1", OnBehalfOf: "\tx", SourceAddr: "127.0.0.1"})
	for _, cell := range row {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q starts like a formula", cell)
		}
	}
	if row[13] != "127.0.0.1" {
		t.Errorf("an ordinary cell changed: %q", row[13])
	}
}
