package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/public"
	"github.com/opname/opname/translog"
	"go.yaml.in/yaml/v3"
	xhtml "golang.org/x/net/html"
)

// getPublic fetches path as someone not signed in who reads lang, with
// the headers given, and returns the answer and its body.
func getPublic(t *testing.T, s *server, path, lang string, header http.Header) (*http.Response, string) {
	t.Helper()
	r, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		r.Header[k] = v
	}
	if lang != "" {
		r.AddCookie(&http.Cookie{Name: "lang", Value: lang})
	}
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// shownPoints are the points a public page shows, by their id, each with
// its text as a person reads it (the sources' titles and parts too).
func shownPoints(t *testing.T, page string) map[string]string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if id := attr(n, "data-point"); n.Type == xhtml.ElementNode && id != "" {
			if _, twice := out[id]; twice {
				t.Errorf("point %s is shown twice", id)
			}
			out[id] = strings.Join(strings.Fields(nodeText(n)), " ")
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// nodeText is all the text in n, code and other languages too.
func nodeText(n *xhtml.Node) string {
	if n.Type == xhtml.TextNode {
		return n.Data + " "
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(nodeText(c))
	}
	return b.String()
}

// allText is all the text of a page, code and other languages too, its
// markup and escapes gone.
func allText(t *testing.T, page string) string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return nodeText(doc)
}

// publicOrgs makes an organisation for each shipped policy, as its
// shipped text, and returns them by policy name.
func publicOrgs(t *testing.T, s *server) map[string]*opname.Organisation {
	t.Helper()
	orgs := map[string]*opname.Organisation{}
	for _, name := range s.web.Policies.Names() {
		pv, err := opname.NewPolicyVersion(s.web.Policies, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		org := &opname.Organisation{Slug: "openbaar-" + name, Name: "Openbaar " + name, Policy: *pv}
		if err := s.db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), org); err != nil {
			t.Fatal(err)
		}
		orgs[name] = org
	}
	return orgs
}

// TestPublicPageShowsEveryPoint reads the public page of an organisation
// under each shipped policy, whole and for a frame, in Dutch and English:
// it shows every rule and guidance point that package public makes of the
// policy, once, with its text and the title and part of each source, and
// nothing the policy does not say; it says the complaints procedure, the
// log's key and how to check a receipt, and links the policy's files and
// the printed matter. Only the framed version may be framed.
func TestPublicPageShowsEveryPoint(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	orgs := publicOrgs(t, s)
	for name, org := range orgs {
		pol, err := s.web.Policies.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := s.db.LatestCheckpoint(context.Background(), org.Slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"nl", "en"} {
			pub := public.New(pol, org.Name, lang, s.web.Policies.Source)
			for _, path := range []string{"/o/" + org.Slug, "/o/" + org.Slug + "/inbedden"} {
				resp, page := getPublic(t, s, path, lang, nil)
				where := name + " " + lang + " " + path
				if resp.StatusCode != 200 {
					t.Fatalf("%s: status %d", where, resp.StatusCode)
				}
				shown := shownPoints(t, page)
				n := 0
				for _, sec := range pub.Sections {
					if !strings.Contains(page, ">"+xhtml.EscapeString(sec.Heading)+"<") {
						t.Errorf("%s: no heading %q", where, sec.Heading)
					}
					for _, pt := range sec.Points {
						n++
						got, ok := shown[pt.ID]
						if !ok {
							t.Errorf("%s: point %s is not shown: %s", where, pt.ID, pt.Text)
							continue
						}
						want := []string{strings.Join(strings.Fields(pt.Text), " ")}
						for _, src := range pt.Sources {
							want = append(want, src.Title+" , "+src.Ref)
						}
						for _, w := range want {
							if !strings.Contains(got, w) {
								t.Errorf("%s: point %s does not say %q:\n%s", where, pt.ID, w, got)
							}
						}
					}
				}
				if n == 0 || len(shown) != n {
					t.Errorf("%s: %d points shown, the policy has %d", where, len(shown), n)
				}
				for _, want := range []string{"/o/" + org.Slug + "/policy.yaml", "/o/" + org.Slug + "/policy.json",
					"/o/" + org.Slug + "/folder", "/o/" + org.Slug + "/folder.pdf", "/o/" + org.Slug + "/poster", "/o/" + org.Slug + "/poster.pdf",
					"/o/" + org.Slug + "/zakkaart", "/o/" + org.Slug + "/zakkaart.pdf", opname.OmbudsmanComplaintsURL, pol.Digest,
					translog.Fingerprint(key), key, "opname verify --receipt ", " --log " + s.URL + "/api/v1/logs/" + org.Slug + " "} {
					if !strings.Contains(page, xhtml.EscapeString(want)) && !strings.Contains(allText(t, page), want) {
						t.Errorf("%s: the page does not have %q", where, want)
					}
				}
				doc, err := xhtml.Parse(strings.NewReader(page))
				if err != nil {
					t.Fatal(err)
				}
				pageLang, texts := pageText(doc)
				if pageLang != lang {
					t.Errorf("%s: lang=%s", where, pageLang)
				}
				for _, p := range langProblems(lang, texts, []string{org.Name}) {
					t.Errorf("%s: %s", where, p)
				}
				embedded := strings.HasSuffix(path, "/inbedden")
				csp := resp.Header.Get("Content-Security-Policy")
				if embedded != strings.Contains(csp, "frame-ancestors *") || embedded != (resp.Header.Get("X-Frame-Options") == "") {
					t.Errorf("%s: Content-Security-Policy %q, X-Frame-Options %q", where, csp, resp.Header.Get("X-Frame-Options"))
				}
				if embedded == strings.Contains(page, `class="site-nav"`) {
					t.Errorf("%s: the page has the site's navigation: %t", where, !embedded)
				}
				if resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") != "public, no-cache" {
					t.Errorf("%s: ETag %q, Cache-Control %q", where, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
				}
			}
		}
	}
	// An organisation that does not exist has a page that says so.
	for lang, want := range map[string]string{"nl": "Deze pagina bestaat niet", "en": "This page does not exist"} {
		for _, path := range []string{"/o/no-such-org", "/o/no-such-org/inbedden"} {
			resp, page := getPublic(t, s, path, lang, http.Header{"Accept": {"text/html"}})
			if resp.StatusCode != 404 || !strings.Contains(page, want) || resp.Header.Get("Cache-Control") == "" {
				t.Errorf("%s (%s) = %d, Cache-Control %q:\n%s", path, lang, resp.StatusCode, resp.Header.Get("Cache-Control"), text(page))
			}
		}
	}
	for _, path := range []string{"/o/no-such-org/policy.yaml", "/o/no-such-org/policy.json"} {
		if resp, _ := getPublic(t, s, path, "", nil); resp.StatusCode != 404 || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
	}
}

// policyYAML is what a test reads of policy.yaml.
type policyYAML struct {
	Digest  string
	Version int `yaml:"organisation_version"`
	Texts   []struct{ Name, Digest, Extends, Text string }
}

// policyJSON is what a test reads of policy.json.
type policyJSON struct {
	Digest              string
	OrganisationVersion int `json:"organisation_version"`
	Rules               []struct {
		ID, Source, Ref, When, Outcome string
		Explain                        policy.Text
	}
	History []struct {
		Version int
		Reason  string
	}
}

// digest recomputes the policy's digest from its texts, as the file's
// header says: the last text's SHA-256, and each before it the SHA-256 of
// its bytes, a zero byte, "extends " and the digest after it.
func (y policyYAML) digest() string {
	digest := ""
	for i := len(y.Texts) - 1; i >= 0; i-- {
		sum := sha256.New()
		sum.Write([]byte(y.Texts[i].Text))
		if digest != "" {
			fmt.Fprintf(sum, "\x00extends %s", digest)
		}
		digest = "sha256:" + hex.EncodeToString(sum.Sum(nil))
	}
	return digest
}

// publishedPolicy reads policy.yaml and policy.json of the organisation
// with slug.
func publishedPolicy(t *testing.T, s *server, slug string) (y policyYAML, j policyJSON) {
	t.Helper()
	resp, body := getPublic(t, s, "/o/"+slug+"/policy.yaml", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") || resp.Header.Get("ETag") == "" {
		t.Fatalf("policy.yaml = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
	}
	if err := yaml.Unmarshal([]byte(body), &y); err != nil {
		t.Fatalf("policy.yaml: %v\n%s", err, body)
	}
	resp, body = getPublic(t, s, "/o/"+slug+"/policy.json", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("ETag") == "" {
		t.Fatalf("policy.json = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal([]byte(body), &j); err != nil {
		t.Fatalf("policy.json: %v\n%s", err, body)
	}
	return y, j
}

// ownPolicy is a policy text of an organisation's own that extends the
// Ombudsman's with a rule of its own house rules.
const ownPolicy = `name: gemeente-voorbeeld
version: "2026-1"
kind: municipality
extends: ombudsman
title: {nl: Gemeente Voorbeeld — opnemen van gesprekken, en: Municipality Voorbeeld — recording conversations}
sources:
  - file: huisregels-2026.pdf
    title: Gemeente Voorbeeld, huisregels 2026
    url: https://example.org/huisregels-2026.pdf
    refs: [artikel 4]
rules:
  - id: gv-4
    source: huisregels-2026.pdf
    ref: artikel 4
    text: Bij een huisbezoek neemt de medewerker geen beeld op.
    when: action == "record" && medium == "video" && location == "home_visit" && by == "organisation"
    outcome: forbidden
    alternatives: [audio_only]
    explain:
      nl: Bij een huisbezoek maakt de medewerker geen beelden.
      en: On a home visit the staff member does not film.
`

// TestPublicPolicyChange: the policy as published recomputes to its
// digest, the one decisions name; a page that did not change answers 304
// to its ETag. When the administrator changes the policy, with a reason,
// the page shows the new version with its date in the organisation's zone,
// its new rule with its own source, and in the history the change, why and
// what it changed; the ETag changes, and the published texts recompute to
// the new digest.
func TestPublicPolicyChange(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	orgs := publicOrgs(t, s)
	org := orgs["ombudsman"]
	octx := opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, Role: opname.RoleSystem})
	admin, _ := member(t, s, octx, org.Slug, opname.RoleAdmin)
	for name, o := range orgs {
		y, j := publishedPolicy(t, s, o.Slug)
		if got := y.digest(); got != o.Policy.Digest || y.Digest != o.Policy.Digest || j.Digest != o.Policy.Digest {
			t.Errorf("%s: recomputed %s, yaml %s, json %s; want %s", name, got, y.Digest, j.Digest, o.Policy.Digest)
		}
		if want := map[bool]int{true: 1, false: 2}[name == "ombudsman"]; len(y.Texts) != want || y.Texts[len(y.Texts)-1].Name != "ombudsman" {
			t.Errorf("%s: %d texts, want the policy's own and each it extends", name, len(y.Texts))
		}
		raw, err := s.web.Policies.Text(name)
		if err != nil || y.Texts[0].Text != string(raw) {
			t.Errorf("%s: the published text is not the policy's text verbatim", name)
		}
		pol, _ := s.web.Policies.Policy(name)
		if len(j.Rules) != len(pol.Rules) || j.Rules[0].When == "" || j.Rules[0].Explain.EN == "" || j.OrganisationVersion != 1 {
			t.Errorf("%s: policy.json has %d rules (want %d): %+v", name, len(j.Rules), len(pol.Rules), j.Rules[0])
		}
	}

	path := "/o/" + org.Slug
	resp, before := getPublic(t, s, path, "nl", nil)
	etag := resp.Header.Get("ETag")
	if resp, _ := getPublic(t, s, path, "nl", http.Header{"If-None-Match": {etag}}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag = %d, want 304", resp.StatusCode)
	}
	for _, file := range []string{"/policy.yaml", "/policy.json", "/inbedden"} {
		resp, _ := getPublic(t, s, path+file, "nl", nil)
		if again, _ := getPublic(t, s, path+file, "nl", http.Header{"If-None-Match": {resp.Header.Get("ETag")}}); again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match with the ETag = %d, want 304", file, again.StatusCode)
		}
	}
	if strings.Contains(before, "gv-4") || !strings.Contains(text(before), "Met deze versie begonnen wij.") {
		t.Fatalf("before the change:\n%s", text(before))
	}

	pv, err := opname.NewPolicyVersion(s.web.Policies, "", []byte(ownPolicy))
	if err != nil {
		t.Fatal(err)
	}
	pv.Reason, pv.Previous = "De gemeenteraad wil geen beelden bij huisbezoeken.", org.Policy.Digest
	if err := s.db.SetPolicy(actorCtx(org, admin), pv); err != nil {
		t.Fatal(err)
	}
	resp, after := getPublic(t, s, path, "nl", nil)
	if resp.Header.Get("ETag") == etag {
		t.Errorf("the ETag did not change with the policy")
	}
	if resp, _ := getPublic(t, s, path, "nl", http.Header{"If-None-Match": {etag}}); resp.StatusCode != 200 {
		t.Errorf("If-None-Match with the old ETag = %d, want 200", resp.StatusCode)
	}
	since := formatDutch(t, pv.CreatedAt)
	page := text(after)
	for _, want := range []string{
		"Dit is versie 2 van ons beleid: Gemeente Voorbeeld — opnemen van gesprekken. Het geldt sinds " + since + ".",
		"Versie 2, sinds " + since + " (geldt nu)", "Versie 1, sinds", "Waarom het veranderde: De gemeenteraad wil geen beelden bij huisbezoeken.",
		"Nieuwe regels: 1", "Gemeente Voorbeeld — opnemen van gesprekken Waarom het veranderde",
		"Bij een huisbezoek maakt de medewerker geen beelden. Daarbij hoort: Alleen geluid opnemen, zonder beeld. Bron: Gemeente Voorbeeld, huisregels 2026 , artikel 4",
		"Met deze versie begonnen wij.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("after the change, the page does not say %q:\n%s", want, page)
		}
	}
	if !strings.Contains(after, "<code>gv-4</code>: Bij een huisbezoek maakt de medewerker geen beelden.") || !strings.Contains(after, pv.Digest) {
		t.Errorf("the history does not name the new rule, or the page not the new digest")
	}
	if !strings.Contains(after, `href="https://example.org/huisregels-2026.pdf"`) {
		t.Errorf("the own source's address is not linked")
	}
	_, english := getPublic(t, s, path, "en", nil)
	for _, want := range []string{"Version 2, since", "On a home visit the staff member does not film.", "New rules: 1", "(applies now)"} {
		if !strings.Contains(text(english), want) {
			t.Errorf("in English, the page does not say %q", want)
		}
	}
	y, j := publishedPolicy(t, s, org.Slug)
	if got := y.digest(); got != pv.Digest || y.Digest != pv.Digest || j.Digest != pv.Digest || y.Version != 2 {
		t.Errorf("after the change: recomputed %s, yaml %s (version %d), json %s; want %s", got, y.Digest, y.Version, j.Digest, pv.Digest)
	}
	if len(y.Texts) != 2 || y.Texts[0].Text != ownPolicy || y.Texts[0].Extends != "ombudsman" {
		t.Errorf("after the change, the texts are %+v", y.Texts)
	}
	added := slices.IndexFunc(j.Rules, func(r struct {
		ID, Source, Ref, When, Outcome string
		Explain                        policy.Text
	}) bool {
		return r.ID == "gv-4"
	})
	if len(j.History) != 2 || j.History[0].Reason != pv.Reason || added < 0 || j.Rules[added].Source != "huisregels-2026.pdf" || j.Rules[added].Outcome != "forbidden" {
		t.Errorf("policy.json after the change: %+v", j)
	}
}

// formatDutch is t as a Dutch page of an organisation in
// Europe/Amsterdam shows it: "3 december 2026, 12:33 CET".
func formatDutch(t *testing.T, at time.Time) string {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	at = at.In(loc)
	months := []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
	return fmt.Sprintf("%d %s %d, %s", at.Day(), months[at.Month()-1], at.Year(), at.Format("15:04 MST"))
}

// TestPublicTextsPage: the administrator finds the page for the public
// texts from the home page and the client links page; what they write
// shows on the public page, in the reader's language or else the other;
// the change is logged, and made once when sent twice; a form shown
// before another change is refused; bad input is refused naming the field
// in Dutch (a text too long, a control character); staff do not reach the
// page, and another organisation's administrator changes only their own.
func TestPublicTextsPage(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		_, octx, admin, staff, officer, otherAdmin := settingsPeople(t, s, "teksten", "veilig-thuis-utrecht")

		for _, path := range []string{"/", "/clientlinks"} {
			if _, body, _ := admin.do(t, "GET", path, nil); !strings.Contains(body, `href="/openbare-pagina"`) {
				t.Errorf("%s does not lead the administrator to /openbare-pagina", path)
			}
		}
		if _, body, _ := staff.do(t, "GET", "/", nil); !strings.Contains(body, `href="/o/teksten"`) || strings.Contains(body, `href="/openbare-pagina"`) {
			t.Errorf("the home page does not lead staff to the public page, or leads them to its texts")
		}
		code, body, _ := admin.do(t, "GET", "/openbare-pagina", nil)
		if code != 200 || !strings.Contains(body, `href="/o/teksten"`) || !strings.Contains(body, "/o/teksten/inbedden") || !strings.Contains(text(body), "U heeft nog niets geschreven.") {
			t.Fatalf("GET /openbare-pagina = %d:\n%s", code, text(body))
		}

		typed := url.Values{"versie": {"0"}, "inleiding_nl": {"Bij ons mag u opnemen.\nVraag ons wat u wilt weten."}, "inleiding_en": {"You may record with us."},
			"contact_nl": {"Bel 030 123 45 67."}, "contact_en": {""}}
		long := strings.Repeat("lang ", 401)
		for _, c := range []struct {
			field, value string
			code         int
			want         string
		}{
			{"inleiding_nl", long, 400, "Inleiding in het Nederlands: de tekst mag ten hoogste 2000 tekens hebben; dit zijn er 2004."},
			{"contact_en", long, 400, "Contact in het Engels: de tekst mag ten hoogste 2000 tekens hebben; dit zijn er 2004."},
			{"inleiding_en", "a\x07b", 400, "Inleiding in het Engels: teken 2 is een onzichtbaar stuurteken (U+0007). Haal het weg."},
			{"contact_nl", "a\x00b", 400, "Contact in het Nederlands: teken 2 is een onzichtbaar stuurteken (U+0000). Haal het weg."},
		} {
			form := url.Values{}
			for k, v := range typed {
				form[k] = v
			}
			form.Set(c.field, c.value)
			code, body, _ := admin.do(t, "POST", "/openbare-pagina", form)
			if code != c.code || !strings.Contains(text(body), c.want) {
				t.Errorf("%s=%.20q: %d, want %d saying %q:\n%s", c.field, c.value, code, c.code, c.want, text(body))
			}
		}
		prof, err := s.db.PublicProfile(context.Background(), "teksten")
		if err != nil || prof.Texts.Version != 0 {
			t.Fatalf("after refused changes: %+v, %v", prof, err)
		}

		for range 2 {
			code, _, at := admin.do(t, "POST", "/openbare-pagina", typed)
			if code != http.StatusSeeOther || at != "/openbare-pagina?bewaard=1" {
				t.Fatalf("POST /openbare-pagina = %d to %q", code, at)
			}
		}
		if prof, err = s.db.PublicProfile(context.Background(), "teksten"); err != nil || prof.Texts.Version != 1 || prof.Texts.IntroEN != "You may record with us." {
			t.Fatalf("stored = %+v, %v; want the change, once", prof, err)
		}
		_, body, _ = admin.do(t, "GET", "/openbare-pagina?bewaard=1", nil)
		if page := text(body); !strings.Contains(page, "De teksten zijn bewaard.") || !strings.Contains(page, "Laatst gewijzigd op ") {
			t.Errorf("after the change:\n%s", page)
		}
		if events := changesLogged(t, s, actorCtxOf(t, s, octx, officer), "public_texts"); len(events) != 1 || events[0].UserName != "Bea Beheer" || events[0].Purpose != "changed: intro_nl, intro_en, contact_nl" {
			t.Errorf("logged %+v, want one change by Bea Beheer naming the texts", events)
		}
		if code, body, _ := admin.do(t, "POST", "/openbare-pagina", url.Values{"versie": {"0"}, "inleiding_nl": {"Iets anders."}}); code != http.StatusConflict || !strings.Contains(text(body), "Iemand anders heeft de teksten net gewijzigd") {
			t.Errorf("a change on version 0 after version 1 = %d:\n%s", code, text(body))
		}

		// The public page shows them: in the reader's language, or else in
		// the other, marked as such.
		_, nl := getPublic(t, s, "/o/teksten", "nl", nil)
		_, en := getPublic(t, s, "/o/teksten", "en", nil)
		if !strings.Contains(nl, "Bij ons mag u opnemen.\nVraag ons wat u wilt weten.") || !strings.Contains(nl, "Bel 030 123 45 67.") {
			t.Errorf("the Dutch page does not show the texts:\n%s", text(nl))
		}
		if !strings.Contains(en, "You may record with us.") || !strings.Contains(en, `lang="nl">Bel 030 123 45 67.`) {
			t.Errorf("the English page does not show the texts:\n%s", text(en))
		}

		if code, _, _ := staff.do(t, "GET", "/openbare-pagina", nil); code != http.StatusNotFound {
			t.Errorf("staff reach the page: %d", code)
		}
		if code, _, _ := otherAdmin.do(t, "POST", "/openbare-pagina", url.Values{"versie": {"0"}, "inleiding_nl": {"Van de andere."}}); code != http.StatusSeeOther {
			t.Errorf("the other organisation's administrator: %d", code)
		}
		if prof, _ := s.db.PublicProfile(context.Background(), "teksten"); !strings.HasPrefix(prof.Texts.IntroNL, "Bij ons") {
			t.Errorf("org teksten's texts changed by another organisation: %+v", prof.Texts)
		}
		admin.lang = "en"
		_, body, _ = admin.do(t, "POST", "/openbare-pagina", url.Values{"versie": {"1"}, "inleiding_nl": {long}})
		if page := text(body); !strings.Contains(page, "Introduction in Dutch: the text may have at most 2000 characters; this has 2004.") {
			t.Errorf("in English:\n%s", page)
		}
	})
}

// TestPublicPageIsLinked: a newcomer finds the public page from the
// sign-in page where the organisation is known. The client's pages do not
// link it: a visit would leave the organisation's name in the history of
// a phone someone else may pick up.
func TestPublicPageIsLinked(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	resp, body := getPublic(t, s, "/aanmelden?organisatie=org-a", "nl", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/o/org-a"`) || !strings.Contains(text(body), "Wat zegt Org a over het opnemen van gesprekken?") {
		t.Errorf("the sign-in page of org-a = %d:\n%s", resp.StatusCode, text(body))
	}
	if _, body := getPublic(t, s, "/aanmelden?organisatie=no-such-org", "nl", nil); strings.Contains(body, `href="/o/`) {
		t.Errorf("the sign-in page links the page of an organisation that does not exist")
	}
	r, _ := http.NewRequest("GET", s.URL+"/l/klacht", nil)
	r.AddCookie(&http.Cookie{Name: s.web.LinkCookie(), Value: f.openLink(t, f.newLinkCode(t, f.clientA, "client"))})
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(data), `href="/o/`) {
		t.Errorf("the client's complaints page = %d:\n%s", resp.StatusCode, text(string(data)))
	}
}

// TestPublicRoutesReadNoClientData fetches every route under /o/, as
// someone not signed in and as the client's staff member: the access log
// gains no record, and no answer holds anything of the fixture's client.
func TestPublicRoutesReadNoClientData(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	privacy := opname.WithActor(context.Background(), opname.Actor{OrgID: f.adminA.OrgID, UserID: "audit", Role: opname.RolePrivacyOfficer})
	before, err := s.db.Search(privacy, opname.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, route := range s.web.Routes() {
		if !strings.HasPrefix(route.Pattern, "/o/") {
			continue
		}
		n++
		for _, caller := range []string{"anonymous", "staff"} {
			for _, lang := range []string{"nl", "en"} {
				r := f.request(t, route.Method, route.Pattern)
				r.AddCookie(&http.Cookie{Name: "lang", Value: lang})
				if caller == "staff" {
					r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
				}
				resp, err := noRedirect.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") == "" {
					t.Errorf("%s as %s: %d, Cache-Control %q", route.Key(), caller, resp.StatusCode, resp.Header.Get("Cache-Control"))
				}
				for _, secret := range []string{"Anna de Vries", "mr. Visser", "Voor de klacht", f.clientA, f.recA, f.convA, f.reqA, "danger to a third party", "staff@org-a.nl"} {
					if bytes.Contains(body, []byte(secret)) {
						t.Errorf("%s as %s holds %q", route.Key(), caller, secret)
					}
				}
			}
		}
	}
	if n < 4 {
		t.Fatalf("%d routes under /o/", n)
	}
	after, err := s.db.Search(privacy, opname.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The one record more is the first search's own.
	if len(after) != len(before)+1 || after[0].ObjectType != "access_log" {
		t.Errorf("the routes under /o/ wrote %d access records: %+v", len(after)-len(before)-1, after[:len(after)-len(before)])
	}
}

// TestPublicPageAccessibility runs axe-core's WCAG 2.1 A and AA rules on
// the public page of an organisation under each shipped policy, whole and
// for a frame, in Dutch and English at three widths; one of them has its
// own texts, a complaints procedure and a changed policy, and an unknown
// organisation's page is checked too.
func TestPublicPageAccessibility(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "a11y.mjs")
	s := testServer(t)
	orgs := publicOrgs(t, s)
	org := orgs["axiehuis"]
	octx := opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, Role: opname.RoleSystem})
	admin, _ := member(t, s, octx, org.Slug, opname.RoleAdmin)
	actx := actorCtx(org, admin)
	if err := s.db.SetPublicTexts(actx, &opname.PublicTexts{IntroNL: "Welkom bij aXiehuis.\nHier leest u hoe wij met opnames omgaan.", ContactEN: "Call 020 123 45 67."}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.SetLinkSettings(actx, &opname.LinkSettings{LinkDays: 30, ComplaintsNL: "Schrijf naar de klachtencommissie.", ComplaintsURL: "https://www.example.nl/klachten"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"blijf-groep", "axiehuis"} {
		pv, err := opname.NewPolicyVersion(s.web.Policies, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		pv.Reason = "Wij werken nu met dit beleid."
		if err := s.db.SetPolicy(actx, pv); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/o/no-such-org"}
	for _, o := range orgs {
		paths = append(paths, "/o/"+o.Slug, "/o/"+o.Slug+"/inbedden")
	}
	slices.Sort(paths)
	cmd := exec.Command("node", append([]string{script, s.URL, s.web.SessionCookie(), ""}, paths...)...)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r struct {
			Path, Lang string
			Width      int
			Status     int
			Violations []json.RawMessage
		}
		if json.Unmarshal([]byte(line), &r) != nil {
			continue
		}
		checked++
		if want := map[bool]int{true: 404, false: 200}[r.Path == "/o/no-such-org"]; r.Status != want {
			t.Errorf("%s %s: status %d", r.Path, r.Lang, r.Status)
		}
		for _, v := range r.Violations {
			t.Errorf("%s (%s, %dpx): %s", r.Path, r.Lang, r.Width, v)
		}
	}
	if err != nil && !t.Failed() {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	if checked != len(paths)*6 {
		t.Errorf("%d pages checked, want %d", checked, len(paths)*6)
	}
}
