package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/workflow"
)

// shareStep is what one step of web/e2e/share.mjs prints.
type shareStep struct {
	Step          string
	URL, Said     string
	Waiting       string
	Link, Code    string
	Files         map[string]string
	State, Before pageState
	Answers       []struct {
		Participant int
		Answered    bool
		Said        string
		After       pageState
	}
}

// pageState is a request's page as share.mjs saw it: whether it offers a
// recipient link, whose answers it asks for (-1: the organisation's), and
// its text.
type pageState struct {
	Deliver bool
	Asks    []int
	Text    string
}

// shareSteps runs the steps of web/e2e/share.mjs against j's server, each
// in a browser of its own, as each person uses their own device. A step
// that fails, or a page axe-core finds a violation on, fails the test.
func shareSteps(t *testing.T, j *shareJourney) func(args ...string) shareStep {
	script, chromium := browserScript(t, "share.mjs")
	return func(args ...string) shareStep {
		t.Helper()
		cmd := exec.Command("node", append([]string{script, j.s.URL}, args...)...)
		cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var out *shareStep
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			var v struct {
				Axe        string
				Violations []any
				Step       string
			}
			if json.Unmarshal([]byte(line), &v) != nil {
				continue
			}
			if len(v.Violations) > 0 {
				t.Errorf("%s: %v", v.Axe, v.Violations)
			}
			if v.Step != "" {
				out = new(shareStep)
				if err := json.Unmarshal([]byte(line), out); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err != nil || out == nil {
			t.Fatalf("node share.mjs %s: %v\n%s%s", args[0], err, stdout.String(), stderr.String())
		}
		return *out
	}
}

// clientLink is a new personal link of j's client for party (named name
// where several of the party take part).
func (j *shareJourney) clientLink(t *testing.T, party, name string) string {
	t.Helper()
	code, err := j.s.db.CreateLink(j.staffCtx, &opname.ClientLink{ClientID: j.rec.ClientID, Party: party, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// askInBrowser has the client ask on their phone, through their link, to
// give the recording to their lawyer, and returns the request.
func (j *shareJourney) askInBrowser(t *testing.T, run func(...string) shareStep) *opname.Request {
	t.Helper()
	if asked := run("ask", j.clientLink(t, "client", ""), j.rec.ID); !strings.Contains(asked.Said, "Uw vraag is bewaard.") {
		t.Errorf("after asking, the client's page says %q", asked.Said)
	}
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the client's request: %v %v", rs, err)
	}
	req := &rs[0]
	if sh := req.Act.Share; req.Act.Action != "share" || sh == nil || sh.What != "recording" || sh.ID != j.rec.ID || sh.To != "mr. Visser" || req.Act.Recipient != "lawyer" || !opname.ByLink(req.CreatedBy) {
		t.Fatalf("the client asked %+v", req.Act)
	}
	return req
}

// stored is request id as the store has it now, whether it is ready, and
// who is still asked (participant indices, -1 the organisation).
func (j *shareJourney) stored(t *testing.T, id string) (*opname.Request, bool, []int) {
	t.Helper()
	r, err := j.s.db.Request(j.staffCtx, id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := j.s.web.Workflow.ViewOne(j.staffCtx, j.conv, r)
	if err != nil {
		t.Fatal(err)
	}
	asked := []int{}
	for _, p := range v.Next.Ask {
		asked = append(asked, p.Participant)
	}
	return r, v.Next.Ready, asked
}

// answersOf is who answered r, how and by whom, one line each in the
// order given: "participant yes|no how by", with "link" for a link holder.
func answersOf(r *opname.Request) []string {
	var out []string
	for _, a := range r.Answers {
		by := a.By
		if opname.ByLink(by) {
			by = "link"
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", a.Participant, map[bool]string{true: "yes", false: "no"}[a.Given], a.How, by))
	}
	return out
}

// deliverInBrowser has the staff member give the lawyer a link with a
// code for ready request req, the lawyer download the recording and its
// receipt, and opname verify accept the download and say it was shared
// with a lawyer.
func (j *shareJourney) deliverInBrowser(t *testing.T, run func(...string) shareStep, req *opname.Request) {
	t.Helper()
	given := run("give", j.s.web.SessionCookie(), j.staffSecret, req.ID)
	got := run("receive", given.Link, given.Code, t.TempDir())
	recording, receipt := got.Files["recording"], got.Files["receipt"]
	data, err := os.ReadFile(recording)
	if err != nil || !bytes.Equal(data, j.body) {
		t.Fatalf("the lawyer's download: %d bytes, %v", len(data), err)
	}
	var stdout, stderr bytes.Buffer
	config := t.TempDir()
	m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": config}[k] }}
	if code := m.Run(t.Context(), []string{"verify", "--lang", "en", "--receipt", receipt, "--log", j.s.URL + "/api/v1/logs/" + j.org.Slug, recording}); code != 0 || !strings.Contains(stdout.String(), "shared with: a lawyer") {
		t.Errorf("verify of the lawyer's download = %d\n%s%s", code, stdout.String(), stderr.String())
	}
	links, err := j.s.db.RecipientLinks(j.staffCtx, req.ID)
	if err != nil || len(links) != 1 || links[0].Downloads != 1 || !links[0].CodeRequired {
		t.Errorf("the link after the download: %+v %v", links, err)
	}
}

// TestShareInBrowser follows a share in headless Chromium (web/e2e/
// share.mjs), each person on their own device: a Veilig Thuis client asks
// on their phone to give a recording to their lawyer, the organisation
// consents, the staff member gives the lawyer a link with a code, and the
// lawyer types the code, downloads the recording and its receipt; opname
// verify accepts the download and says it was shared with a lawyer.
// axe-core finds nothing on the pages the people see.
func TestShareInBrowser(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-browser")
	run := shareSteps(t, j)
	req := j.askInBrowser(t, run)
	j.consent(t, req)
	j.deliverInBrowser(t, run, req)
}

// TestShareInBrowserBlijfGroep: at Blijf Groep the organisation's consent
// to pass a recording on is a manager's. The client asks on their phone;
// the staff member's page says that a manager gives that consent and
// offers neither the answer nor a link; a manager signs in and consents
// on the same page; then the staff member gives the lawyer a link.
func TestShareInBrowserBlijfGroep(t *testing.T) {
	t.Parallel()
	j := newShareJourneyOf(t, "bg-browser", "blijf-groep")
	run := shareSteps(t, j)
	req := j.askInBrowser(t, run)
	if _, ready, asked := j.stored(t, req.ID); ready || !slices.Equal(asked, []int{-1}) {
		t.Fatalf("Blijf Groep's share asks %v (ready %v), want the organisation only", asked, ready)
	}

	cookie := j.s.web.SessionCookie()
	staff := run("consent", cookie, j.staffSecret, req.ID, "-1")
	if slices.Contains(staff.Before.Asks, -1) || staff.Answers[0].Answered || staff.Before.Deliver {
		t.Errorf("the staff member is offered the organisation's answer (%v) or a link (%v)", staff.Before.Asks, staff.Before.Deliver)
	}
	if want := "De toestemming van de organisatie geeft een manager. U kunt die niet zelf geven."; !strings.Contains(staff.Before.Text, want) {
		t.Errorf("the staff member's page does not say %q:\n%s", want, staff.Before.Text)
	}
	if r, ready, _ := j.stored(t, req.ID); ready || len(r.Answers) != 0 {
		t.Fatalf("after the staff member's visit: ready %v, answers %+v", ready, r.Answers)
	}

	manager := run("consent", cookie, j.managerSecret, req.ID, "-1")
	if a := manager.Answers[0]; !slices.Equal(manager.Before.Asks, []int{-1}) || !a.Answered || len(a.After.Asks) != 0 || strings.Contains(manager.Before.Text, "U kunt die niet zelf geven") {
		t.Fatalf("the manager's page asked %v, answered %v (%s), then asked %v", manager.Before.Asks, a.Answered, a.Said, a.After.Asks)
	}
	r, ready, _ := j.stored(t, req.ID)
	if want := []string{"-1 yes in_person " + j.managerID}; !ready || !slices.Equal(answersOf(r), want) {
		t.Fatalf("after the manager's consent: ready %v, answers %+v", ready, r.Answers)
	}
	j.deliverInBrowser(t, run, r)
}

// TestShareInBrowserAxiehuis: at aXiehuis a recording of a conversation
// with more parties is passed on only when all the others agree. The
// client asks on their phone; the other client answers yes on theirs,
// from the question their link page shows; the staff member answers for
// themselves and for the organisation on the request's page; only then
// does the page offer a recipient link.
func TestShareInBrowserAxiehuis(t *testing.T) {
	t.Parallel()
	j := newShareJourneyOf(t, "ax-browser", "axiehuis", opname.Participant{Role: "client", Name: "Sam"})
	run := shareSteps(t, j)
	samLink := j.clientLink(t, "client", "Sam")
	req := j.askInBrowser(t, run)
	if _, ready, asked := j.stored(t, req.ID); ready || !slices.Equal(asked, []int{1, 2, -1}) {
		t.Fatalf("a share of a conversation of three asks %v (ready %v), want the staff member, Sam and the organisation", asked, ready)
	}

	sam := run("answer", samLink, j.conv.ID, req.ID)
	if !strings.Contains(sam.Waiting, "Er wacht 1 vraag op uw antwoord") || !strings.Contains(sam.Said, "Uw antwoord is bewaard") {
		t.Errorf("Sam's link page said %q, then %q", sam.Waiting, sam.Said)
	}
	r, ready, asked := j.stored(t, req.ID)
	samYes := "2 yes " + workflow.AnswerByLink + " link"
	if ready || !slices.Equal(asked, []int{1, -1}) || !slices.Equal(answersOf(r), []string{samYes}) {
		t.Fatalf("after Sam's yes: ready %v, asked %v, answers %+v", ready, asked, r.Answers)
	}

	staff := run("consent", j.s.web.SessionCookie(), j.staffSecret, req.ID, "1", "-1")
	if !slices.Equal(staff.Before.Asks, []int{1, -1}) || staff.Before.Deliver {
		t.Errorf("before the staff member's answers the page asks %v and offers a link: %v", staff.Before.Asks, staff.Before.Deliver)
	}
	for i, a := range staff.Answers {
		last := i == len(staff.Answers)-1
		if !a.Answered || a.After.Deliver != last {
			t.Errorf("after the answer of %d (saved %v %s) the page offers a link: %v", a.Participant, a.Answered, a.Said, a.After.Deliver)
		}
	}
	r, ready, asked = j.stored(t, req.ID)
	if want := []string{samYes, "1 yes in_person " + j.staffID, "-1 yes in_person " + j.staffID}; !ready || len(asked) != 0 || !slices.Equal(answersOf(r), want) {
		t.Fatalf("after every answer: ready %v, asked %v, answers %+v", ready, asked, r.Answers)
	}
	j.deliverInBrowser(t, run, r)
}

// TestPublishInBrowser: a request to make a recording public on social
// media, asked on the conversation's page and answered by the
// organisation on the request's page, ends with its answer: the page
// shows it and offers no recipient link, and none can be given.
func TestPublishInBrowser(t *testing.T) {
	t.Parallel()
	j := newShareJourneyOf(t, "omb-publish", "ombudsman")
	run := shareSteps(t, j)
	cookie := j.s.web.SessionCookie()
	asked := run("publish", cookie, j.staffSecret, j.conv.ID, j.rec.ID)
	if !slices.Equal(asked.State.Asks, []int{-1}) || asked.State.Deliver {
		t.Errorf("the request to publish asks %v and offers a link: %v", asked.State.Asks, asked.State.Deliver)
	}
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the requests: %v %v", rs, err)
	}
	req := &rs[0]
	if sh := req.Act.Share; req.Act.Action != "publish" || req.Act.Recipient != "public" || sh == nil || sh.What != "recording" || sh.ID != j.rec.ID || !strings.HasSuffix(asked.URL, "/verzoeken/"+req.ID) {
		t.Fatalf("asked %+v at %s", req.Act, asked.URL)
	}

	answered := run("consent", cookie, j.staffSecret, req.ID, "-1")
	a := answered.Answers[0]
	if !a.Answered || a.After.Deliver || len(a.After.Asks) != 0 {
		t.Errorf("the organisation's answer: saved %v (%s), then asks %v and offers a link: %v", a.Answered, a.Said, a.After.Asks, a.After.Deliver)
	}
	for _, want := range []string{"de organisatie: Ja — Persoonlijk", "Het antwoord is vastgelegd. opname maakt zelf niets openbaar en geeft hier geen link voor."} {
		if !strings.Contains(a.After.Text, want) {
			t.Errorf("the answered request's page does not say %q:\n%s", want, a.After.Text)
		}
	}
	r, ready, _ := j.stored(t, req.ID)
	if want := []string{"-1 yes in_person " + j.staffID}; !ready || !slices.Equal(answersOf(r), want) {
		t.Fatalf("after the organisation's yes: ready %v, answers %+v", ready, r.Answers)
	}
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	if status, page, _ := staff.form("/verzoeken/"+req.ID+"/ontvanger", url.Values{"dagen": {"14"}, "downloads": {"3"}}); status != http.StatusConflict || !strings.Contains(page, "opname publiceert niets") {
		t.Errorf("a recipient link for a publication = %d", status)
	}
	if links, err := j.s.db.RecipientLinks(j.staffCtx, req.ID); err != nil || len(links) != 0 {
		t.Errorf("the publication's recipient links: %+v %v", links, err)
	}
}
