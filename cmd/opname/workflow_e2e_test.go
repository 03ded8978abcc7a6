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
	"golang.org/x/net/html"
)

// TestWorkflowInBrowser walks the conversation workflow's journeys in a
// real browser, one per shipped policy (web/e2e/workflow.mjs), with axe on
// every page, in Dutch and in English: every page a journey visits is
// scanned for words of the other language. It skips locally without node
// or Chromium and fails in CI.
func TestWorkflowInBrowser(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "workflow.mjs")
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) { testWorkflowInBrowser(t, script, chromium, lang) })
	}
}

// journeyData are the texts the journeys type and the names they meet,
// which the language scan leaves alone.
var journeyData = []string{"Sanne Jansen", "Test staff", "Test manager", "Een telefoon nam stiekem op tijdens het groepsgesprek.",
	"Cliënte wil het gesprek terugkijken met haar advocaat.", "Team Noord",
	"Twee medewerkers zijn erbij; het belang van cliënte weegt zwaar.", "een derde is in gevaar als dit bekend wordt"}

func testWorkflowInBrowser(t *testing.T, script, chromium, lang string) {
	s := testServer(t)
	type journey struct {
		Name    string `json:"name"`
		Client  string `json:"client"`
		Staff   string `json:"staff"`
		Manager string `json:"manager"`
	}
	var journeys []journey
	for _, j := range []struct{ name, policy string }{
		{"vt-org-records", "veilig-thuis-utrecht"},
		{"vt-parent-refuses", "veilig-thuis-utrecht"},
		{"axiehuis-covert", "axiehuis"},
		{"blijf-video", "blijf-groep"},
		{"mo-client-audio", "maatschappelijke-opvang"},
		{"ombudsman-weighty", "ombudsman"},
	} {
		_, octx := newOrg(t, s, j.name, j.policy, false)
		staff, staffSecret := member(t, s, octx, j.name, opname.RoleStaff)
		_, managerSecret := member(t, s, octx, j.name, opname.RoleManager)
		c := &opname.Client{Name: "Sanne Jansen"}
		if err := s.db.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
			t.Fatal(err)
		}
		journeys = append(journeys, journey{j.name, c.ID, staffSecret, managerSecret})
	}
	data := slices.Clone(journeyData)
	for _, j := range journeys {
		data = append(data, "Organisatie "+j.Name, j.Name)
	}
	arg, _ := json.Marshal(journeys)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, s.URL, s.web.SessionCookie(), lang, string(arg))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	done := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var st struct{ Journey, Step, Error, Recording, Request, Path, HTML string }
		if json.Unmarshal([]byte(line), &st) != nil {
			continue
		}
		switch st.Step {
		case "page":
			for _, p := range journeyPageProblems(lang, st.HTML, data) {
				t.Errorf("%s: %s: %s", st.Journey, st.Path, p)
			}
		case "recorded":
			done["recorded"] = true
			// The organisation's own recording is linked to the request.
			sys := opname.System("test")
			org, _ := s.db.OrganisationBySlug(context.Background(), st.Journey)
			sys.OrgID = org.ID
			rec, _, err := s.db.Recording(opname.WithActor(context.Background(), sys), st.Recording)
			if err != nil || rec.RequestID != st.Request || rec.ConversationID == "" || rec.AgreementsDigest == "" {
				t.Errorf("%s: the organisation's recording %+v (%v) is not linked to request %s", st.Journey, rec, err, st.Request)
			}
		case "failed":
			t.Errorf("%s: %s", st.Journey, st.Error)
		case "done":
			done[st.Journey] = true
		}
	}
	if !done["recorded"] && !t.Failed() {
		t.Error("the organisation's recording was not made")
	}
	for _, j := range journeys {
		if !done[j.Name] && !t.Failed() {
			t.Errorf("%s did not finish", j.Name)
		}
	}
	if err != nil && !t.Failed() {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
}

// journeyPageProblems scans a page a journey visited, as the language scan
// of every page does.
func journeyPageProblems(lang, page string, data []string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{err.Error()}
	}
	pageLang, texts := pageText(doc)
	problems := langProblems(lang, texts, data)
	if pageLang != lang {
		problems = append(problems, "the page says lang="+pageLang)
	}
	return problems
}
