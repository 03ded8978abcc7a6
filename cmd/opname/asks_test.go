package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestWhoAsksAndWhoJoins asks as a participant named by place, with a
// kind of recipient, and adds people to an open conversation — through
// the API and through the pages — as staff do when the policy asks the
// answer of a parent or representative who was not in it.
func TestWhoAsksAndWhoJoins(t *testing.T) {
	t.Parallel()
	j := newJourney(t, testServer(t), "wie", "veilig-thuis-utrecht")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})

	// The API names the field and the value.
	for _, c := range []struct {
		act  map[string]any
		want string
	}{
		{map[string]any{"action": "record", "medium": "audio", "by": "client", "recorder": 5}, "recorder: 5 is not one of the 2 participants"},
		{map[string]any{"action": "record", "medium": "audio", "by": "client", "recorder": 1}, `recorder: participant 1 has role staff and cannot ask as by \"client\"`},
		{map[string]any{"action": "share", "medium": "audio", "by": "organisation", "recipient": "mr. Jansen"}, `recipient: \"mr. Jansen\" is not a kind of recipient`},
	} {
		if body := j.call("staff", "POST", "/api/v1/conversations/"+conv+"/requests", c.act, 400, nil); !strings.Contains(string(body), c.want) {
			t.Errorf("ask %v = %s, want %q", c.act, body, c.want)
		}
	}

	// A parent joins; they ask, named by place only.
	var joined opname.Conversation
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/participants", map[string]any{"role": "parent", "name": "moeder"}, 201, &joined)
	if len(joined.Participants) != 3 || joined.Participants[2].Role != "parent" {
		t.Fatalf("participants after joining: %+v", joined.Participants)
	}
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/participants", map[string]any{"role": "neighbour"}, 400, nil)
	var asked struct {
		Act     opname.Act
		AskedBy *struct {
			Participant int
			Name        string
		} `json:"asked_by"`
	}
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/requests", map[string]any{"action": "record", "medium": "audio", "recorder": 2}, 201, &asked)
	if asked.Act.By != "other" || asked.AskedBy == nil || asked.AskedBy.Participant != 2 || asked.AskedBy.Name != "moeder" {
		t.Errorf("asked as the parent: act %+v, asked by %+v", asked.Act, asked.AskedBy)
	}

	// The page: who asks and the recipient are chosen, never pre-selected.
	page := string(j.call("staff", "GET", "/gesprekken/"+conv, nil, 200, nil))
	for _, name := range []string{"wie", "ontvanger"} {
		sel := regexp.MustCompile(`(?s)<select[^>]*name="` + name + `".*?</select>`).FindString(page)
		if sel == "" || strings.Contains(sel, "selected") || !strings.Contains(sel, `<option value="">`) {
			t.Errorf("select %s is missing or has a choice made: %s", name, sel)
		}
	}
	if !strings.Contains(page, `<option value="2">Ouder (moeder)</option>`) {
		t.Error("the parent is not among who may ask")
	}
	// Adding a person: every field has its label, the role is required
	// and offers every role.
	for _, id := range []string{"nieuw-rol", "nieuw-naam", "nieuw-leeftijd", "nieuw-onbekwaam"} {
		if !strings.Contains(page, `for="`+id+`"`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the add-a-person form lacks field %s with its label", id)
		}
	}
	if sel := regexp.MustCompile(`(?s)<select[^>]*id="nieuw-rol"[^>]*>.*?</select>`).FindString(page); !strings.Contains(sel, "required") || !strings.Contains(sel, `value="client"`) || !strings.Contains(sel, `value="representative"`) {
		t.Errorf("the add-a-person role: %s", sel)
	}
	// Opening a conversation: four more people, without the client role.
	convs := string(j.call("staff", "GET", "/clienten/"+j.client+"/gesprekken", nil, 200, nil))
	for i := range 4 {
		sel := regexp.MustCompile(`(?s)<select[^>]*id="rol` + strconv.Itoa(i) + `"[^>]*name="rol` + strconv.Itoa(i) + `"[^>]*>.*?</select>`).FindString(convs)
		if sel == "" || strings.Contains(sel, `value="client"`) || strings.Contains(sel, "required") || !strings.Contains(convs, `for="naam`+strconv.Itoa(i)+`"`) {
			t.Errorf("person %d of a new conversation: %s", i, sel)
		}
	}
	post := func(path string, form url.Values) (int, string, string) {
		t.Helper()
		r, _ := http.NewRequest("POST", j.s.URL+path, strings.NewReader(form.Encode()))
		r.Header.Set("Authorization", "Bearer "+j.tokens["staff"])
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	ask := "/gesprekken/" + conv + "/verzoeken"
	if code, _, body := post(ask, url.Values{"wat": {"audio"}}); code != 400 || !strings.Contains(body, "Kies wie het vraagt.") {
		t.Errorf("asking without who = %d", code)
	}
	if code, _, body := post(ask, url.Values{"wie": {"2"}, "handeling": {"share"}, "wat": {"audio"}}); code != 400 || !strings.Contains(body, "Kies met wie de opname wordt gedeeld.") {
		t.Errorf("sharing without a recipient = %d", code)
	}
	// What is shared, with whom by name and why: said, or refused with
	// the field's label.
	var stored registered
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings", wav(1, 5), 201, &stored)
	rec := stored.Recording
	if code, _, body := post(ask, url.Values{"wie": {"2"}, "handeling": {"share"}, "wat": {"audio"}, "ontvanger": {"lawyer"}}); code != 400 || !strings.Contains(body, "Wat wordt gedeeld: kies wat er gedeeld wordt: een opname, een transcript, afspraken of een besluit van de manager.") {
		t.Errorf("sharing without saying what = %d %s", code, regexp.MustCompile(`(?s)<div class="utrecht-alert[^>]*>.*?</div>`).FindString(body))
	}
	if code, _, body := post(ask, url.Values{"wie": {"2"}, "handeling": {"share"}, "wat": {"audio"}, "ontvanger": {"lawyer"}, "deel": {"recording:" + rec.ID}, "deel-waarom": {"Voor de klacht"}}); code != 400 || !strings.Contains(body, "Naam van wie het krijgt: vul de naam in van wie het krijgt.") {
		t.Errorf("sharing without a name = %d %s", code, body)
	}
	code, loc, body := post(ask, url.Values{"wie": {"2"}, "handeling": {"share"}, "wat": {"audio"}, "ontvanger": {"lawyer"}, "deel": {"recording:" + rec.ID}, "deel-aan": {"mr. De Boer"}, "deel-waarom": {"Voor de klacht"}})
	if code != 303 || !strings.HasPrefix(loc, "/verzoeken/") {
		t.Fatalf("sharing as the parent = %d %s %s", code, loc, regexp.MustCompile(`(?s)<div class="utrecht-alert[^>]*>.*?</div>`).FindString(body))
	}
	if shown := string(j.call("staff", "GET", loc, nil, 200, nil)); !strings.Contains(shown, "mr. De Boer") || !strings.Contains(shown, "Voor de klacht") || !strings.Contains(shown, `href="/opnames/`+rec.ID+`"`) {
		t.Error("the request page does not say what is shared, with whom and why")
	}
	shown := string(j.call("staff", "GET", loc, nil, 200, nil))
	if !strings.Contains(shown, "Delen door moeder, geluid") {
		t.Error(`the request page does not say "Delen door moeder, geluid"`)
	}
	// Who asks and the recipient are facts of the request: a key and its
	// value.
	for key, value := range map[string]string{"Gevraagd door": "Ouder (moeder)", "Ontvanger": "Een advocaat"} {
		fact := regexp.MustCompile(`>` + regexp.QuoteMeta(key) + `</dt>\s*<dd[^>]*>` + regexp.QuoteMeta(value) + `</dd>`)
		if !fact.MatchString(shown) {
			t.Errorf("the request page does not say %s: %s", key, value)
		}
	}
	if code, loc, _ = post(ask, url.Values{"wie": {"buiten"}, "handeling": {"copy"}, "wat": {"audio"}}); code != 303 {
		t.Fatalf("a copy for someone outside = %d", code)
	}
	if shown = string(j.call("staff", "GET", loc, nil, 200, nil)); !strings.Contains(shown, "Kopie voor iemand buiten het gesprek") {
		t.Error("the request page does not say the copy is for someone outside")
	}

	// Adding from the page returns to the request it came from.
	join := "/gesprekken/" + conv + "/deelnemers"
	if code, _, body := post(join, url.Values{"naam": {"mentor"}}); code != 400 || !strings.Contains(body, "Kies de rol van wie u toevoegt.") {
		t.Errorf("adding without a role = %d", code)
	}
	request := strings.TrimPrefix(loc, "/verzoeken/")
	if code, loc, _ = post(join, url.Values{"rol": {"representative"}, "naam": {"mentor"}, "verzoek": {request}}); code != 303 || loc != "/verzoeken/"+request {
		t.Errorf("adding a representative = %d %s", code, loc)
	}
	j.call("staff", "GET", "/api/v1/conversations/"+conv, nil, 200, &joined)
	if n := len(joined.Participants); n != 4 || joined.Participants[3].Role != "representative" || joined.Participants[3].Name != "mentor" {
		t.Errorf("participants after the page added one: %+v", joined.Participants)
	}
}
