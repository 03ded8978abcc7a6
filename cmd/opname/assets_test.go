package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPagesLinkDesignSystem checks that the program as `go build` makes it
// serves its pages with the NL Design System stylesheets linked, and
// serves those stylesheets.
func TestPagesLinkDesignSystem(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	resp, err := http.Get(s.URL + "/aanmelden")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, css := range []string{"/assets/vendor/design-tokens.css", "/assets/vendor/component-library.css"} {
		if !strings.Contains(string(page), `<link rel="stylesheet" href="`+css+`">`) {
			t.Errorf("the sign-in page does not link %s", css)
		}
		resp, err := http.Get(s.URL + css)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || len(body) < 1000 {
			t.Errorf("GET %s = %d %s, %d bytes", css, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
}

// TestBundlesServed checks that the browser libraries `make assets`
// bundles are embedded and served as JavaScript, with their licences.
func TestBundlesServed(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	for js, licence := range map[string]string{
		"/assets/vendor/tus.js":     "tus-js-client",
		"/assets/vendor/sha256.js":  "hash-wasm",
		"/assets/vendor/ed25519.js": "@noble/ed25519",
	} {
		resp, err := http.Get(s.URL + js)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.HasPrefix(string(body), "/*!") || !strings.Contains(string(body), licence) {
			t.Errorf("GET %s = %d %s, %d bytes; want JavaScript that begins with the licence of %s", js, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), licence)
		}
	}
}
