package web

import (
	"bytes"
	"io/fs"
	"regexp"
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestFormatTime checks the one way a time is shown to people: in the
// organisation's zone, with the zone, with Dutch month names on Dutch
// pages.
func TestFormatTime(t *testing.T) {
	winter := time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)
	summer := time.Date(2026, 3, 30, 12, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		t          time.Time
		zone, lang string
		want       string
	}{
		{winter, "Europe/Amsterdam", "nl", "2 december 2026, 14:05 CET"},
		{winter, "Europe/Amsterdam", "en", "2 December 2026, 14:05 CET"},
		{summer, "Europe/Amsterdam", "nl", "30 maart 2026, 14:05 CEST"},
		{summer, "Europe/Amsterdam", "en", "30 March 2026, 14:05 CEST"},
		{summer, "Europe/London", "nl", "30 maart 2026, 13:05 BST"},
		{winter, "America/Kralendijk", "nl", "2 december 2026, 09:05 AST"},
		{winter, "UTC", "en", "2 December 2026, 13:05 UTC"},
		// A zone whose abbreviation is only its offset says so.
		{winter, "America/Sao_Paulo", "en", "2 December 2026, 10:05 UTC-03:00"},
		// Late in the evening in UTC is the next day in Amsterdam.
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "Europe/Amsterdam", "nl", "1 januari 2027, 00:30 CET"},
	} {
		if got := formatTime(c.t, mustZone(t, c.zone), c.lang); got != c.want {
			t.Errorf("formatTime(%s, %s, %s) = %q, want %q", c.t.Format(time.RFC3339), c.zone, c.lang, got, c.want)
		}
	}
}

// TestLocalInput checks that a time typed in a datetime-local field is
// read in the organisation's zone, on both sides of a change to summer
// time, and that a time the clock skipped or no time at all is refused.
func TestLocalInput(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want string // RFC 3339 in UTC, or "" for refused
	}{
		{"2026-03-28T14:05", ams, "2026-03-28T13:05:00Z"},
		{"2026-03-30T14:05", ams, "2026-03-30T12:05:00Z"},
		{"2026-03-30T14:05:30", ams, "2026-03-30T12:05:30Z"},
		{"2026-03-29T01:59", ams, "2026-03-29T00:59:00Z"},
		{"2026-03-29T03:00", ams, "2026-03-29T01:00:00Z"},
		{"2026-03-29T02:30", ams, ""}, // the clock went from 02:00 to 03:00
		{"2026-03-30T14:05", mustZone(t, "Europe/London"), "2026-03-30T13:05:00Z"},
		{"2026-03-30T14:05", mustZone(t, "America/Kralendijk"), "2026-03-30T18:05:00Z"},
		{"30-03-2026 14:05", ams, ""},
		{"2026-03-30T14:05Z", ams, ""},
	} {
		at, msg := localInput(c.in, c.loc, "nl")
		got := ""
		if msg == "" {
			got = at.UTC().Format(time.RFC3339)
		}
		if got != c.want {
			t.Errorf("localInput(%q, %s) = %q (%s), want %q", c.in, c.loc, got, msg, c.want)
		}
	}
}

// TestTemplatesFormatNoTimes checks that no template formats a time
// itself: every time goes through formatTime (the "when" function).
func TestTemplatesFormatNoTimes(t *testing.T) {
	raw := regexp.MustCompile(`\.Format\b|\.Local\b|\.UTC\b|\.In\b`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, f := range files {
		data, _ := fs.ReadFile(templateFS, f)
		for _, m := range raw.FindAllIndex(data, -1) {
			t.Errorf("%s:%d: formats a time itself (%s); use {{when …}}", f, 1+bytes.Count(data[:m[0]], []byte("\n")), data[m[0]:m[1]])
		}
	}
}
