package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
)

// langLink is the language switch's address on a page.
var langLink = regexp.MustCompile(`href="(/taal\?[^"]*)"`)

// TestLanguageSwitchStaysOnPage: switching the language shows the same
// page again, query included, and never leads off the site.
func TestLanguageSwitchStaysOnPage(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "taal", "veilig-thuis-utrecht", false)
	staff, secret := member(t, s, octx, "taal", opname.RoleStaff)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	conv := &opname.Conversation{ClientID: c.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := s.web.Workflow.Open(actorCtx(org, staff), conv); err != nil {
		t.Fatal(err)
	}
	b := signedInBrowser(t, s, secret, "nl")
	for _, path := range []string{"/gesprekken/" + conv.ID, "/clienten/" + c.ID + "/opnames?pagina=2", "/aanmelden?terug=%2Fwerk"} {
		code, page, _ := b.do("GET", path, "", "")
		if code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
		m := langLink.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s has no language switch", path)
		}
		code, _, h := b.do("GET", html.UnescapeString(m[1]), "", "")
		if code != http.StatusSeeOther || h.Get("Location") != path {
			t.Errorf("switching the language on %s leads to %d %q, want 303 to the same page", path, code, h.Get("Location"))
		}
	}
	// A page shown after a form was sent is shown again by the page it
	// belongs to; anything off the site leads home.
	for _, tc := range []struct{ back, want string }{
		{"/gesprekken/" + conv.ID + "/incidenten", "/gesprekken/" + conv.ID},
		{"/sleutels/abc/intrekken", "/sleutels"},
		{"/afmelden", "/"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"", "/"},
	} {
		code, _, h := b.do("GET", "/taal?lang=en&terug="+url.QueryEscape(tc.back), "", "")
		if code != http.StatusSeeOther || h.Get("Location") != tc.want {
			t.Errorf("switching the language from %q leads to %d %q, want %q", tc.back, code, h.Get("Location"), tc.want)
		}
	}
}

// TestIncidentTextLimit: the incident form says how long its text may be;
// a longer text is refused with the field's name and the limit, and the
// text stays in the form.
func TestIncidentTextLimit(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "melding", "axiehuis", false)
	staff, secret := member(t, s, octx, "melding", opname.RoleStaff)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	conv := &opname.Conversation{ClientID: c.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := s.web.Workflow.Open(actorCtx(org, staff), conv); err != nil {
		t.Fatal(err)
	}
	max := opname.Paragraphs.Max
	for _, lang := range []string{"nl", "en"} {
		b := signedInBrowser(t, s, secret, lang)
		_, page, _ := b.do("GET", "/gesprekken/"+conv.ID, "", "")
		area := regexp.MustCompile(`<textarea[^>]*id="beschrijving"[^>]*>`).FindString(page)
		if !strings.Contains(area, `maxlength="5000"`) || !strings.Contains(area, `aria-describedby="beschrijving-uitleg"`) {
			t.Errorf("%s: the description field does not say its limit: %s", lang, area)
		}
		hint := regexp.MustCompile(`id="beschrijving-uitleg">([^<]*)<`).FindStringSubmatch(page)
		if hint == nil || !strings.Contains(hint[1], "5000") {
			t.Errorf("%s: no hint with the limit next to the description: %v", lang, hint)
		}
		long := strings.Repeat("Een telefoon lag op tafel en nam op. ", max/37+1)
		code, page, _ := b.form("/gesprekken/"+conv.ID+"/incidenten", url.Values{"soort": {"agreements_broken"}, "beschrijving": {long}})
		if code != http.StatusBadRequest {
			t.Fatalf("%s: a description of %d characters = %d, want 400", lang, len(long), code)
		}
		label := map[string]string{"nl": "Beschrijf kort wat er gebeurde", "en": "Describe briefly what happened"}[lang]
		alert := regexp.MustCompile(`(?s)role="alert">(.*?)</div>`).FindStringSubmatch(page)
		if alert == nil || !strings.Contains(alert[1], label) || !strings.Contains(alert[1], "5000") {
			t.Errorf("%s: the error does not name the field and the limit: %v", lang, alert)
		}
		if !strings.Contains(page, ">"+html.EscapeString(long)+"</textarea>") {
			t.Errorf("%s: the text that was too long is gone from the form", lang)
		}
		if !regexp.MustCompile(`id="soort-afspraken"[^>]*checked`).MatchString(page) {
			t.Errorf("%s: the kind of incident chosen is gone from the form", lang)
		}
	}
}

// doubled finds a full stop doubled, or a full stop before a semicolon,
// where texts were joined ("..", ".;"), but not an ellipsis.
var doubled = regexp.MustCompile(`(^|[^.])\.(\.|;)($|[^.])`)

// visibleText is a page's text outside tags, code and scripts.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<(code|pre|script|style)\b.*?</(code|pre|script|style)>`).ReplaceAllString(page, " ")
	return html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " "))
}

// TestNoDoubledPunctuation renders the workflow's pages, with texts that
// people typed ending in a full stop, and finds no ".." or ".;" where
// texts were joined.
func TestNoDoubledPunctuation(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	var paths []string
	secrets := map[string]string{}
	for _, pol := range []string{"ombudsman", "blijf-groep", "axiehuis", "veilig-thuis-utrecht", "maatschappelijke-opvang"} {
		org, octx := newOrg(t, s, "punt-"+pol, pol, false)
		staff, secret := member(t, s, octx, "punt-"+pol, opname.RoleStaff)
		manager, _ := member(t, s, octx, "punt-"+pol, opname.RoleManager)
		secrets[pol] = secret
		c := &opname.Client{Name: "Sanne Jansen"}
		if err := s.db.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
			t.Fatal(err)
		}
		sctx, w := actorCtx(org, staff), s.web.Workflow
		conv := &opname.Conversation{ClientID: c.ID, Location: "home_visit", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", Name: "A. de Boer"}, {Role: "staff"}}}
		if err := w.Open(sctx, conv); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, pol+" /gesprekken/"+conv.ID)
		for _, act := range []opname.Act{{Action: "record", Medium: "audio", By: "client"}, {Action: "record", Medium: "video", By: "client"}} {
			req, err := w.Ask(sctx, conv.ID, act)
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, pol+" /verzoeken/"+req.ID)
			if v, err := w.Weighty(sctx, req.ID, "Een derde is in gevaar.", "written_report"); err == nil {
				paths = append(paths, pol+" /verzoeken/"+v.ID)
			}
			// A video request waits for the manager; the others are
			// decided.
			if _, err := w.AskManager(sctx, req.ID, "Cliënte wil het terugkijken.", "Team Noord."); err == nil && act.Medium == "audio" {
				if _, err := w.Decide(actorCtx(org, manager), req.ID, true, "Akkoord."); err != nil {
					t.Fatal(err)
				}
			}
		}
		inc := &opname.Incident{ClientID: c.ID, ConversationID: conv.ID, Kind: "covert_recording", Description: "Telefoon nam stiekem op."}
		if err := w.OpenIncident(sctx, inc); err != nil {
			t.Fatal(err)
		}
		if _, err := w.TakeStep(sctx, inc.ID, "ask_to_stop", "Gevraagd te stoppen."); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, pol+" /incidenten/"+inc.ID, pol+" /werk", pol+" /clienten/"+c.ID+"/gesprekken")
	}
	for _, lang := range []string{"nl", "en"} {
		for _, p := range paths {
			pol, path, _ := strings.Cut(p, " ")
			code, page, _ := signedInBrowser(t, s, secrets[pol], lang).do("GET", path, "", "")
			if code != 200 {
				t.Fatalf("GET %s = %d", path, code)
			}
			text := visibleText(page)
			for _, m := range doubled.FindAllStringIndex(text, -1) {
				t.Errorf("%s %s (%s): %q", pol, path, lang, strings.Join(strings.Fields(text[max(0, m[0]-60):min(len(text), m[1]+20)]), " "))
			}
		}
	}
}

// TestReceiptNumbers: the receipt and the recording page count the log's
// entries as people do, from 1, in words that fit the number.
func TestReceiptNumbers(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "bewijs", "veilig-thuis-utrecht", false)
	staff, secret := member(t, s, octx, "bewijs", opname.RoleStaff)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	rec, err := s.web.Vault.Ingest(actorCtx(org, staff), vault.Upload{ClientID: c.ID, Source: "client_copy", Body: bytes.NewReader(wav(1, 40))})
	if err != nil {
		t.Fatal(err)
	}
	// The recording is the log's first entry, or the second when the
	// server's background job anchored the new organisation's access log
	// first (a log entry of its own); an anchor after it makes the log
	// longer. The receipt counts from 1 either way.
	n := rec.LogIndex + 1
	entry := regexp.MustCompile(`(?s)<dt[^>]*>(?:Plaats in het logboek|Place in the log)</dt>\s*<dd[^>]*>(.*?)</dd>`)
	for _, tc := range []struct{ lang, path, want string }{
		{"nl", "/opnames/" + rec.ID + "/bewijs", fmt.Sprintf(`^Regel %d van [%d-9]$`, n, n)},
		{"en", "/opnames/" + rec.ID + "/bewijs", fmt.Sprintf(`^Entry %d of [%d-9]$`, n, n)},
		{"nl", "/opnames/" + rec.ID, fmt.Sprintf(`^Regel %d$`, n)},
		{"en", "/opnames/" + rec.ID, fmt.Sprintf(`^Entry %d$`, n)},
	} {
		_, page, _ := signedInBrowser(t, s, secret, tc.lang).do("GET", tc.path, "", "")
		m := entry.FindStringSubmatch(page)
		if m == nil || !regexp.MustCompile(tc.want).MatchString(strings.TrimSpace(visibleText(m[1]))) {
			t.Errorf("%s (%s): the log entry reads %q, want %q", tc.path, tc.lang, m, tc.want)
		}
	}
}

// TestLogKeyBeforeAnyRecording: an organisation's log has its key from the
// start; its key and an empty checkpoint answer before anything is logged,
// and the first entry is signed with the same key.
func TestLogKeyBeforeAnyRecording(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "leeg", "veilig-thuis-utrecht", false)
	get := func(path string) (int, string, http.Header) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	code, key, h := get("/api/v1/logs/leeg/key")
	if code != 200 {
		t.Fatalf("the key of a log without entries = %d, want 200: %s", code, key)
	}
	vk, err := translog.ParseVerifierKey(strings.TrimSpace(key))
	if err != nil || h.Get("X-Key-Fingerprint") != vk.Fingerprint() {
		t.Fatalf("key %q (%v), fingerprint %q", key, err, h.Get("X-Key-Fingerprint"))
	}
	code, signed, _ := get("/api/v1/logs/leeg/checkpoint")
	if code != 200 {
		t.Fatalf("the checkpoint of a log without entries = %d, want 200", code)
	}
	// Size 0, or 1 when the server's background job has already anchored
	// the new organisation's access-log head.
	if cp, err := translog.OpenCheckpoint(signed, strings.TrimSpace(key)); err != nil || cp.Size > 1 {
		t.Fatalf("checkpoint %+v (%v), want size 0 (or 1, an anchor)", cp, err)
	}
	if code, _, _ := get("/api/v1/logs/no-such-org/key"); code != 404 {
		t.Errorf("the key of an unknown log = %d, want 404", code)
	}
	staff, _ := member(t, s, octx, "leeg", opname.RoleStaff)
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	rec, err := s.web.Vault.Ingest(actorCtx(org, staff), vault.Upload{ClientID: c.ID, Source: "client_copy", Body: bytes.NewReader(wav(1, 40))})
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := get("/api/v1/logs/leeg/key")
	_, signed, _ = get("/api/v1/logs/leeg/checkpoint")
	if cp, err := translog.OpenCheckpoint(signed, strings.TrimSpace(key)); after != key || err != nil || cp.Size < rec.LogIndex+1 || rec.LogIndex > 1 {
		t.Errorf("after the first entry: key changed %v, checkpoint %+v (%v)", after != key, cp, err)
	}
	if _, err := s.db.Verify(opname.WithActor(context.Background(), opname.System("test"))); err != nil {
		t.Errorf("the logs do not verify: %v", err)
	}
}

// TestFavicon: every page names an icon, and /favicon.ico answers, so no
// page asks for an icon in vain.
func TestFavicon(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	resp, err := http.Get(s.URL + "/aanmelden")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`<link rel="icon" href="([^"]+)" type="image/svg\+xml">`).FindSubmatch(page)
	if m == nil {
		t.Fatal("the sign-in page links no icon")
	}
	for _, path := range []string{string(m[1]), "/favicon.ico"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(body, []byte("<svg")) {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestMakeRunSaysWhatItDoes: `make run` says that it builds before the
// long first build, and says that it starts before it starts.
func TestMakeRunSaysWhatItDoes(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("make", "-C", "../..", "-n", "--no-print-directory", "run").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n run: %v\n%s", err, out)
	}
	var steps []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.HasPrefix(line, "echo "):
			steps = append(steps, "say")
		case strings.HasPrefix(line, "go run "):
			steps = append(steps, "build and start")
		case strings.HasPrefix(line, "go build "):
			steps = append(steps, "build")
		case strings.Contains(line, "serve --demo"):
			steps = append(steps, "start")
		}
	}
	if got, want := strings.Join(steps, ", "), "say, build, say, start"; got != want {
		t.Errorf("make run: %s, want %s\n%s", got, want, out)
	}
}
