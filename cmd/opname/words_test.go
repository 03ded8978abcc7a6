package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// wordsOrg is an organisation under a shipped policy with a client and the
// staff member assigned to it, reading Dutch and English pages, and a
// manager.
type wordsOrg struct {
	org                     *opname.Organisation
	client                  string
	staff, staffEN, manager *browser
}

func newWordsOrg(t *testing.T, s *server, slug, pol string) *wordsOrg {
	t.Helper()
	org, octx := newOrg(t, s, slug, pol, false)
	staff, staffSecret := member(t, s, octx, slug, opname.RoleStaff)
	_, managerSecret := member(t, s, octx, slug, opname.RoleManager)
	c := &opname.Client{Name: "Anna de Vries"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	return &wordsOrg{org: org, client: c.ID,
		staff: signedInBrowser(t, s, staffSecret, "nl"), staffEN: signedInBrowser(t, s, staffSecret, "en"),
		manager: signedInBrowser(t, s, managerSecret, "nl")}
}

// api sends a JSON body as b and fails unless the status is want.
func (o *wordsOrg) api(t *testing.T, b *browser, method, path, body string, want int) map[string]any {
	t.Helper()
	code, out := b.json(method, path, body)
	if code != want {
		t.Fatalf("%s %s = %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

// open opens a conversation with participants (JSON) and returns its id.
func (o *wordsOrg) open(t *testing.T, participants string) string {
	t.Helper()
	out := o.api(t, o.staff, "POST", "/api/v1/clients/"+o.client+"/conversations", `{"location": "home_visit", "participants": `+participants+`}`, 201)
	return out["id"].(string)
}

// ask asks act (JSON) about conversation conv and returns the request's id.
func (o *wordsOrg) ask(t *testing.T, conv, act string) string {
	t.Helper()
	out := o.api(t, o.staff, "POST", "/api/v1/conversations/"+conv+"/requests", act, 201)
	return out["id"].(string)
}

// page fetches path as b and fails unless every want is in it and no
// unwanted text is.
func page(t *testing.T, b *browser, path string, want, unwanted []string) string {
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
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("GET %s: %q in the page", path, u)
		}
	}
	return body
}

// TestRulesCiteTheirSource checks that the request page names each rule's
// source by its title, with the passage and the source's web address where
// the policy gives one, not by an internal file name; the decision JSON
// keeps the file name.
func TestRulesCiteTheirSource(t *testing.T) {
	s := startTestServer(t, "")
	o := newWordsOrg(t, s, "bronnen", "ombudsman")
	conv := o.open(t, `[{"role": "client"}, {"role": "staff"}]`)
	req := o.ask(t, conv, `{"action": "record", "medium": "audio", "by": "client", "announced": "in_advance"}`)
	out := o.api(t, o.staff, "GET", "/api/v1/requests/"+req, "", 200)
	if data, _ := json.Marshal(out["decision"]); !strings.Contains(string(data), `"source":"000_a66e2caac0d54833.txt"`) {
		t.Errorf("the decision JSON does not cite the source by its file name: %s", data)
	}
	page(t, o.staff, "/verzoeken/"+req,
		[]string{"Nationale Ombudsman, Koffie? Thee? Geluidsopname?", "spelregel 1",
			"Een overheidsinstantie staat het maken van een geluidsopname toe",
			`href="https://www.nationaleombudsman.nl/nieuws/nieuwsbericht/2020/koffie-thee-geluidsopname-nationale-ombudsman-geeft-aanvullende-tips-aan"`},
		[]string{"000_a66e2caac0d54833.txt"})
	page(t, o.staffEN, "/verzoeken/"+req, []string{"Nationale Ombudsman, Koffie? Thee? Geluidsopname?", `<q lang="nl">Een overheidsinstantie staat`}, []string{"000_a66e2caac0d54833.txt"})
}
