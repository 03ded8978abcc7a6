package main

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// sentTwice posts form to path twice, as a double click or a reload does,
// and checks that both answers send the person on to the same page, with
// no error; it returns that page's address.
func sentTwice(t *testing.T, b *browser, path string, form url.Values) string {
	t.Helper()
	code, body, h := b.form(path, form)
	if code != 303 {
		t.Fatalf("POST %s = %d, want 303\n%s", path, code, firstLine([]byte(strings.TrimSpace(body))))
	}
	first := h.Get("Location")
	code, body, h = b.form(path, form)
	if code != 303 || h.Get("Location") != first {
		t.Fatalf("POST %s a second time = %d to %q, want 303 to %q\n%s", path, code, h.Get("Location"), first, body)
	}
	code, page, _ := b.do("GET", first, "", "")
	if code != 200 || strings.Contains(page, `role="alert"`) {
		t.Fatalf("after sending %s twice, %s = %d with an error", path, first, code)
	}
	return first
}

// formToken is the one-time token of the forms on the page at path.
func formToken(t *testing.T, b *browser, path string) string {
	t.Helper()
	code, page, _ := b.do("GET", path, "", "")
	if code != 200 {
		t.Fatalf("GET %s = %d", path, code)
	}
	return hidden(t, page, "formulier")
}

// logSize is the number of entries in the organisation's public log.
func logSize(t *testing.T, s *server, slug string) int64 {
	t.Helper()
	signed, _, err := s.db.LatestCheckpoint(context.Background(), slug)
	if opname.KindOf(err) == opname.NotFound {
		return 0 // nothing logged yet
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(signed, "\n")
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("checkpoint %q: %v", signed, err)
	}
	return n
}

// TestFormsSentTwice sends every form that changes something twice: the
// second time gives the same result without an error, and nothing is
// made or recorded twice. A different decision after one was taken is
// refused in the page's language.
func TestFormsSentTwice(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "twee-keer", "blijf-groep", false)
	staff, staffSecret := member(t, s, octx, "twee-keer", opname.RoleStaff)
	manager, managerSecret := member(t, s, octx, "twee-keer", opname.RoleManager)
	admin, adminSecret := member(t, s, octx, "twee-keer", opname.RoleAdmin)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	sb, mb, ab := signedInBrowser(t, s, staffSecret, "nl"), signedInBrowser(t, s, managerSecret, "nl"), signedInBrowser(t, s, adminSecret, "nl")
	sctx, mctx := actorCtx(org, staff), actorCtx(org, manager)

	// Open a conversation.
	convs := "/clienten/" + c.ID + "/gesprekken"
	conv := sentTwice(t, sb, convs, url.Values{"formulier": {formToken(t, sb, convs)}, "waar": {"office"}, "rol0": {"staff"}, "naam0": {"Tweede medewerker"}})
	if list, err := s.db.ClientConversations(sctx, c.ID); err != nil || len(list) != 1 {
		t.Fatalf("conversations after opening one twice: %d, %v", len(list), err)
	}
	convID := strings.TrimPrefix(conv, "/gesprekken/")
	participants := func() int {
		t.Helper()
		cv, err := s.db.Conversation(sctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		return len(cv.Participants)
	}

	// Add a participant.
	sentTwice(t, sb, conv+"/deelnemers", url.Values{"formulier": {formToken(t, sb, conv)}, "rol": {"parent"}, "naam": {"vader"}})
	if n := participants(); n != 4 {
		t.Fatalf("participants after adding one twice: %d, want 4", n)
	}

	// Ask: video by the client, the manager decides.
	ask := func(what string, who int) string {
		t.Helper()
		return sentTwice(t, sb, conv+"/verzoeken", url.Values{"formulier": {formToken(t, sb, conv)}, "wie": {strconv.Itoa(who)}, "wat": {what}, "aangekondigd": {"in_advance"}})
	}
	video := ask("video", 0)
	if reqs, err := s.db.ConversationRequests(sctx, convID); err != nil || len(reqs) != 1 {
		t.Fatalf("requests after asking twice: %d, %v", len(reqs), err)
	}
	sentTwice(t, sb, video, url.Values{"stap": {"manager"}, "beoordeling": {"Cliënte wil terugkijken."}, "collegas": {"Team Noord"}})
	decide := url.Values{"stap": {"besluit"}, "besluit": {"ja"}, "redenen": {"Het belang van cliënte weegt zwaar."}}
	sentTwice(t, mb, video, decide)
	other := url.Values{"stap": {"besluit"}, "besluit": {"nee"}, "redenen": {"Het belang van cliënte weegt zwaar."}}
	for lang, want := range map[string]string{"nl": "Over dit verzoek is al anders besloten", "en": "This request was decided otherwise already"} {
		code, page, _ := signedInBrowser(t, s, managerSecret, lang).form(video, other)
		if code != 409 || !strings.Contains(page, want) {
			t.Errorf("%s: another decision after one = %d, want 409 with %q", lang, code, want)
		}
	}
	before := logSize(t, s, org.Slug)
	sentTwice(t, sb, video, url.Values{"stap": {"afspraken"}, "vorm": {"printed"}, "ondertekend": {"ja"}})
	if after := logSize(t, s, org.Slug); after != before+1 {
		t.Errorf("the agreements went into the log %d times, want once", after-before)
	}

	// Answer: the organisation records sound, the client is asked.
	audio := ask("audio", 1)
	sentTwice(t, sb, audio, url.Values{"stap": {"antwoord"}, "deelnemer": {"0"}, "antwoord": {"ja"}, "hoe": {"in_person"}})
	if r, err := s.db.Request(sctx, strings.TrimPrefix(audio, "/verzoeken/")); err != nil || len(r.Answers) != 1 {
		t.Fatalf("answers after answering twice: %+v, %v", r, err)
	}

	// Weighty reasons and the alternative.
	client := ask("audio", 0)
	sentTwice(t, sb, client, url.Values{"stap": {"zwaarwegend"}, "reden": {"een derde is in gevaar"}, "alternatief": {"written_report"}})
	sentTwice(t, sb, client, url.Values{"stap": {"alternatief"}, "alternatief": {"written_report"}})

	// A staff member declines to take part.
	sentTwice(t, sb, conv+"/afzien", url.Values{"deelnemer": {"2"}, "alternatief": {"Een collega neemt het over"}})

	// An incident and its steps.
	inc := sentTwice(t, sb, conv+"/incidenten", url.Values{"formulier": {formToken(t, sb, conv)}, "soort": {"covert_recording"}, "beschrijving": {"Een telefoon nam stiekem op."}})
	if list, _, err := s.db.ClientIncidents(sctx, c.ID, opname.Page{}); err != nil || len(list) != 1 {
		t.Fatalf("incidents after opening one twice: %d, %v", len(list), err)
	}
	sentTwice(t, sb, inc+"/stappen", url.Values{"stap": {"ask_to_stop"}, "notitie": {"gevraagd"}})
	if i, err := s.db.Incident(sctx, strings.TrimPrefix(inc, "/incidenten/")); err != nil || len(i.Steps) != 1 {
		t.Fatalf("steps after taking one twice: %+v, %v", i, err)
	}
	if code, page, _ := sb.form(inc+"/stappen", url.Values{"stap": {"ask_to_stop"}, "notitie": {"nog eens"}}); code != 409 || !strings.Contains(page, "Deze stap is al gezet") {
		t.Errorf("a step taken before, with another note = %d, want 409 in Dutch", code)
	}
	sentTwice(t, sb, inc+"/stappen", url.Values{"stap": {"close"}, "notitie": {"opgelost"}})
	if code, page, _ := sb.form(inc+"/stappen", url.Values{"stap": {"report_to_manager"}}); code != 409 || !strings.Contains(page, "Deze melding is al afgesloten") {
		t.Errorf("a step after closing = %d, want 409 in Dutch", code)
	}

	// A copy handed over, and an erasure.
	rec, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: c.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 9))})
	if err != nil {
		t.Fatal(err)
	}
	page := "/opnames/" + rec.ID
	before = logSize(t, s, org.Slug)
	sentTwice(t, sb, page+"/kopie", url.Values{"formulier": {formToken(t, sb, page)}})
	if after := logSize(t, s, org.Slug); after != before+1 {
		t.Errorf("a copy handed over went into the log %d times, want once", after-before)
	}
	sentTwice(t, mb, page+"/wissen", url.Values{"reden": {"de bewaartermijn is voorbij"}, "bevestigd": {"ja"}})

	// A client, staff assigned to them, an API key and its revocation, the
	// time zone.
	clients := func() int {
		t.Helper()
		list, err := s.db.Clients(mctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	n := clients()
	sentTwice(t, mb, "/clienten", url.Values{"formulier": {formToken(t, mb, "/clienten")}, "naam": {"Bram de Boer"}})
	if got := clients(); got != n+1 {
		t.Errorf("clients after adding one twice: %d more, want 1", got-n)
	}
	sentTwice(t, mb, "/clienten/"+c.ID+"/medewerkers", url.Values{"medewerker": {staff.ID}})

	tokens := func() int {
		t.Helper()
		list, _, err := s.db.Tokens(actorCtx(org, admin), opname.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	n = tokens()
	key := url.Values{"formulier": {formToken(t, ab, "/sleutels")}, "naam": {"dossier"}, "medewerker": {staff.ID}}
	if code, page, _ := ab.form("/sleutels", key); code != 200 || !strings.Contains(page, `class="secret"`) {
		t.Fatalf("a new key = %d", code)
	}
	code, _, h := ab.form("/sleutels", key)
	if code != 303 {
		t.Fatalf("the same key again = %d, want 303", code)
	}
	if code, page, _ := ab.do("GET", h.Get("Location"), "", ""); code != 200 || !strings.Contains(page, "Deze sleutel is al gemaakt") || strings.Contains(page, `class="secret"`) {
		t.Errorf("after making a key twice: %d", code)
	}
	if got := tokens(); got != n+1 {
		t.Errorf("keys after making one twice: %d more, want 1", got-n)
	}
	list, _, err := s.db.Tokens(actorCtx(org, admin), opname.Page{})
	if err != nil {
		t.Fatal(err)
	}
	sentTwice(t, ab, "/sleutels/"+list[0].ID+"/intrekken", url.Values{})
	sentTwice(t, ab, "/beleid/tijdzone", url.Values{"tijdzone": {"Europe/Amsterdam"}})

	// A new person, whose sign-in code is shown once.
	people := func() int {
		t.Helper()
		list, err := s.db.Users(actorCtx(org, admin))
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	n = people()
	person := url.Values{"formulier": {formToken(t, ab, "/mensen")}, "naam": {"Noor Visser"}, "email": {"noor@twee-keer.nl"}, "rol": {"staff"}}
	if code, page, _ := ab.form("/mensen", person); code != 200 || !strings.Contains(page, `class="secret"`) {
		t.Fatalf("a new person = %d", code)
	}
	code, _, h = ab.form("/mensen", person)
	if code != 303 {
		t.Fatalf("the same person again = %d, want 303", code)
	}
	if code, page, _ := ab.do("GET", h.Get("Location"), "", ""); code != 200 || !strings.Contains(page, "Deze persoon is al toegevoegd") || strings.Contains(page, `class="secret"`) || strings.Contains(page, `role="alert"`) {
		t.Errorf("after adding a person twice: %d", code)
	}
	if got := people(); got != n+1 {
		t.Errorf("people after adding one twice: %d more, want 1", got-n)
	}
}
