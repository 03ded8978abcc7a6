package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname/pdf"
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

// text is the text of a PDF by page, read by pdftotext (poppler-utils).
func text(t *testing.T, b []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must read the PDFs: pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	for i := range pages {
		pages[i] = strings.Join(strings.Fields(pages[i]), " ")
	}
	return pages
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
	texts := text(t, b)
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
