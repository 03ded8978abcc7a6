package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/pdf"
	"github.com/opname/opname/policy"
	// Imported by another name: the gate has an access kind "public".
	publication "github.com/opname/opname/public"
	"rsc.io/qr"
)

// An organisation's printed matter about recording conversations: a
// leaflet for the waiting room, a poster with a QR code to its public
// page, and a pocket card for its staff. Each is made from the
// organisation's current policy through package public, as one
// pdf.Document that the page renders as accessible HTML (with print CSS)
// and the .pdf route as a PDF, so the two say the same. Anyone may read
// them: they hold no client data.
//
// The poster is A4, not A3: every office printer prints A4 and every
// notice board and poster frame takes it, while at A4 the QR code (7 cm)
// is still read by a phone from a metre or more. The leaflet is an A4
// sheet folded in two (A5 pages, printed as a booklet) and the pocket card
// A6, both sides.

// The kinds of printed matter, as their routes name them.
const (
	printedFolder = "folder"
	printedPoster = "poster"
	printedCard   = "zakkaart"
)

// printedKinds are the kinds of printed matter, in the order they are
// offered.
var printedKinds = []string{printedFolder, printedPoster, printedCard}

// printedView is one piece of printed matter in one language.
type printedView struct {
	*page
	// Kind is printedFolder, printedPoster or printedCard; the print
	// stylesheet gives each its paper.
	Kind string
	Doc  pdf.Document
	// PDF is the address of the same document as a PDF.
	PDF string
	// Address is the absolute address of the organisation's public page,
	// and QRImage its QR code (on the poster and the leaflet) as an image
	// QRWidth pixels wide on the screen.
	Address string
	QRImage template.URL
	QRWidth int
	// Slug and Name are the organisation's, Base its public page, which
	// the public layout (publiclayout.html) leads back to; Found and
	// Embed are that layout's: always found, never embedded.
	Slug, Name, Base string
	Found, Embed     bool
	// Others lead to its other printed matter.
	Others []choice
	// HowToPrint says how to print it: paper, sides, folding.
	HowToPrint string
	// Links are the paragraphs that are web addresses, which the page
	// links.
	Links map[string]bool
}

// posterSections are the sections the poster sums up, by key: what a
// client may do, what the organisation asks, images, and what happens
// with a secret recording. It shows the first point of each and all that
// the organisation asks, as far as one page, read from a distance, holds.
var posterSections = []string{publication.SectionClient, publication.SectionAsks, publication.SectionVideo, publication.SectionSecret}

// printedDoc makes the printed matter of kind for the organisation in r's
// path, in r's language.
func (s *Server) printedDoc(r *http.Request, kind string) (*printedView, error) {
	l := lang(r)
	prof, err := s.Store.PublicProfile(r.Context(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	// The same policy and sources as the public page (public.go).
	pol, err := s.compiledVersion(prof.Policy)
	if err != nil {
		return nil, fmt.Errorf("web: policy of %s: %w", prof.Slug, err)
	}
	pub := publication.New(pol, prof.Name, l, s.sourcesOf(func() []policy.Source { return pol.Sources }))
	address := s.baseURL(r) + "/o/" + prof.Slug
	v := &printedView{Kind: kind, PDF: "/o/" + prof.Slug + "/" + kind + ".pdf?lang=" + l, Address: address,
		HowToPrint: translate(l, "printed.print."+kind), Links: map[string]bool{address: true, opname.OmbudsmanComplaintsURL: true},
		Slug: prof.Slug, Name: prof.Name, Base: "/o/" + prof.Slug, Found: true}
	for _, k := range printedKinds {
		if k != kind {
			v.Others = append(v.Others, choice{"/o/" + prof.Slug + "/" + k, translate(l, "printed."+k)})
		}
	}
	zone := (&opname.Organisation{TimeZone: prof.TimeZone}).Location()
	since := fmt.Sprintf(translate(l, "printed.policy"), pol.Title.In(l), prof.Policy.Version, formatTime(prof.Policy.CreatedAt, zone, l))
	// own is a text the organisation wrote, in l or else in the other
	// language, which the section then names.
	own := func(nl, en string) pdf.Section {
		t := ownIn(l, nl, en)
		return pdf.Section{Paragraphs: lines(t.Text), Lang: t.Lang}
	}
	d := pdf.Document{Header: prof.Name, PageOf: translate(l, "words.doc.pageof")}
	switch kind {
	case printedFolder:
		d.Title, d.Paper, d.BodySize, d.PageMultiple = pub.Title, pdf.A5, 9.5, 4
		if intro := own(prof.Texts.IntroNL, prof.Texts.IntroEN); len(intro.Paragraphs) > 0 {
			d.Sections = append(d.Sections, intro)
		}
		for _, sec := range pub.Sections {
			ps := pdf.Section{Heading: sec.Heading}
			for _, pt := range sec.Points {
				// The sources are Dutch documents, by their Dutch names.
				ps.List = append(ps.List, pdf.Item{Text: pt.Text, Note: sourcesNote(pt.Sources), NoteLang: "nl"})
			}
			d.Sections = append(d.Sections, ps)
		}
		// How to complain: the organisation's own procedure in its words,
		// its web page, and the Nationale Ombudsman.
		d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "link.complaints.title"), Paragraphs: []string{translate(l, "link.complaints.intro")}})
		if c := own(prof.Complaints.ComplaintsNL, prof.Complaints.ComplaintsEN); len(c.Paragraphs) > 0 {
			d.Sections = append(d.Sections, c)
		} else {
			d.Sections = append(d.Sections, pdf.Section{Paragraphs: []string{translate(l, "link.complaints.none")}})
		}
		rest := pdf.Section{}
		if u := prof.Complaints.ComplaintsURL; u != "" {
			rest.Paragraphs = append(rest.Paragraphs, u)
			v.Links[u] = true
		}
		rest.Paragraphs = append(rest.Paragraphs, pub.Ombudsman, opname.OmbudsmanComplaintsURL)
		d.Sections = append(d.Sections, rest)
		if c := own(prof.Texts.ContactNL, prof.Texts.ContactEN); len(c.Paragraphs) > 0 {
			d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "printed.contact")}, c)
		}
		d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "printed.more"),
			Paragraphs: []string{fmt.Sprintf(translate(l, "printed.more.text"), prof.Name), address},
			QR:         &pdf.QR{Text: address, Size: 110}, Notes: []string{since}})
	case printedPoster:
		d.Title, d.Paper, d.BodySize, d.PageOf = pub.Title, pdf.A4, 14, ""
		var summary []pdf.Section
		for _, key := range posterSections {
			for _, sec := range pub.Sections {
				if sec.Key != key {
					continue
				}
				points := sec.Points[:1]
				if key == publication.SectionAsks {
					points = sec.Points
				}
				part := pdf.Section{Heading: sec.Heading}
				for _, pt := range points {
					part.List = append(part.List, pdf.Item{Text: pt.Text})
				}
				summary = append(summary, part)
			}
		}
		scan := pdf.Section{Lead: translate(l, "printed.poster.scan"), QR: &pdf.QR{Text: address, Size: 200},
			Paragraphs: []string{address}, Notes: []string{since}}
		// The poster is one page: it leaves out points from the end
		// until the rest fits. Without the fonts there is no PDF to fit.
		for {
			d.Sections = append(slices.Clone(summary), scan)
			if n, err := pdf.Pages(d); err != nil || n <= 1 || len(summary) == 0 {
				break
			}
			last := &summary[len(summary)-1]
			if last.List = last.List[:len(last.List)-1]; len(last.List) == 0 {
				summary = summary[:len(summary)-1]
			}
		}
	case printedCard:
		c := pub.Card
		d.Title, d.Paper, d.BodySize = c.Title, pdf.A6, 7
		d.Sections = append(d.Sections, pdf.Section{Paragraphs: []string{c.Intro}})
		for _, it := range c.Items {
			d.Sections = append(d.Sections, pdf.Section{Heading: it.Heading, Lead: it.Outcome, List: items(it.Lines)})
			if len(it.Agreements) > 0 {
				key := "printed.card.agreements"
				if it.Speak {
					key = "printed.card.speak"
				}
				d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, key), Minor: true, List: items(it.Agreements)})
			}
			if len(it.Alternatives) > 0 {
				d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "printed.card.alternatives"), Minor: true, List: items(it.Alternatives)})
			}
		}
		d.Sections = append(d.Sections, pdf.Section{Notes: []string{since}})
	}
	v.Doc = d
	return v, nil
}

// lines are the non-empty lines of a text an organisation wrote.
func lines(text string) []string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// items are texts as the points of a list.
func items(texts []string) []pdf.Item {
	out := make([]pdf.Item, len(texts))
	for i, t := range texts {
		out[i] = pdf.Item{Text: t}
	}
	return out
}

// sourcesNote names a point's sources in short: each document's title and
// the part of it.
func sourcesNote(srcs []publication.Source) string {
	names := make([]string, len(srcs))
	for i, src := range srcs {
		names[i] = src.Title
		if src.Ref != "" {
			names[i] += ", " + src.Ref
		}
	}
	return "— " + strings.Join(names, "; ")
}

// printedPage shows a piece of printed matter as a page to print.
func (s *Server) printedPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.printedDoc(r, kind)
		if err != nil {
			s.publicError(w, r, err)
			return
		}
		if img, err := qr.Encode(v.Address, qr.M); err == nil {
			v.QRImage = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG()))
		}
		for _, sec := range v.Doc.Sections {
			if sec.QR != nil {
				v.QRWidth = int(sec.QR.Size * 4 / 3)
			}
		}
		// The print stylesheet gives each kind its paper; the leaflet's
		// pages are numbered in the reader's language.
		styles := []string{"printed.css"}
		if kind == printedFolder {
			styles = append(styles, printStyle(lang(r)))
		}
		// The language switch comes back to the page in the language
		// chosen, not in the one a ?lang= asked for.
		v.page = &page{Title: v.Doc.Title, Layout: "publiclayout", Cache: true, Here: r.URL.Path, Styles: styles}
		s.renderData(w, r, http.StatusOK, "printed", v.page, v)
	}
}

// printedPDF answers a piece of printed matter as a PDF.
func (s *Server) printedPDF(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.printedDoc(r, kind)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := pdf.Render(&buf, v.Doc); err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="`+kind+"-"+r.PathValue("slug")+"-"+lang(r)+`.pdf"`)
		cached(w, r, buf.Bytes())
	}
}
