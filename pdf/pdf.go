// Package pdf renders opname's documents — the declaration of agreements
// to print and sign, a manager's written decision, and what an
// organisation prints about recording (a leaflet, a poster, a pocket card)
// — as PDF downloads with github.com/signintech/gopdf and the DejaVu fonts
// (Debian fonts-dejavu-core), which cover Dutch text. The PDF is not
// tagged; the accessible HTML page stays the record, the PDF is a
// convenience.
package pdf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/signintech/gopdf"
	"rsc.io/qr"
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
	// Paper is the size of the pages; the zero Paper is A4.
	Paper Paper
	// BodySize is the size of the text in points (zero: 11); the title,
	// the headings and the small print scale with it.
	BodySize float64
	// PageMultiple, when above one, rounds the number of pages up to a
	// multiple of it with empty pages: 4 for sheets folded in two.
	PageMultiple int
}

// Paper is a page size, in points, with the margin around the text.
type Paper struct{ W, H, Margin float64 }

// The paper sizes opname prints on. A leaflet of A4 sheets folded in two
// has A5 pages; a pocket card is A6.
var (
	A4 = Paper{W: 595, H: 842, Margin: 56}
	A5 = Paper{W: 420, H: 595, Margin: 36}
	A6 = Paper{W: 298, H: 420, Margin: 20}
)

// Section has an optional heading, then in this order a paragraph in
// bold, paragraphs, a bulleted list, facts (a label with its value), a
// QR code, small print, and signature blocks.
type Section struct {
	Heading string
	// Minor makes the heading smaller: a part of the section before.
	Minor      bool
	Lead       string
	Paragraphs []string
	List       []Item
	Facts      []Fact
	QR         *QR
	Notes      []string
	Signatures []Signature
	// Lang is the language of the section's text where it may differ
	// from the document's (an organisation's own words, in the one
	// language it wrote them in), for a rendering that marks languages
	// (HTML); the PDF does not.
	Lang string
}

// Item is one point of a bulleted list, with an optional note in small
// print beneath it (where it comes from, say). NoteLang is the note's
// language where it may differ from the document's, such as the Dutch
// title of a source in an English leaflet, for a rendering that marks
// languages (HTML); the PDF does not.
type Item struct{ Text, Note, NoteLang string }

// QR is a QR code of Text, drawn Size points wide (its quiet zone
// included) in the middle of the column.
type QR struct {
	Text string
	Size float64
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

// bodySize is the text's size unless a document chooses another; the
// title, headings and header are sized after it as on A4 at 11 points.
const bodySize = 11.0

// Render writes d as a PDF.
func Render(w io.Writer, d Document) error {
	p, err := lay(d)
	if err != nil {
		return err
	}
	_, err = p.WriteTo(w)
	return err
}

// Pages is how many pages d takes, so that a caller can make a document
// fit its paper (a poster, one page) before rendering it.
func Pages(d Document) (int, error) {
	p, err := lay(d)
	if err != nil {
		return 0, err
	}
	return p.GetNumberOfPages(), nil
}

// lay places d on its pages.
func lay(d Document) (*gopdf.GoPdf, error) {
	regular, bold, err := fonts()
	if err != nil {
		return nil, err
	}
	paper := d.Paper
	if paper == (Paper{}) {
		paper = A4
	}
	body := d.BodySize
	if body == 0 {
		body = bodySize
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: gopdf.Rect{W: paper.W, H: paper.H}})
	p.SetInfo(gopdf.PdfInfo{Title: d.Title, Author: d.Header, Creator: "opname"})
	if err := p.AddTTFFont("regular", regular); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	if err := p.AddTTFFont("bold", bold); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	wr := &writer{p: p, paper: paper, width: paper.W - 2*paper.Margin, body: body}
	p.AddPage()
	p.SetXY(paper.Margin, paper.Margin)
	wr.text("bold", body*16/11, d.Title, body*10/11)
	for _, s := range d.Sections {
		wr.section(s)
	}
	for d.PageMultiple > 1 && p.GetNumberOfPages()%d.PageMultiple != 0 && wr.err == nil {
		// An empty page has content all the same, so that frame can
		// number it.
		p.AddPage()
		p.SetXY(paper.Margin, paper.Margin)
		if err := p.Cell(nil, ""); err != nil {
			wr.err = err
		}
	}
	wr.frame(d)
	if wr.err != nil {
		return nil, wr.err
	}
	return p, nil
}

// writer places wrapped text, adding pages as needed.
type writer struct {
	p     *gopdf.GoPdf
	paper Paper
	// width is the column's; body the text's size.
	width, body float64
	err         error
}

func (wr *writer) section(s Section) {
	body := wr.body
	if s.Heading != "" {
		size := body * 12 / 11
		if s.Minor {
			size = body
			wr.space(body * 4 / 11)
		} else {
			wr.space(body * 8 / 11)
		}
		wr.need(body * 40 / 11)
		wr.text("bold", size, s.Heading, body*4/11)
	}
	if s.Lead != "" {
		wr.text("bold", body, s.Lead, body*6/11)
	}
	for _, para := range s.Paragraphs {
		wr.text("regular", body, para, body*6/11)
	}
	for _, it := range s.List {
		wr.item(it)
	}
	if len(s.List) > 0 {
		wr.space(body * 4 / 11)
	}
	for _, f := range s.Facts {
		wr.fact(f)
	}
	if s.QR != nil {
		wr.qr(*s.QR)
	}
	for _, n := range s.Notes {
		wr.note(n, wr.paper.Margin, wr.width)
	}
	for _, sig := range s.Signatures {
		wr.space(12)
		wr.need(float64(len(sig.Lines))*30 + 24)
		wr.text("bold", body, sig.Who, 6)
		for _, l := range sig.Lines {
			wr.signLine(l)
		}
	}
}

func (wr *writer) space(h float64) { wr.p.SetY(wr.p.GetY() + h) }

func (wr *writer) bottom() float64 { return wr.paper.H - wr.paper.Margin }

func (wr *writer) need(h float64) {
	if wr.p.GetY()+h > wr.bottom() {
		wr.p.AddPage()
		wr.p.SetXY(wr.paper.Margin, wr.paper.Margin)
	}
}

// labelWidth is the width of a fact's label.
func (wr *writer) labelWidth() float64 { return min(150, wr.width*0.35) }

// fact writes a label and its value side by side.
func (wr *writer) fact(f Fact) {
	if wr.err != nil {
		return
	}
	body, margin, lw := wr.body, wr.paper.Margin, wr.labelWidth()
	y := wr.p.GetY()
	wr.need(body * 1.4)
	if wr.p.GetY() < y {
		y = wr.p.GetY()
	}
	if err := wr.p.SetFont("bold", "", body); err != nil {
		wr.err = err
		return
	}
	wr.p.SetXY(margin, y)
	if err := wr.p.Cell(&gopdf.Rect{W: lw, H: body * 1.4}, f.Label); err != nil {
		wr.err = err
		return
	}
	wr.p.SetY(y)
	wr.textAt("regular", body, f.Value, margin+lw, wr.width-lw, 3)
}

// item writes a point of a bulleted list and its note.
func (wr *writer) item(it Item) {
	if wr.err != nil {
		return
	}
	body, margin := wr.body, wr.paper.Margin
	indent := body * 1.3
	wr.need(body * 1.4)
	y := wr.p.GetY()
	if err := wr.p.SetFont("regular", "", body); err != nil {
		wr.err = err
		return
	}
	wr.p.SetXY(margin, y)
	if err := wr.p.Cell(&gopdf.Rect{W: indent, H: body * 1.4}, "•"); err != nil {
		wr.err = err
		return
	}
	wr.p.SetY(y)
	after := body * 4 / 11
	if it.Note != "" {
		after = 0
	}
	wr.textAt("regular", body, it.Text, margin+indent, wr.width-indent, after)
	if it.Note != "" {
		wr.note(it.Note, margin+indent, wr.width-indent)
	}
}

// note writes small print in grey in a column at x of width w.
func (wr *writer) note(s string, x, w float64) {
	wr.p.SetTextColor(80, 80, 80)
	wr.textAt("regular", wr.body*0.8, s, x, w, wr.body*4/11)
	wr.p.SetTextColor(0, 0, 0)
}

// qr draws a QR code of q.Text in the middle of the column, as squares,
// so that it stays sharp at any size.
func (wr *writer) qr(q QR) {
	if wr.err != nil {
		return
	}
	code, err := qr.Encode(q.Text, qr.M)
	if err != nil {
		wr.err = fmt.Errorf("pdf: QR code: %w", err)
		return
	}
	size := min(q.Size, wr.width)
	wr.need(size)
	// A quiet zone of four modules on each side.
	module := size / float64(code.Size+8)
	x0 := wr.paper.Margin + (wr.width-size)/2 + 4*module
	y0 := wr.p.GetY() + 4*module
	wr.p.SetFillColor(0, 0, 0)
	for y := range code.Size {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			run := x
			for run < code.Size && code.Black(run, y) {
				run++
			}
			wr.p.RectFromUpperLeftWithStyle(x0+float64(x)*module, y0+float64(y)*module, float64(run-x)*module, module, "F")
			x = run
		}
	}
	wr.p.SetY(wr.p.GetY() + size)
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
	body, margin, lw := wr.body, wr.paper.Margin, wr.labelWidth()
	wr.space(22)
	y := wr.p.GetY()
	if err := wr.p.SetFont("bold", "", body); err != nil {
		wr.err = err
		return
	}
	wr.p.SetXY(margin, y)
	if err := wr.p.Cell(&gopdf.Rect{W: lw, H: body * 1.4}, f.Label); err != nil {
		wr.err = err
		return
	}
	base := y + body*1.2
	wr.p.Line(margin+lw, base, margin+lw+min(220, wr.width-lw), base)
	wr.p.SetY(y + body*1.4 + 3)
}

// frame puts the header and the page number on every page.
func (wr *writer) frame(d Document) {
	n := wr.p.GetNumberOfPages()
	margin, size := wr.paper.Margin, wr.body*9/11
	for i := 1; i <= n && wr.err == nil; i++ {
		if err := wr.p.SetPage(i); err != nil {
			wr.err = err
			return
		}
		if err := wr.p.SetFont("regular", "", size); err != nil {
			wr.err = err
			return
		}
		if d.Header != "" {
			wr.p.SetXY(margin, margin/2)
			if err := wr.p.Cell(&gopdf.Rect{W: wr.width, H: size * 4 / 3}, d.Header); err != nil {
				wr.err = err
				return
			}
		}
		if d.PageOf != "" {
			wr.p.SetXY(margin, wr.paper.H-margin/2-size*4/3)
			if err := wr.p.CellWithOption(&gopdf.Rect{W: wr.width, H: size * 4 / 3}, fmt.Sprintf(d.PageOf, i, n), gopdf.CellOption{Align: gopdf.Right}); err != nil {
				wr.err = err
				return
			}
		}
	}
}

func (wr *writer) text(font string, size float64, s string, after float64) {
	wr.textAt(font, size, s, wr.paper.Margin, wr.width, after)
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
