package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// TestClientInBrowser walks the client's side in a real browser at phone
// size (web/e2e/client.mjs): a staff member gives a personal link in the
// browser, and its holder opens it on a phone by typing the code from the
// paper. For each shipped policy the client announces a recording and sees
// the decision the staff see; a parent answers a consent question at
// Veilig Thuis; a client confirms agreements; the quick exit leaves, with
// Esc and without JavaScript; a holder stops their link. axe runs on
// every page, in Dutch and in English, and every page is scanned for words
// of the other language. It skips locally without node or Chromium and
// fails in CI.
func TestClientInBrowser(t *testing.T) {
	script, chromium := browserScript(t, "client.mjs")
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) { testClientInBrowser(t, script, chromium, lang) })
	}
}

func testClientInBrowser(t *testing.T, script, chromium, lang string) {
	s := testServer(t)
	type journey struct {
		Name   string   `json:"name"`
		Policy string   `json:"policy"`
		Client string   `json:"client"`
		Staff  string   `json:"staff"`
		Also   []string `json:"also,omitempty"`
	}
	var journeys []journey
	orgs := map[string]context.Context{}
	// A policy's journey announces a recording, and some go on with more
	// on the same phone.
	for _, j := range []journey{
		{Name: "announce-ombudsman", Policy: "ombudsman", Also: []string{"quick-exit"}},
		{Name: "announce-mo", Policy: "maatschappelijke-opvang", Also: []string{"agreements"}},
		{Name: "announce-vt", Policy: "veilig-thuis-utrecht"},
		{Name: "announce-axiehuis", Policy: "axiehuis"},
		{Name: "announce-blijf", Policy: "blijf-groep", Also: []string{"stop-link"}},
		{Name: "vt-parent", Policy: "veilig-thuis-utrecht"},
	} {
		_, octx := newOrg(t, s, j.Name, j.Policy, false)
		orgs[j.Name] = octx
		staff, staffSecret := member(t, s, octx, j.Name, opname.RoleStaff)
		c := &opname.Client{Name: "Sanne Jansen"}
		if err := s.db.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
			t.Fatal(err)
		}
		j.Client, j.Staff = c.ID, staffSecret
		journeys = append(journeys, j)
	}
	data := slices.Clone(journeyData)
	for _, j := range journeys {
		data = append(data, "Organisatie "+j.Name, j.Name)
	}
	arg, _ := json.Marshal(journeys)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "node", script, s.URL, s.web.SessionCookie(), lang, string(arg))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	done := map[string]bool{}
	pages := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var st struct {
			Journey, Step, Error, Path, HTML, Part string
			Ms, Took                               int
		}
		if json.Unmarshal([]byte(line), &st) != nil {
			continue
		}
		switch st.Step {
		case "page":
			pages++
			for _, p := range journeyPageProblems(lang, st.HTML, data) {
				t.Errorf("%s: %s: %s", st.Journey, st.Path, p)
			}
		case "axe", "opened", "link given", "announced", "escaped":
			if testing.Verbose() {
				t.Logf("%6d ms %s: %s %s %d", st.Ms, st.Journey, st.Step, st.Path, st.Took)
			}
		case "failed":
			t.Errorf("%s: %s", st.Journey, st.Error)
		case "done":
			done[st.Journey+"/"+st.Part] = true
		}
	}
	t.Logf("%d pages in %s", pages, time.Since(start).Round(time.Second))
	for _, j := range journeys {
		for _, part := range append([]string{""}, j.Also...) {
			if !done[j.Name+"/"+part] && !t.Failed() {
				t.Errorf("%s did not finish %s", j.Name, part)
			}
		}
	}
	if err != nil && !t.Failed() {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	if t.Failed() {
		return
	}
	// What the holders did is theirs: the announcement is the client's
	// own, and the stopped link is stopped.
	for _, j := range journeys {
		links, err := s.db.ClientLinks(orgs[j.Name], j.Client)
		if err != nil || len(links) == 0 {
			t.Fatalf("%s: links %v", j.Name, err)
		}
		if got, want := links[0].RevokedAt != nil, slices.Contains(j.Also, "stop-link"); got != want {
			t.Errorf("%s: the link is stopped: %v, want %v", j.Name, got, want)
		}
		if !strings.HasPrefix(j.Name, "announce-") {
			continue
		}
		cs, err := s.db.ClientConversations(orgs[j.Name], j.Client)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: conversations %d, %v", j.Name, len(cs), err)
		}
		rs, err := s.db.ConversationRequests(opname.ForAct(orgs[j.Name]), cs[0].ID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: requests %d, %v", j.Name, len(rs), err)
		}
		if r := rs[0]; r.CreatedBy != links[0].ID || r.Act.Announced != "in_advance" || r.Act.Recorder == nil || *r.Act.Recorder != 0 {
			t.Errorf("%s: the announcement %+v is not the client's own, through their link %s", j.Name, r, links[0].ID)
		}
	}
}
