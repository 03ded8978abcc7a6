package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestRequestPageAtAGlance: the request page says first what happens
// next, in an alert and a status badge whose kind fits the state (may
// start, waits, cannot go ahead), and folds the cited rules; the pages
// have the NL Design System's page header.
func TestRequestPageAtAGlance(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "oogopslag", "veilig-thuis-utrecht", false)
	staff, secret := member(t, s, octx, "oogopslag", opname.RoleStaff)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	sctx, w := actorCtx(org, staff), s.web.Workflow
	alone := &opname.Conversation{ClientID: c.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	family := &opname.Conversation{ClientID: c.ID, Location: "home_visit", Participants: []opname.Participant{{Role: "client"}, {Role: "parent", Name: "vader"}, {Role: "staff"}}}
	for _, conv := range []*opname.Conversation{alone, family} {
		if err := w.Open(sctx, conv); err != nil {
			t.Fatal(err)
		}
	}
	audio := opname.Act{Action: "record", Medium: "audio", By: "client"}
	ready, err := w.Ask(sctx, alone.ID, audio)
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := w.Ask(sctx, family.ID, audio)
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := w.Ask(sctx, family.ID, audio)
	if err == nil {
		_, err = w.Answer(sctx, stopped.ID, 1, false, "in_person")
	}
	if err != nil {
		t.Fatal(err)
	}
	b := signedInBrowser(t, s, secret, "nl")
	for _, tc := range []struct {
		name, id, alert, badge string
	}{
		{"ready", ready.ID, "ok", "safe"},
		{"waiting", waiting.ID, "warning", "warning"},
		{"stopped", stopped.ID, "error", "danger"},
	} {
		code, page, _ := b.do("GET", "/verzoeken/"+tc.id, "", "")
		if code != 200 {
			t.Fatalf("%s: %d", tc.name, code)
		}
		if !strings.Contains(page, `<header class="utrecht-page-header`) {
			t.Errorf("%s: no page header", tc.name)
		}
		main := page[strings.Index(page, "<main"):]
		if first := regexp.MustCompile(`<h2[^>]*id="([a-z]+)"`).FindStringSubmatch(main); first == nil || first[1] != "next" {
			t.Errorf("%s: the first section is %v, want what happens next", tc.name, first)
		}
		status := regexp.MustCompile(`(?s)<div class="utrecht-alert utrecht-alert--([a-z]+) status">.*?id="outcome">[^<]*<span class="utrecht-status-badge utrecht-status-badge--([a-z]+)">`).FindStringSubmatch(main)
		if status == nil || status[1] != tc.alert || status[2] != tc.badge {
			t.Errorf("%s: status %v, want alert %s with badge %s", tc.name, status, tc.alert, tc.badge)
		}
		next, why, rules := strings.Index(main, `id="next"`), strings.Index(main, `id="why"`), strings.Index(main, `id="rules"`)
		if !(next < why && why < rules) {
			t.Errorf("%s: sections in the order %d %d %d, want next, why, rules", tc.name, next, why, rules)
		}
		if !regexp.MustCompile(`(?s)id="rules".*?<details[^>]*><summary>[^<]+</summary>\s*<ul[^>]*>\s*<li`).MatchString(main) {
			t.Errorf("%s: the cited rules are not folded", tc.name)
		}
	}
}
