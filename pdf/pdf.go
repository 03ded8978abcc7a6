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

// Document is a titled list of sections.
type Document struct {
	Title    string
	Sections []Section
}

// Section has an optional heading, paragraphs, and signature lines (a
// label under a line to sign on).
type Section struct {
	Heading    string
	Paragraphs []string
	Signatures []string
}

// FontDirs are where the DejaVu fonts are looked for.
var FontDirs = []string{"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"}

const (
	margin   = 56.0
	width    = 595.0 - 2*margin
	bottom   = 842.0 - margin
	bodySize = 11
)

// Render writes d as an A4 PDF.
func Render(w io.Writer, d Document) error {
	regular, bold, err := fonts()
	if err != nil {
		return err
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	p.SetInfo(gopdf.PdfInfo{Title: d.Title, Creator: "opname"})
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
			wr.text("bold", 12, s.Heading, 4)
		}
		for _, para := range s.Paragraphs {
			wr.text("regular", bodySize, para, 6)
		}
		for _, label := range s.Signatures {
			wr.space(36)
			wr.need(30)
			y := p.GetY()
			p.Line(margin, y, margin+260, y)
			p.SetXY(margin, y+4)
			wr.text("regular", 9, label, 4)
		}
	}
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

func (wr *writer) text(font string, size float64, s string, after float64) {
	if wr.err != nil {
		return
	}
	if err := wr.p.SetFont(font, "", size); err != nil {
		wr.err = err
		return
	}
	lines, err := wr.p.SplitTextWithWordWrap(s, width)
	if err != nil {
		lines = []string{s}
	}
	lh := size * 1.4
	for _, l := range lines {
		wr.need(lh)
		wr.p.SetX(margin)
		if err := wr.p.Cell(&gopdf.Rect{W: width, H: lh}, l); err != nil {
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
