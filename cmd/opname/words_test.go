package main

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
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
	t.Parallel()
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

// TestIncidentSaysWhoRecorded opens an incident from the conversation page
// at aXiehuis, saying that someone not in the conversation's list recorded
// in secret while the client and the staff member were there: a recording
// with more parties, so the incident offers aXiehuis's whole ladder, and
// its page says who recorded and who was present.
func TestIncidentSaysWhoRecorded(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		o := newWordsOrg(t, s, "axie-incident", "axiehuis")
		conv := o.open(t, `[{"role": "client", "name": "Anna"}, {"role": "staff", "name": "Test staff"}]`)
		page(t, o.staff, "/gesprekken/"+conv, []string{`name="opnemer"`, `name="aanwezig"`, `name="opnemer_anders"`}, nil)
		code, body, h := o.staff.form("/gesprekken/"+conv+"/incidenten", url.Values{"soort": {"covert_recording"}, "beschrijving": {"Een telefoon op tafel nam stiekem op."},
			"wat": {"audio"}, "opnemer": {"anders"}, "opnemer_anders": {"een vriend van Anna"}, "aanwezig": {"0", "1"}})
		if code != 303 {
			t.Fatalf("open the incident = %d\n%s", code, body)
		}
		inc := h.Get("Location")
		page(t, o.staff, inc, []string{"Vraag om de opname meteen te stoppen.", "Vraag dan om het gebouw te verlaten.", "Meld het voorval bij de leidinggevende.",
			"denk erover na om naar de politie of de rechter te gaan.", "een vriend van Anna", "Cliënt (Anna)", "Medewerker (Test staff)"}, nil)
		out := o.api(t, o.staff, "GET", "/api/v1"+strings.Replace(inc, "/incidenten/", "/incidents/", 1), "", 200)
		if out["recorder_other"] != "een vriend van Anna" || len(out["present"].([]any)) != 2 || len(out["ladder"].([]any)) != 4 {
			t.Errorf("incident = %v", out)
		}
		// Someone else, but not said who: the form says what is missing.
		code, body, _ = o.staff.form("/gesprekken/"+conv+"/incidenten", url.Values{"soort": {"covert_recording"}, "beschrijving": {"x"}, "wat": {"audio"}, "opnemer": {"anders"}})
		if code != 400 || !strings.Contains(body, "Beschrijf wie de opname maakte.") {
			t.Errorf("someone else without saying who = %d, want 400 saying so", code)
		}
	})
}

// TestStaffSaysYesOrNoToVideo: at Blijf Groep a client asks to film the
// conversation. The request page says that the staff member may refuse,
// and asks the staff member's own yes or no — nothing chosen beforehand —
// before the request can go to the manager. A no stops the video.
func TestStaffSaysYesOrNoToVideo(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "")
	o := newWordsOrg(t, s, "blijf-weigeren", "blijf-groep")
	conv := o.open(t, `[{"role": "client"}, {"role": "staff", "name": "Els"}]`)
	req := o.ask(t, conv, `{"action": "record", "medium": "video", "by": "client"}`)
	body := page(t, o.staff, "/verzoeken/"+req,
		[]string{"Een medewerker mag altijd weigeren om gefilmd te worden.", "Pas daarna beslist de manager.", "Wil Medewerker (Els) gefilmd worden in dit gesprek?", `value="ja" required`},
		[]string{`name="beoordeling"`, "checked"})
	if strings.Count(body, `name="antwoord"`) != 2 {
		t.Errorf("the staff member's yes or no is not asked once")
	}
	page(t, o.staffEN, "/verzoeken/"+req, []string{"A staff member may always refuse to be filmed.", "Does Staff member (Els) agree to be filmed in this conversation?"}, nil)
	// Without a choice nothing is recorded.
	if code, _, _ := o.staff.form("/verzoeken/"+req, url.Values{"stap": {"antwoord"}, "deelnemer": {"1"}, "hoe": {"in_person"}}); code != 400 {
		t.Errorf("an answer without yes or no = %d, want 400", code)
	}
	if code, body, _ := o.staff.form("/verzoeken/"+req, url.Values{"stap": {"antwoord"}, "deelnemer": {"1"}, "hoe": {"in_person"}, "antwoord": {"ja"}}); code != 303 {
		t.Fatalf("Els's yes = %d\n%s", code, body)
	}
	page(t, o.staff, "/verzoeken/"+req, []string{"Een medewerker mag altijd weigeren om gefilmd te worden.", "Medewerker (Els): Ja", `name="beoordeling"`}, []string{"Wil Medewerker (Els) gefilmd worden"})

	no := o.ask(t, conv, `{"action": "record", "medium": "video", "by": "client"}`)
	if code, body, _ := o.staff.form("/verzoeken/"+no, url.Values{"stap": {"antwoord"}, "deelnemer": {"1"}, "hoe": {"in_person"}, "antwoord": {"nee"}}); code != 303 {
		t.Fatalf("Els's no = %d\n%s", code, body)
	}
	out := o.api(t, o.staff, "GET", "/api/v1/requests/"+no, "", 200)
	if out["outcome"] != "forbidden" {
		t.Errorf("after the staff member's no: outcome %v, want forbidden", out["outcome"])
	}
	page(t, o.staff, "/verzoeken/"+no, []string{"Medewerker (Els): Nee", "Alleen geluid opnemen"}, []string{`name="beoordeling"`})
}

// snakeCase matches an internal code word such as home_visit.
var snakeCase = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`)

// TestDocumentsFitForADossier checks every printed document of a request
// — the manager's written decision and the declaration of agreements, as
// PDF and as a page to print — in Dutch and in English: the organisation's
// name, human words instead of codes, one language, times with their
// zone, signature lines, page numbers and the policy by its title and
// version.
func TestDocumentsFitForADossier(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "")
	o := newWordsOrg(t, s, "blijf-dossier", "blijf-groep")
	conv := o.open(t, `[{"role": "client"}, {"role": "staff", "name": "Els"}]`)
	req := o.ask(t, conv, `{"action": "record", "medium": "video", "by": "client"}`)
	o.api(t, o.staff, "POST", "/api/v1/requests/"+req+"/answers", `{"participant": 1, "given": true, "how": "in_person"}`, 200)
	o.api(t, o.staff, "POST", "/api/v1/requests/"+req+"/manager", `{"assessment": "Cliënte wil het gesprek terugkijken met haar advocaat.", "colleagues_consulted": "Team Noord"}`, 200)
	o.api(t, o.manager, "POST", "/api/v1/requests/"+req+"/manager-decision", `{"approved": true, "reasons": "Het belang van cliënte weegt zwaar."}`, 200)

	zone := regexp.MustCompile(`\d{1,2}:\d\d (CET|CEST)`)
	common := map[string][]string{
		"nl": {o.org.Name, "Blijf Groep — afspraken over geluid- en beeldopnames, versie 1", "Anna de Vries", "Huisbezoek", "Opname door de cliënt, beeld"},
		"en": {o.org.Name, "Blijf Groep — agreements on sound and video recordings, version 1", "Anna de Vries", "Home visit", "Recording by the client, video"},
	}
	want := map[string]map[string][]string{
		"decision": {
			"nl": {"Besluit van de manager", "Uitkomst Toegestaan", "Het belang van cliënte weegt zwaar.", "Naam", "Rol", "Manager", "Datum", "Handtekening"},
			"en": {"The manager's decision", "Outcome Allowed", "Het belang van cliënte weegt zwaar.", "Name", "Role", "Manager", "Date", "Signature"},
		},
		"declaration": {
			"nl": {"Afspraken over de opname", "Wie opneemt, geeft de ander een kopie", "Cliënt", "Naam", "Datum", "Handtekening"},
			"en": {"Agreements about the recording", "Client", "Name", "Date", "Signature"},
		},
	}
	// Words of the other language that must not stand in a document.
	other := map[string][]string{
		"nl": {"Decision", "Client Anna", "Conversation", "Signature", "Policy", "Approved", "page ", " by "},
		"en": {"Besluit", "Cliënt Anna", "Gesprek", "Handtekening", "Beleid", "Toegestaan", "pagina", " door "},
	}
	pageOf := map[string]string{"nl": "pagina 1 van", "en": "page 1 of"}
	for _, doc := range []string{"decision", "declaration"} {
		for _, l := range []string{"nl", "en"} {
			t.Run(doc+" "+l, func(t *testing.T) {
				text := (&zoneOrg{staff: o.staff}).pdfText(t, "/api/v1/requests/"+req+"/"+doc+".pdf?lang="+l)
				check := func(what, text string, pdf bool) {
					for _, w := range append(append([]string{}, common[l]...), want[doc][l]...) {
						if !strings.Contains(text, w) {
							t.Errorf("%s lacks %q:\n%s", what, w, text)
						}
					}
					for _, w := range append(other[l], "home_visit", "record video", "blijf-groep") {
						if strings.Contains(text, w) {
							t.Errorf("%s has %q:\n%s", what, w, text)
						}
					}
					if codes := snakeCase.FindAllString(text, -1); len(codes) > 0 {
						t.Errorf("%s shows codes %v", what, codes)
					}
					if !zone.MatchString(text) {
						t.Errorf("%s shows no time with its zone:\n%s", what, text)
					}
					if pdf && !strings.Contains(text, pageOf[l]) {
						t.Errorf("%s has no page numbers %q:\n%s", what, pageOf[l], text)
					}
				}
				check(doc+".pdf", text, true)
				path := map[string]string{"decision": "/besluit", "declaration": "/afspraken"}[doc]
				b := o.staff
				if l == "en" {
					b = o.staffEN
				}
				code, body, _ := b.do("GET", "/verzoeken/"+req+path, "", "")
				if code != 200 {
					t.Fatalf("GET %s = %d", path, code)
				}
				if !strings.Contains(body, `href="/assets/print-`+l+`.css"`) {
					t.Errorf("the page to print %s has no page numbers in print (print-%s.css)", path, l)
				}
				main := body[strings.Index(body, "<main"):]
				check("the page "+path, htmlText(main), false)
			})
		}
	}
	// A page asked for in English with ?lang=en is in English.
	if text := (&zoneOrg{staff: o.staff}).pdfText(t, "/api/v1/requests/"+req+"/decision.pdf?lang=en"); !strings.Contains(text, "page 1 of") {
		t.Errorf("?lang=en does not choose English")
	}
	for _, l := range []string{"nl", "en"} {
		code, css, _ := o.staff.do("GET", "/assets/print-"+l+".css", "", "")
		if code != 200 || !strings.Contains(css, map[string]string{"nl": `"pagina " counter(page) " van " counter(pages)`, "en": `"page " counter(page) " of " counter(pages)`}[l]) {
			t.Errorf("print-%s.css = %d %q", l, code, css)
		}
	}
}

// htmlText is the text of an HTML fragment, tags left out and white space
// folded.
func htmlText(h string) string {
	h = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]+>`).ReplaceAllString(h, " ")
	return strings.Join(strings.Fields(html.UnescapeString(h)), " ")
}
