package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
)

// seedsDir is where the source documents stand beside the repository.
const seedsDir = "../../shared/seeds"

// TestCatalogueMatchesSeeds checks every ref of the source catalogue against
// the document itself: its anchor phrase must stand in the text. In CI the
// documents must be there; elsewhere the test skips without them.
func TestCatalogueMatchesSeeds(t *testing.T) {
	if _, err := os.Stat(seedsDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the source documents are missing in CI: %v", err)
		}
		t.Skipf("no source documents at %s", seedsDir)
	}
	lib := shipped(t)
	files, err := filepath.Glob(filepath.Join(seedsDir, "0*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	catalogue := lib.Catalogue()
	if got, want := len(catalogue), len(files); got != want {
		t.Errorf("catalogue has %d documents, %s has %d", got, seedsDir, want)
	}
	for _, src := range catalogue {
		data, err := os.ReadFile(filepath.Join(seedsDir, src.File))
		if err != nil {
			t.Errorf("catalogue names %s: %v", src.File, err)
			continue
		}
		text := fold(string(data))
		for i, ref := range src.Refs {
			if !strings.Contains(text, fold(src.Anchors[i])) {
				t.Errorf("%s %q: anchor %q does not stand in the document", src.File, ref, src.Anchors[i])
			}
		}
	}
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestEverySourceRuleIsCovered checks that every numbered rule, tip or
// bullet of each source document maps to a rule, a guidance entry or a
// restatement in the shipped policy that implements that document.
func TestEverySourceRuleIsCovered(t *testing.T) {
	lib := shipped(t)
	implements := map[string]string{
		"000_a66e2caac0d54833.txt": "ombudsman",
		"001_d4ead95aa72dcf77.txt": "maatschappelijke-opvang",
		"002_45caaca9808a5e26.txt": "veilig-thuis-utrecht",
		"003_c867d5ec13b88c91.txt": "axiehuis",
		"004_808ec1688c262fb4.txt": "blijf-groep",
	}
	for _, src := range lib.Catalogue() {
		name, ok := implements[src.File]
		if !ok {
			t.Errorf("no shipped policy implements %s", src.File)
			continue
		}
		covered := map[string]bool{}
		p := load(t, lib, name)
		for _, c := range citations(p) {
			if c.Source == src.File {
				covered[c.Ref] = true
			}
		}
		for _, ref := range src.Refs {
			if !covered[ref] {
				t.Errorf("%s: %s %q is neither a rule, guidance nor a restatement", name, src.File, ref)
			}
		}
	}
}

// citations lists everything a policy cites.
func citations(p *policy.Policy) []policy.Citation {
	var out []policy.Citation
	for _, r := range p.Rules {
		out = append(out, r.Citation)
		out = append(out, r.SeeAlso...)
	}
	for _, g := range p.Guidance {
		out = append(out, g.Citation)
		out = append(out, g.SeeAlso...)
	}
	for _, r := range p.Restates {
		out = append(out, r.Citation)
	}
	return out
}

// TestShippedPoliciesLintClean runs the linter on every shipped policy.
func TestShippedPoliciesLintClean(t *testing.T) {
	lib := shipped(t)
	for _, name := range lib.Names() {
		text, err := os.ReadFile(filepath.Join("shipped", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range lib.Lint(name+".yaml", text) {
			t.Errorf("%s", f)
		}
	}
}

// TestSourceTitlesAndAddresses checks that the library gives every source
// document a title for people, and a web address only where a source
// document itself names it: no address is made up.
func TestSourceTitlesAndAddresses(t *testing.T) {
	lib := shipped(t)
	src, ok := lib.Source("000_a66e2caac0d54833.txt")
	if !ok {
		t.Fatal("Source(000_a66e2caac0d54833.txt): not found")
	}
	if !strings.HasPrefix(src.Title, "Nationale Ombudsman") {
		t.Errorf("title = %q, want the Ombudsman's", src.Title)
	}
	if want := "https://www.nationaleombudsman.nl/nieuws/nieuwsbericht/2020/koffie-thee-geluidsopname-nationale-ombudsman-geeft-aanvullende-tips-aan"; src.URL != want {
		t.Errorf("url = %q, want %q", src.URL, want)
	}
	if _, ok := lib.Source("999_unknown.txt"); ok {
		t.Error("Source of an unknown file: found")
	}
	var seeds string
	if files, _ := filepath.Glob(filepath.Join(seedsDir, "0*.txt")); len(files) > 0 {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			seeds += string(data)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatalf("the source documents are missing in CI")
	}
	for _, s := range lib.Catalogue() {
		if s.Title == "" {
			t.Errorf("%s has no title", s.File)
		}
		if s.URL == "" {
			continue
		}
		if !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("%s: url %q is not https", s.File, s.URL)
		}
		if seeds != "" && !strings.Contains(seeds, s.URL) {
			t.Errorf("%s: url %q stands in no source document", s.File, s.URL)
		}
	}
}
