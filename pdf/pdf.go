// Package pdf renders opname's documents — the declaration of agreements
// to print and sign, a manager's written decision — as PDF downloads with
// github.com/signintech/gopdf and the DejaVu fonts (Debian
// fonts-dejavu-core), which cover Dutch text. The PDF is not tagged; the
// accessible HTML page stays the record, the PDF is a convenience.
package pdf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/signintech/gopdf"
)

// Document is a titled list of sections, in one language. Every page
// carries Header at its top (the organisation's name) and its number at
// the bottom.
type Document struct {
	Title string
	// Header stands at the top of every page.
	Header string
	// PageOf is how a page is numbered, with the page's number and the
	// number of pages: "pagina %d van %d".
	PageOf   string
	Sections []Section
}

// Section has an optional heading, paragraphs, facts (a label with its
// value), and signature blocks.
type Section struct {
	Heading    string
	Paragraphs []string
	Facts      []Fact
	Signatures []Signature
}

// Fact is a label with its value, such as "Cliënt" and a name.
type Fact struct{ Label, Value string }

// Signature is a block for one person to sign: who signs, then lines such
// as name, role, date and signature, each with its value where it is known
// and a line to write on where it is not.
type Signature struct {
	Who   string
	Lines []Fact
}

// FontDirs are where the DejaVu fonts are looked for.
var FontDirs = []string{"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"}

const (
	pageHeight = 842.0
	margin     = 56.0
	width      = 595.0 - 2*margin
	bottom     = pageHeight - margin
	bodySize   = 11
	labelWidth = 150.0
)

// Render writes d as an A4 PDF.
func Render(w io.Writer, d Document) error {
	regular, bold, err := fonts()
	if err != nil {
		return err
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	p.SetInfo(gopdf.PdfInfo{Title: d.Title, Author: d.Header, Creator: "opname"})
	if err := p.AddTTFFont("regular", regular); err != nil {
		return fmt.Errorf("pdf: font: %w", err)
	}
	if err := p.AddTTFFont("bold", bold); err != nil {
		return fmt.Errorf("pdf: font: %w", err)
	}
	p.AddPage()
	p.SetXY(margin, margin)
	wr := &writer{p: p}
	wr.text("bold", 16, d.Title, 10)
	for _, s := range d.Sections {
		if s.Heading != "" {
			wr.space(8)
			wr.need(40)
			wr.text("bold", 12, s.Heading, 4)
		}
		for _, para := range s.Paragraphs {
			wr.text("regular", bodySize, para, 6)
		}
		for _, f := range s.Facts {
			wr.fact(f)
		}
		for _, sig := range s.Signatures {
			wr.space(12)
			wr.need(float64(len(sig.Lines))*30 + 24)
			wr.text("bold", bodySize, sig.Who, 6)
			for _, l := range sig.Lines {
				wr.signLine(l)
			}
		}
	}
	wr.frame(d)
	if wr.err != nil {
		return wr.err
	}
	_, err = p.WriteTo(w)
	return err
}

// writer places wrapped text, adding pages as needed.
type writer struct {
	p   *gopdf.GoPdf
	err error
}

func (wr *writer) space(h float64) { wr.p.SetY(wr.p.GetY() + h) }

func (wr *writer) need(h float64) {
	if wr.p.GetY()+h > bottom {
		wr.p.AddPage()
		wr.p.SetXY(margin, margin)
	}
}

// fact writes a label and its value side by side.
func (wr *writer) fact(f Fact) {
	if wr.err != nil {
		return
	}
	y := wr.p.GetY()
	wr.need(bodySize * 1.4)
	if wr.p.GetY() < y {
		y = wr.p.GetY()
	}
	if err := wr.p.SetFont("bold", "", bodySize); err != nil {
		wr.err = err
		return
	}
	wr.p.SetXY(margin, y)
	if err := wr.p.Cell(&gopdf.Rect{W: labelWidth, H: bodySize * 1.4}, f.Label); err != nil {
		wr.err = err
		return
	}
	wr.p.SetY(y)
	wr.textAt("regular", bodySize, f.Value, margin+labelWidth, width-labelWidth, 3)
}

// signLine writes a line of a signature block: its label, then its value
// or a line to write on.
func (wr *writer) signLine(f Fact) {
	if f.Value != "" {
		wr.fact(f)
		return
	}
	if wr.err != nil {
		return
	}
	wr.space(22)
	y := wr.p.GetY()
	if err := wr.p.SetFont("bold", "", bodySize); err != nil {
		wr.err = err
		return
	}
	wr.p.SetXY(margin, y)
	if err := wr.p.Cell(&gopdf.Rect{W: labelWidth, H: bodySize * 1.4}, f.Label); err != nil {
		wr.err = err
		return
	}
	base := y + bodySize*1.2
	wr.p.Line(margin+labelWidth, base, margin+labelWidth+220, base)
	wr.p.SetY(y + bodySize*1.4 + 3)
}

// frame puts the header and the page number on every page.
func (wr *writer) frame(d Document) {
	n := wr.p.GetNumberOfPages()
	for i := 1; i <= n && wr.err == nil; i++ {
		if err := wr.p.SetPage(i); err != nil {
			wr.err = err
			return
		}
		if err := wr.p.SetFont("regular", "", 9); err != nil {
			wr.err = err
			return
		}
		if d.Header != "" {
			wr.p.SetXY(margin, margin/2)
			if err := wr.p.Cell(&gopdf.Rect{W: width, H: 12}, d.Header); err != nil {
				wr.err = err
				return
			}
		}
		if d.PageOf != "" {
			wr.p.SetXY(margin, pageHeight-margin/2-12)
			if err := wr.p.CellWithOption(&gopdf.Rect{W: width, H: 12}, fmt.Sprintf(d.PageOf, i, n), gopdf.CellOption{Align: gopdf.Right}); err != nil {
				wr.err = err
				return
			}
		}
	}
}

func (wr *writer) text(font string, size float64, s string, after float64) {
	wr.textAt(font, size, s, margin, width, after)
}

// textAt writes s wrapped in a column at x of width w.
func (wr *writer) textAt(font string, size float64, s string, x, w, after float64) {
	if wr.err != nil {
		return
	}
	if err := wr.p.SetFont(font, "", size); err != nil {
		wr.err = err
		return
	}
	lines, err := wr.p.SplitTextWithWordWrap(s, w)
	if err != nil {
		lines = []string{s}
	}
	lh := size * 1.4
	for _, l := range lines {
		wr.need(lh)
		wr.p.SetX(x)
		if err := wr.p.Cell(&gopdf.Rect{W: w, H: lh}, l); err != nil {
			wr.err = err
			return
		}
		wr.p.SetY(wr.p.GetY() + lh)
	}
	wr.space(after)
}

func fonts() (regular, bold string, err error) {
	for _, dir := range FontDirs {
		r, b := filepath.Join(dir, "DejaVuSans.ttf"), filepath.Join(dir, "DejaVuSans-Bold.ttf")
		if _, err1 := os.Stat(r); err1 == nil {
			if _, err2 := os.Stat(b); err2 == nil {
				return r, b, nil
			}
		}
	}
	return "", "", errors.New("pdf: the DejaVu fonts are not installed (Debian: fonts-dejavu-core)")
}
