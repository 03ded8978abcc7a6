package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/pdf"
	"github.com/opname/opname/pdf/pdftest"
)

// render renders d, skipping outside CI when the fonts are missing.
func render(t *testing.T, d pdf.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pdf.Render(&buf, d); err != nil {
		if strings.Contains(err.Error(), "not installed") && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRender renders a long declaration with Dutch characters over more
// than one page and checks it is a PDF with its title, the organisation's
// name and its number on every page, and the signature blocks.
func TestRender(t *testing.T) {
	var long []string
	for range 60 {
		long = append(long, "Wij maken afspraken over de opname: een kopie op verzoek, niet knippen of plakken zonder het te melden, niet doorgeven zonder toestemming van de ander. Cliënte ’s-Hertogenbosch — één.")
	}
	b := render(t, pdf.Document{Title: "Verklaring over de opname", Header: "Stichting Voorbeeld", PageOf: "pagina %d van %d", Sections: []pdf.Section{
		{Facts: []pdf.Fact{{Label: "Cliënt", Value: "Anna de Vries"}, {Label: "Gesprek", Value: "2 december 2026, 14:05 CET"}}},
		{Heading: "Afspraken", Paragraphs: long},
		{Heading: "Ondertekening", Signatures: []pdf.Signature{
			{Who: "Cliënt", Lines: []pdf.Fact{{Label: "Naam"}, {Label: "Datum"}, {Label: "Handtekening"}}},
			{Who: "Medewerker", Lines: []pdf.Fact{{Label: "Naam", Value: "Els Bakker"}, {Label: "Rol", Value: "Medewerker"}, {Label: "Handtekening"}}},
		}},
	}})
	pages := regexp.MustCompile(`/Type /Page[^s]`).FindAll(b, -1)
	if !bytes.HasPrefix(b, []byte("%PDF-")) || len(pages) < 2 {
		t.Fatalf("not a PDF of several pages (%d bytes, %d pages)", len(b), len(pages))
	}
	texts := pdftest.Pages(t, b)
	if len(texts) != len(pages) {
		t.Fatalf("pdftotext reads %d pages, the PDF has %d", len(texts), len(pages))
	}
	for i, p := range texts {
		for _, want := range []string{"Stichting Voorbeeld", fmt.Sprintf("pagina %d van %d", i+1, len(texts))} {
			if !strings.Contains(p, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, p)
			}
		}
	}
	all := strings.Join(texts, " ")
	for _, want := range []string{"Verklaring over de opname", "Cliënt Anna de Vries", "Gesprek 2 december 2026, 14:05 CET", "Naam Els Bakker", "Handtekening", "’s-Hertogenbosch"} {
		if !strings.Contains(all, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}

// TestRenderPrinted renders what an organisation prints: a leaflet on A5
// pages with bulleted points and their sources in small print, rounded up
// to whole sheets folded in two, and a poster whose QR code a camera
// reads back as the address it was made of.
func TestRenderPrinted(t *testing.T) {
	t.Parallel()
	var points []pdf.Item
	for i := range 16 {
		points = append(points, pdf.Item{Text: fmt.Sprintf("Punt %d: wie een gesprek opneemt, geeft de ander een kopie als die daarom vraagt.", i+1), Note: fmt.Sprintf("Bron 1, spelregel %d", i+1)})
	}
	b := render(t, pdf.Document{Title: "Een gesprek opnemen bij Stichting Voorbeeld", Header: "Stichting Voorbeeld", PageOf: "pagina %d van %d",
		Paper: pdf.A5, BodySize: 10, PageMultiple: 4, Sections: []pdf.Section{
			{Paragraphs: []string{"Welkom. Hier leest u wat u mag en wat wij vragen."}},
			{Heading: "Als u een gesprek wilt opnemen", List: points},
			{Heading: "Bronnen", Minor: true, Notes: []string{"1. Nationale Ombudsman, Koffie? Thee? Geluidsopname?"}},
		}})
	if w, h := pdftest.PageSize(t, b); w != 420 || h != 595 {
		t.Errorf("the leaflet's pages are %v × %v points, want A5 (420 × 595)", w, h)
	}
	pages := pdftest.Pages(t, b)
	// Two or three pages of text, on one sheet folded in two.
	if len(pages) != 4 {
		t.Errorf("the leaflet has %d pages, want 4", len(pages))
	}
	all := strings.Join(pages, " ")
	for i := range points {
		for _, want := range []string{points[i].Text, points[i].Note} {
			if !strings.Contains(all, want) {
				t.Errorf("the leaflet lacks %q", want)
			}
		}
	}
	if !slices.ContainsFunc(pages, func(p string) bool { return strings.Contains(p, "pagina 4 van 4") }) {
		t.Errorf("the leaflet's pages are not numbered: %q", pages)
	}

	const address = "https://opname.example.nl/o/stichting-voorbeeld"
	poster := render(t, pdf.Document{Title: "Mag ik dit gesprek opnemen?", BodySize: 18, Sections: []pdf.Section{
		{Lead: "Ja, dat mag.", List: []pdf.Item{{Text: "Zeg het van tevoren."}}},
		{QR: &pdf.QR{Text: address, Size: 200}, Paragraphs: []string{address}},
	}})
	if w, h := pdftest.PageSize(t, poster); w != 595 || h != 842 {
		t.Errorf("the poster is %v × %v points, want A4 (595 × 842)", w, h)
	}
	if got := pdftest.QR(t, poster, 1); got != address {
		t.Errorf("the poster's QR code reads %q, want %q", got, address)
	}
	if text := pdftest.Text(t, poster); !strings.Contains(text, address) || !strings.Contains(text, "Ja, dat mag.") {
		t.Errorf("the poster says %q", text)
	}
}
