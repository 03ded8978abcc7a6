package pdf_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname/pdf"
)

// TestRender renders a long declaration with Dutch characters over more
// than one page and checks it is a PDF with its title.
func TestRender(t *testing.T) {
	var long []string
	for range 60 {
		long = append(long, "Wij maken afspraken over de opname: een kopie op verzoek, niet knippen of plakken zonder het te melden, niet doorgeven zonder toestemming van de ander. Cliënte ’s-Hertogenbosch — één.")
	}
	var buf bytes.Buffer
	err := pdf.Render(&buf, pdf.Document{Title: "Verklaring over de opname", Sections: []pdf.Section{
		{Heading: "Afspraken", Paragraphs: long},
		{Heading: "Ondertekening", Signatures: []string{"Cliënt", "Medewerker"}},
	}})
	if err != nil {
		if strings.Contains(err.Error(), "not installed") && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	b := buf.Bytes()
	pages := regexp.MustCompile(`/Type /Page[^s]`).FindAll(b, -1)
	if !bytes.HasPrefix(b, []byte("%PDF-")) || len(pages) < 2 {
		t.Fatalf("not a PDF of several pages (%d bytes, %d pages)", len(b), len(pages))
	}
}
