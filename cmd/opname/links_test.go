package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// newLink makes a link for a person of client as its staff member; with
// pin, the holder must choose a PIN first.
func (f *fixture) newLink(t *testing.T, client, party string, pin bool) *opname.ClientLink {
	t.Helper()
	l, _ := f.newLinkWithCode(t, client, party, pin, time.Time{})
	return l
}

// newLinkCode makes a link and returns its code.
func (f *fixture) newLinkCode(t *testing.T, client, party string) string {
	t.Helper()
	_, code := f.newLinkWithCode(t, client, party, false, time.Time{})
	return code
}

func (f *fixture) newLinkWithCode(t *testing.T, client, party string, pin bool, expires time.Time) (*opname.ClientLink, string) {
	t.Helper()
	l := &opname.ClientLink{ClientID: client, Party: party, PINRequired: pin, ExpiresAt: expires}
	code, err := f.s.db.CreateLink(f.staffCtx, l)
	if err != nil {
		t.Fatal(err)
	}
	return l, code
}

// openLink opens a link from code as a browser would, and returns the
// session's secret.
func (f *fixture) openLink(t *testing.T, code string) string {
	t.Helper()
	secret, _, err := f.s.db.OpenLink(opname.WithAddr(context.Background(), "192.0.2.1"), code)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// linkCallers are the kinds of link holder the link matrix tries every
// route as: the client's own link; another client's link; a parent's link
// of the client, in whose conversation no parent takes part; a link that
// expired, one that was stopped, and one whose PIN is still to be chosen.
var linkCallers = []string{"own", "other_client", "parent", "expired", "revoked", "pin_pending"}

// linkMatrix is the status of each client's route for each link caller.
// Every other route answers a link caller as it answers someone not signed
// in: a link opens the client's side and nothing else.
var linkMatrix = map[string][6]int{
	//                                        own other parent expired revoked pin
	"GET /l":                              {303, 303, 303, 200, 200, 303},
	"POST /l":                             {303, 303, 303, 303, 303, 303},
	"GET /l/{code}":                       {303, 303, 303, 303, 303, 303},
	"POST /l/weg":                         {303, 303, 303, 303, 303, 303},
	"GET /l/pin":                          {303, 303, 303, 303, 303, 200},
	"POST /l/pin":                         {303, 303, 303, 303, 303, 400},
	"GET /l/gesprekken":                   {200, 200, 200, 303, 303, 303},
	"GET /l/gesprekken/{id}":              {200, 404, 404, 303, 303, 303},
	"POST /l/gesprekken/{id}/aankondigen": {303, 404, 404, 303, 303, 303},
	"POST /l/verzoeken/{id}/antwoord":     {409, 404, 404, 303, 303, 303},
	"POST /l/verzoeken/{id}/afspraken":    {303, 404, 404, 303, 303, 303},
	"POST /l/stoppen":                     {200, 200, 200, 303, 303, 303},
}

// TestLinkAuthorizationMatrix calls every registered route as every kind
// of link holder: the client's routes as linkMatrix says, every other
// route as it answers someone not signed in.
func TestLinkAuthorizationMatrix(t *testing.T) {
	dialects(t, testLinkAuthorizationMatrix)
}

func testLinkAuthorizationMatrix(t *testing.T, s *server) {
	f := newFixture(t, s)
	octx := opname.WithActor(context.Background(), f.adminA)
	other := &opname.Client{Name: "Bram Jansen"}
	if err := s.db.CreateClient(octx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, other.ID, f.staffA); err != nil {
		t.Fatal(err)
	}
	// Links that keep their state are opened once; the others anew for
	// each request, as stopping one ends it.
	_, expiringCode := f.newLinkWithCode(t, f.clientA, "client", false, time.Now().Add(2*time.Second))
	expired := f.openLink(t, expiringCode)
	revokedLink, revokedCode := f.newLinkWithCode(t, f.clientA, "client", false, time.Time{})
	revoked := f.openLink(t, revokedCode)
	if err := s.db.RevokeLink(f.staffCtx, revokedLink.ID); err != nil {
		t.Fatal(err)
	}
	_, pinCode := f.newLinkWithCode(t, f.clientA, "client", true, time.Time{})
	pending := f.openLink(t, pinCode)
	time.Sleep(2100 * time.Millisecond)
	secretOf := map[string]func() string{
		"own":          func() string { return f.openLink(t, f.newLinkCode(t, f.clientA, "client")) },
		"other_client": func() string { return f.openLink(t, f.newLinkCode(t, other.ID, "client")) },
		"parent":       func() string { return f.openLink(t, f.newLinkCode(t, f.clientA, "parent")) },
		"expired":      func() string { return expired },
		"revoked":      func() string { return revoked },
		"pin_pending":  func() string { return pending },
	}
	for _, route := range s.web.Routes() {
		key := route.Key()
		want, isLink := linkMatrix[key]
		if !isLink {
			if route.Pattern == "/l" || strings.HasPrefix(route.Pattern, "/l/") {
				t.Errorf("route %s has no row in the link matrix: add one", key)
				continue
			}
			row, ok := matrix[key]
			if !ok {
				continue // TestAuthorizationMatrix says so
			}
			// As someone not signed in, once per route: a link session
			// changes nothing outside the client's side.
			for i := range want {
				want[i] = row[0]
			}
		}
		for i, caller := range linkCallers {
			r := f.request(t, route.Method, route.Pattern)
			r.AddCookie(&http.Cookie{Name: s.web.LinkCookie(), Value: secretOf[caller]()})
			resp, err := noRedirect.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want[i] {
				t.Errorf("%s as link holder %s: status %d, want %d\n%s", key, caller, resp.StatusCode, want[i], firstLine(body))
			}
			if !isLink {
				break
			}
		}
	}
	for key := range linkMatrix {
		if _, ok := matrix[key]; !ok {
			t.Errorf("the link matrix has a row for %s, which is not in the authorization matrix", key)
		}
	}
}

// TestLinkPageSaysWhatWasDone: after announcing a recording or answering,
// the holder's page says it was received, so nobody sends it again.
func TestLinkPageSaysWhatWasDone(t *testing.T) {
	s := testServer(t)
	f := newFixture(t, s)
	b := newBrowser(t, s.URL)
	if code, _, _ := b.do("GET", "/l/"+f.newLinkCode(t, f.clientA, "client"), "", ""); code != http.StatusSeeOther {
		t.Fatalf("opening the link: %d", code)
	}
	follow := func(what string, code int, h http.Header) string {
		t.Helper()
		if code != http.StatusSeeOther {
			t.Fatalf("%s: status %d", what, code)
		}
		code, body, _ := b.do("GET", h.Get("Location"), "", "")
		if code != http.StatusOK {
			t.Fatalf("%s, then %s: status %d", what, h.Get("Location"), code)
		}
		return body
	}
	code, _, h := b.form("/l/gesprekken/"+f.convA+"/aankondigen", url.Values{"medium": {"audio"}})
	page := follow("announcing", code, h)
	if want := "Uw contactpersoon ziet het nu ook."; !strings.Contains(page, want) {
		t.Errorf("after announcing, the page does not say %q", want)
	}
	m := regexp.MustCompile(`action="/l/verzoeken/([^/"]+)/afspraken"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no agreements to confirm after announcing")
	}
	code, _, h = b.form("/l/verzoeken/"+m[1]+"/afspraken", url.Values{"afspraken": {"akkoord"}})
	if want := "Uw antwoord is bewaard."; !strings.Contains(follow("agreeing", code, h), want) {
		t.Errorf("after agreeing, the page does not say %q", want)
	}
	code, body, _ := b.do("GET", "/l/gesprekken/"+f.convA, "", "")
	if code != http.StatusOK || strings.Contains(body, "Uw antwoord is bewaard.") {
		t.Errorf("the conversation's own address says what was done: %d", code)
	}
}
