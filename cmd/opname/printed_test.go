package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/pdf/pdftest"
	"github.com/opname/opname/public"
)

// printedOrg is an organisation of the printed-matter tests, one per
// shipped policy, with its publication in each language.
type printedOrg struct {
	org     *opname.Organisation
	pub     map[string]*public.Publication
	address string
	privacy context.Context
}

// printedOrgs makes an organisation for every shipped policy.
func printedOrgs(t *testing.T, s *server) []printedOrg {
	t.Helper()
	lib := s.web.Policies
	var out []printedOrg
	for _, name := range lib.Names() {
		// A long name makes a long title, which the poster must still fit.
		org := &opname.Organisation{Slug: "drukwerk-" + name, Name: "Stichting Voorbeeld voor Jeugd, Gezin en Veiligheid in de regio — " + name,
			Policy: opname.PolicyVersion{Name: name, Shipped: name, Digest: "sha256:1", Text: "x"}}
		if err := s.db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), org); err != nil {
			t.Fatal(err)
		}
		sys := opname.System("test")
		sys.OrgID = org.ID
		octx := opname.WithActor(context.Background(), sys)
		p, err := lib.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		privacy, _ := member(t, s, octx, org.Slug, opname.RolePrivacyOfficer)
		admin, _ := member(t, s, octx, org.Slug, opname.RoleAdmin)
		// The organisation's own words, which the leaflet carries.
		actx := actorCtx(org, admin)
		texts := &opname.PublicTexts{IntroNL: "Welkom bij " + org.Name + ".\nHier leest u hoe wij met opnemen omgaan.", IntroEN: "Welcome to " + org.Name + ".",
			ContactNL: "Bel ons: 030 123 45 67", ContactEN: "Call us: +31 30 123 45 67"}
		if err := s.db.SetPublicTexts(actx, texts); err != nil {
			t.Fatal(err)
		}
		set, err := s.db.LinkSettings(actx)
		if err != nil {
			t.Fatal(err)
		}
		set.ComplaintsNL, set.ComplaintsEN, set.ComplaintsURL = "Een klacht? Schrijf naar de klachtencommissie.", "A complaint? Write to the complaints committee.", "https://www.example.nl/klachten"
		if err := s.db.SetLinkSettings(actx, set); err != nil {
			t.Fatal(err)
		}
		po := printedOrg{org: org, pub: map[string]*public.Publication{}, address: s.URL + "/o/" + org.Slug, privacy: actorCtx(org, privacy)}
		for _, l := range []string{"nl", "en"} {
			po.pub[l] = public.New(p, org.Name, l, lib.Source)
		}
		out = append(out, po)
	}
	return out
}

// printedGet fetches path as someone not signed in and checks that it is
// public printed matter of type ctype, cached by its content.
func printedGet(t *testing.T, s *server, path, ctype string) []byte {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
		t.Fatalf("GET %s = %d %s\n%.300s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("GET %s: ETag %q, Cache-Control %q; want public and an ETag", path, etag, resp.Header.Get("Cache-Control"))
	}
	r, _ := http.NewRequest("GET", s.URL+path, nil)
	r.Header.Set("If-None-Match", etag)
	again, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with its ETag = %d, want 304", path, again.StatusCode)
	}
	return body
}

// spaced is s with its white space as single spaces, as a PDF's text is
// read back.
func spaced(s string) string { return strings.Join(strings.Fields(s), " ") }

var pageOfRE = regexp.MustCompile(` (pagina|page) [0-9]+ (van|of) [0-9]+$`)

// pdfBody is the text of a PDF of the organisation named org without the
// name at the top and the number at the bottom of each page, so that a
// point that runs on to the next page reads as one.
func pdfBody(t *testing.T, b []byte, org string) string {
	t.Helper()
	pages := pdftest.Pages(t, b)
	for i, p := range pages {
		pages[i] = pageOfRE.ReplaceAllString(strings.TrimPrefix(p, org+" "), "")
	}
	return strings.Join(pages, " ")
}

// accessLogSize is the number of records in the organisation's access
// log, read as its privacy officer (the reading adds one).
func (o printedOrg) accessLogSize(t *testing.T, s *server) int {
	t.Helper()
	events, err := s.db.Search(o.privacy, opname.AccessFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// TestPrintedMatter reads every organisation's leaflet, poster and pocket
// card, as pages and as PDFs, in Dutch and in English: the leaflet holds
// every point its policy publishes, so a rule added to a policy but not
// printed fails here; the card every situation the policy decides, and at
// Veilig Thuis the agreements staff speak onto the recording; the poster's
// QR code, read from the printed page, leads to the organisation's public
// page. Each is on its own paper, and none reads client data.
func TestPrintedMatter(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	for _, o := range printedOrgs(t, s) {
		before := o.accessLogSize(t, s)
		base := "/o/" + o.org.Slug
		for _, l := range []string{"nl", "en"} {
			pub := o.pub[l]
			what := o.org.Policy.Name + " " + l
			folder := html.UnescapeString(string(printedGet(t, s, base+"/folder?lang="+l, "text/html")))
			folderPDF := printedGet(t, s, base+"/folder.pdf?lang="+l, "application/pdf")
			folderText := pdfBody(t, folderPDF, o.org.Name)
			if !strings.Contains(folder, `lang="`+l+`"`) || !strings.Contains(folder, pub.Title) || !strings.Contains(folderText, spaced(pub.Title)) {
				t.Errorf("%s: the leaflet is not titled %q in its language", what, pub.Title)
			}
			n := 0
			for _, sec := range pub.Sections {
				if !strings.Contains(folder, sec.Heading) || !strings.Contains(folderText, spaced(sec.Heading)) {
					t.Errorf("%s: the leaflet lacks the section %q", what, sec.Heading)
				}
				for _, pt := range sec.Points {
					n++
					if !strings.Contains(folder, pt.Text) {
						t.Errorf("%s: the leaflet page lacks %s: %q", what, pt.ID, pt.Text)
					}
					if !strings.Contains(folderText, spaced(pt.Text)) {
						t.Errorf("%s: the leaflet PDF lacks %s: %q", what, pt.ID, pt.Text)
					}
					if src := pt.Sources[0].Ref; !strings.Contains(folder, src) || !strings.Contains(folderText, spaced(src)) {
						t.Errorf("%s: the leaflet does not name the source of %s (%s)", what, pt.ID, src)
					}
				}
			}
			if n == 0 {
				t.Errorf("%s: the policy publishes nothing", what)
			}
			own := map[string][]string{"nl": {"Welkom bij " + o.org.Name + ".", "Hier leest u hoe wij met opnemen omgaan.", "Bel ons: 030 123 45 67", "Een klacht? Schrijf naar de klachtencommissie."},
				"en": {"Welcome to " + o.org.Name + ".", "Call us: +31 30 123 45 67", "A complaint? Write to the complaints committee."}}[l]
			for _, want := range append(own, pub.Ombudsman, opname.OmbudsmanComplaintsURL, "https://www.example.nl/klachten", o.address) {
				if !strings.Contains(folder, want) || !strings.Contains(folderText, spaced(want)) {
					t.Errorf("%s: the leaflet lacks %q", what, want)
				}
			}
			if w, h := pdftest.PageSize(t, folderPDF); w != 420 || h != 595 {
				t.Errorf("%s: the leaflet's pages are %v × %v points, want A5", what, w, h)
			}
			if pages := len(pdftest.Pages(t, folderPDF)); pages%4 != 0 {
				t.Errorf("%s: the leaflet has %d pages, which no sheets folded in two make", what, pages)
			}

			card := html.UnescapeString(string(printedGet(t, s, base+"/zakkaart?lang="+l, "text/html")))
			cardPDF := printedGet(t, s, base+"/zakkaart.pdf?lang="+l, "application/pdf")
			cardText := pdfBody(t, cardPDF, o.org.Name)
			wants := []string{pub.Card.Title, pub.Card.Intro}
			speaks := false
			for _, it := range pub.Card.Items {
				wants = append(wants, it.Heading, it.Outcome)
				wants = append(wants, it.Lines...)
				wants = append(wants, it.Alternatives...)
				if it.Speak {
					speaks = true
					wants = append(wants, it.Agreements...)
				}
			}
			for _, want := range wants {
				if !strings.Contains(card, want) || !strings.Contains(cardText, spaced(want)) {
					t.Errorf("%s: the pocket card lacks %q", what, want)
				}
			}
			speak := map[string]string{"nl": "Spreek deze afspraken in", "en": "Say these agreements onto the recording"}[l]
			if speaks != strings.Contains(cardText, speak) || speaks != strings.Contains(card, speak) {
				t.Errorf("%s: the pocket card says %q: %v, the policy has staff speak the agreements: %v", what, speak, !speaks, speaks)
			}
			if w, h := pdftest.PageSize(t, cardPDF); w != 298 || h != 420 {
				t.Errorf("%s: the pocket card is %v × %v points, want A6", what, w, h)
			}
			if pages := len(pdftest.Pages(t, cardPDF)); pages > 2 {
				t.Errorf("%s: the pocket card has %d sides, want at most 2", what, pages)
			}

			poster := html.UnescapeString(string(printedGet(t, s, base+"/poster?lang="+l, "text/html")))
			posterPDF := printedGet(t, s, base+"/poster.pdf?lang="+l, "application/pdf")
			posterText := pdfBody(t, posterPDF, o.org.Name)
			// The poster sums up: its title, what a client may do, and
			// where to read the rest.
			summary := []string{pub.Title, o.address}
			for _, sec := range pub.Sections {
				if sec.Key == public.SectionClient {
					summary = append(summary, sec.Heading, sec.Points[0].Text)
				}
			}
			for _, want := range summary {
				if !strings.Contains(poster, want) || !strings.Contains(posterText, spaced(want)) {
					t.Errorf("%s: the poster lacks %q", what, want)
				}
			}
			if !strings.Contains(poster, `src="data:image/png;base64,`) {
				t.Errorf("%s: the poster page shows no QR code", what)
			}
			if got := pdftest.QR(t, posterPDF, 1); got != o.address {
				t.Errorf("%s: the poster's QR code leads to %q, want %q", what, got, o.address)
			}
			if w, h := pdftest.PageSize(t, posterPDF); w != 595 || h != 842 {
				t.Errorf("%s: the poster is %v × %v points, want A4", what, w, h)
			}
			if pages := len(pdftest.Pages(t, posterPDF)); pages != 1 {
				t.Errorf("%s: the poster has %d pages, want 1", what, pages)
			}
		}
		// The searches themselves are all the log gained: one record for
		// the search before.
		if after := o.accessLogSize(t, s); after != before+1 {
			t.Errorf("%s: the access log went from %d to %d records: the printed matter read client data", o.org.Slug, before, after)
		}
	}
	resp, err := http.Get(s.URL + "/o/no-such-organisation/folder")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the leaflet of an organisation that does not exist = %d, want 404", resp.StatusCode)
	}
}

var styleLinkRE = regexp.MustCompile(`<link rel="stylesheet" href="(/assets/[^"]+)">`)

// TestPrintedMatterPrintsOnItsPaper reads the stylesheets of each printed
// page: each sets its paper with @page (A5, A4, A6) for the page's own
// kind, and a printed page leaves out the site's header with its
// navigation.
func TestPrintedMatterPrintsOnItsPaper(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, _ := newOrg(t, s, "papier", "ombudsman", false)
	hides := regexp.MustCompile(`@media print\s*\{[^@]*\.site-header[^{]*\{\s*display:\s*none`)
	for _, c := range []struct{ kind, size string }{{"folder", "A5"}, {"poster", "A4"}, {"zakkaart", "105mm 148mm"}} {
		page := printedGet(t, s, "/o/"+org.Slug+"/"+c.kind, "text/html")
		if !regexp.MustCompile(`<header class="[^"]*site-header[^"]*">(?s:.)*<nav`).Match(page) || !bytes.Contains(page, []byte(`class="printed printed--`+c.kind+`"`)) {
			t.Errorf("%s: the page has no site header with its navigation, or no printed %s", c.kind, c.kind)
		}
		var css strings.Builder
		for _, m := range styleLinkRE.FindAllSubmatch(page, -1) {
			resp, err := http.Get(s.URL + string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			css.Write(b)
			css.WriteByte('\n')
		}
		sheet := css.String()
		paper := regexp.MustCompile(`@page\s+` + c.kind + `\s*\{[^}]*size:\s*` + c.size + `\s*;`)
		uses := regexp.MustCompile(`\.printed--` + c.kind + `\s*\{[^}]*page:\s*` + c.kind + `\s*;`)
		if !paper.MatchString(sheet) || !uses.MatchString(sheet) {
			t.Errorf("%s: the stylesheets set no @page of size %s for it", c.kind, c.size)
		}
		if !hides.MatchString(sheet) {
			t.Errorf("%s: printed, the page keeps the site's header and navigation", c.kind)
		}
	}
}

// TestPrintedMatterAccessibility runs axe-core on the printed pages of an
// organisation, as someone not signed in, in Dutch and English, at each
// screen width.
func TestPrintedMatterAccessibility(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "a11y.mjs")
	s := testServer(t)
	org, _ := newOrg(t, s, "drukwerk-toegankelijk", "veilig-thuis-utrecht", false)
	base := "/o/" + org.Slug
	pages := runAxe(t, script, chromium, s, "", base+"/folder", base+"/poster", base+"/zakkaart")
	for _, r := range pages {
		if r.Status != http.StatusOK {
			t.Errorf("%s %s: status %d", r.Path, r.Lang, r.Status)
		}
	}
	if len(pages) != 3*2*3 {
		t.Errorf("axe checked %d pages, want 18", len(pages))
	}
}
