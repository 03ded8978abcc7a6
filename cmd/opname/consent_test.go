package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestNothingAboutConsentIsPreselected renders a request that waits for a
// parent's answer and for a manager's decision, and checks that no answer,
// decision, signature or alternative is chosen in advance; a form or API
// call sent without a choice records nothing.
func TestNothingAboutConsentIsPreselected(t *testing.T) {
	t.Parallel()
	j := newJourney(t, testServer(t), "blijf", "blijf-groep")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"}, opname.Participant{Role: "parent", Name: "vader"})
	audio := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "organisation"})
	video := j.ask(conv, opname.Act{Action: "record", Medium: "video", By: "client"})
	j.call("staff", "POST", "/api/v1/requests/"+video.ID+"/manager", map[string]any{"assessment": "a", "colleagues_consulted": "b"}, 200, nil)

	// The workflow says what is next; the API gives it.
	var v struct {
		Next struct {
			Ask []struct {
				Participant int    `json:"participant"`
				Role        string `json:"role"`
			} `json:"ask"`
			ManagerDecides bool `json:"manager_decides"`
		} `json:"next"`
	}
	j.call("manager", "GET", "/api/v1/requests/"+video.ID, nil, 200, &v)
	if !v.Next.ManagerDecides {
		t.Errorf("the manager is not told to decide: %+v", v.Next)
	}
	j.call("staff", "GET", "/api/v1/requests/"+audio.ID, nil, 200, &v)
	if len(v.Next.Ask) == 0 {
		t.Fatalf("nobody is asked for consent to the organisation recording: %+v", v.Next)
	}

	checked := regexp.MustCompile(`<input[^>]*name="(antwoord|besluit|ondertekend|alternatief)"[^>]*checked`)
	for who, id := range map[string]string{"staff": audio.ID, "manager": video.ID} {
		page := string(j.call(who, "GET", "/verzoeken/"+id, nil, 200, nil))
		if !strings.Contains(page, `name="antwoord"`) && !strings.Contains(page, `name="besluit"`) {
			t.Fatalf("request page as %s has no answer or decision form", who)
		}
		if m := checked.FindString(page); m != "" {
			t.Errorf("request page as %s pre-selects a choice: %s", who, m)
		}
	}

	// A form without a choice is refused, in Dutch, and records nothing.
	post := func(who, id string, form url.Values) (int, string) {
		r, _ := http.NewRequest("POST", j.s.URL+"/verzoeken/"+id, strings.NewReader(form.Encode()))
		r.Header.Set("Authorization", "Bearer "+j.tokens[who])
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("staff", audio.ID, url.Values{"stap": {"antwoord"}, "deelnemer": {"2"}, "hoe": {"in_person"}}); code != 400 || !strings.Contains(body, "Kies ja of nee") {
		t.Errorf("an answer without yes or no: %d", code)
	}
	if code, body := post("manager", video.ID, url.Values{"stap": {"besluit"}, "redenen": {"r"}}); code != 400 || !strings.Contains(body, "goedkeurt of afwijst") {
		t.Errorf("a decision without yes or no: %d", code)
	}
	j.call("staff", "POST", "/api/v1/requests/"+audio.ID+"/answers", map[string]any{"participant": 2, "how": "in_person"}, 400, nil)
	j.call("manager", "GET", "/api/v1/requests/"+video.ID, nil, 200, &video)
	var answers struct{ Answers []opname.Answer }
	j.call("staff", "GET", "/api/v1/requests/"+audio.ID, nil, 200, &answers)
	if len(answers.Answers) != 0 || video.Manager == nil || video.Manager.Approved != nil {
		t.Errorf("a choice nobody made was recorded: answers %+v, manager %+v", answers.Answers, video.Manager)
	}
}

// TestPagesShowStoreErrors breaks the incidents table under a running
// server: the inbox must answer with an error, never an empty inbox that
// looks like nothing waits.
func TestPagesShowStoreErrors(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	j := newJourney(t, s, "vt", "veilig-thuis-utrecht")
	j.call("manager", "GET", "/postvak", nil, 200, nil)
	raw := rawSQLite(t, s.dataDir)
	if _, err := raw.Exec(`ALTER TABLE incidents RENAME TO incidents_gone`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/postvak", "/werk"} {
		body := j.call("manager", "GET", path, nil, 500, nil)
		if strings.Contains(string(body), "incidents_gone") || strings.Contains(string(body), "no such table") {
			t.Errorf("%s shows the database's own error text", path)
		}
	}
}
