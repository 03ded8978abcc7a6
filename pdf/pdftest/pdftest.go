// Package pdftest reads PDFs back for tests, as a person would see them:
// their text by page (pdftotext), their page size (pdfinfo), and a QR code
// on a page, rendered (pdftoppm) and decoded. The tools are Debian's
// poppler-utils; without them a test is skipped, or fails in CI, where
// PDFs are read.
package pdftest

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// tool is the path of a poppler-utils program.
func tool(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must read the PDFs: %s (poppler-utils) is not installed", name)
		}
		t.Skipf("%s (poppler-utils) is not installed", name)
	}
	return bin
}

// run runs a poppler-utils program on the PDF b, given on standard input.
func run(t testing.TB, b []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Stdin = bytes.NewReader(b)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return out.Bytes()
}

// Pages is the text of the PDF b by page, each page's words joined by
// single spaces (pdftotext breaks long lines; the text is read as one).
func Pages(t testing.TB, b []byte) []string {
	t.Helper()
	out := run(t, b, "pdftotext", "-enc", "UTF-8", "-", "-")
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	for i := range pages {
		pages[i] = strings.Join(strings.Fields(pages[i]), " ")
	}
	return pages
}

// Text is the text of the PDF b, all pages as one.
func Text(t testing.TB, b []byte) string {
	t.Helper()
	return strings.Join(Pages(t, b), " ")
}

var sizeRE = regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`)

// PageSize is the width and height of the PDF b's first page, in points.
func PageSize(t testing.TB, b []byte) (w, h float64) {
	t.Helper()
	m := sizeRE.FindSubmatch(run(t, b, "pdfinfo", "-"))
	if m == nil {
		t.Fatal("pdfinfo gives no page size")
	}
	w, _ = strconv.ParseFloat(string(m[1]), 64)
	h, _ = strconv.ParseFloat(string(m[2]), 64)
	return w, h
}

// QR renders page (from 1) of the PDF b as a picture and returns the text
// of the QR code on it, as a phone's camera would read it.
func QR(t testing.TB, b []byte, page int) string {
	t.Helper()
	n := strconv.Itoa(page)
	out := run(t, b, "pdftoppm", "-f", n, "-l", n, "-r", "150", "-png", "-singlefile", "-")
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code is read on page %d: %v", page, err)
	}
	return res.GetText()
}
