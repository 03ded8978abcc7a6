package web

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestStylesEmbedded checks that the binary carries every stylesheet a
// page links, the NL Design System ones included, so that a plain
// `go build` serves pages with their design.
func TestStylesEmbedded(t *testing.T) {
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStyles(assets); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vendor/design-tokens.css", "vendor/component-library.css"} {
		found := false
		for _, f := range styles() {
			found = found || f == want
		}
		if !found {
			t.Errorf("styles() = %v, lacks %s", styles(), want)
		}
	}
}

// TestMissingStylesheet checks that a missing or empty stylesheet or
// bundle is an error at start, not a page without its design or scripts.
func TestMissingStylesheet(t *testing.T) {
	full := fstest.MapFS{}
	all := append(append([]string{}, styleFiles...), bundleFiles...)
	for _, f := range all {
		full[f] = &fstest.MapFile{Data: []byte("body{}")}
	}
	if err := checkStyles(full); err != nil {
		t.Fatalf("all stylesheets and bundles present: %v", err)
	}
	for _, f := range all {
		missing, empty := fstest.MapFS{}, fstest.MapFS{}
		for g, file := range full {
			empty[g] = file
			if g != f {
				missing[g] = file
			}
		}
		empty[f] = &fstest.MapFile{}
		for name, fsys := range map[string]fs.FS{"missing": missing, "empty": empty} {
			err := checkStyles(fsys)
			if err == nil || !strings.Contains(err.Error(), f) {
				t.Errorf("%s %s: err = %v, want one naming it", name, f, err)
			}
		}
	}
}
