package policy_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
)

// TestLint lints each policy under testdata/lint and compares the findings
// with NAME.want (rewritten with -update).
func TestLint(t *testing.T) {
	lib := shipped(t)
	files, err := filepath.Glob(filepath.Join("testdata", "lint", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for _, f := range lib.Lint(filepath.Base(file), text) {
				fmt.Fprintln(&got, f)
			}
			want := strings.TrimSuffix(file, ".yaml") + ".want"
			if *update {
				if err := os.WriteFile(want, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test ./policy -update to create it)", err)
			}
			if got.String() != string(data) {
				t.Errorf("findings differ from %s:\n--- got\n%s--- want\n%s", want, got.String(), data)
			}
		})
	}
}

// TestLintUndecidedNeedsEveryRule checks that the linter does not claim
// that no rule decides a situation while some rule failed to compile: the
// broken rule might decide it. The same policy without the broken rule does
// get the warning, so the test can fail.
func TestLintUndecidedNeedsEveryRule(t *testing.T) {
	lib := shipped(t)
	text, err := os.ReadFile(filepath.Join("testdata", "lint", "undecided.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	undecided := func(findings []policy.Finding) bool {
		return slices.ContainsFunc(findings, func(f policy.Finding) bool { return strings.Contains(f.Msg, "no rule decides") })
	}
	if !undecided(lib.Lint("undecided.yaml", text)) {
		t.Fatal("undecided.yaml: no 'no rule decides' warning; the test needs a policy that gets one")
	}
	broken := append(slices.Clone(text), `
  - id: eb-2
    source: huisregels.pdf
    ref: regel 1
    text: x
    when: action ==
    outcome: forbidden
    explain: {nl: a, en: b}
`...)
	findings := lib.Lint("undecided.yaml", broken)
	if len(findings) == 0 || findings[0].Severity != policy.SeverityError || findings[0].Rule != "eb-2" {
		t.Fatalf("findings = %v, want the error in rule eb-2 first", findings)
	}
	if undecided(findings) {
		t.Errorf("findings = %v, want no 'no rule decides' while rule eb-2 does not compile", findings)
	}
}

// TestParseReportsFirstFinding checks that a broken policy cannot be used
// and that the error points at the file and line.
func TestParseReportsFirstFinding(t *testing.T) {
	lib := shipped(t)
	text, err := os.ReadFile(filepath.Join("testdata", "lint", "expressions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Parse("expressions.yaml", text)
	var pe *policy.Error
	if p != nil || !errors.As(err, &pe) {
		t.Fatalf("Parse = %v, %v; want nil and a *policy.Error", p, err)
	}
	if got, want := pe.Field, "expressions.yaml:13"; got != want {
		t.Errorf("field = %q, want %q", got, want)
	}
	if len(pe.Findings) != 4 {
		t.Errorf("findings = %d, want 4: %v", len(pe.Findings), pe.Findings)
	}
}

func TestUnknownPolicy(t *testing.T) {
	lib := shipped(t)
	for _, name := range []string{"veilig-thuis", "../shipped/ombudsman", "sources", ""} {
		_, err := lib.Policy(name)
		var pe *policy.Error
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "no such policy") {
			t.Errorf("Policy(%q) = %v, want a 'no such policy' error", name, err)
		}
	}
}

func TestExtendsUnknownOrCircular(t *testing.T) {
	lib := shipped(t)
	_, err := lib.Parse("x.yaml", []byte("name: x\nextends: nope\n"))
	if err == nil || !strings.Contains(err.Error(), "no such policy") {
		t.Errorf("extends nope: err = %v", err)
	}
}

// TestDigestCoversBase checks that a policy's digest changes with the
// policy it extends, so a decision names the exact rules it was made under.
func TestDigestCoversBase(t *testing.T) {
	lib := shipped(t)
	text, err := os.ReadFile(filepath.Join("testdata", "lint", "clean.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := lib.Parse("clean.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	b, err := lib.Parse("clean.yaml", bytes.Replace(text, []byte("extends: ombudsman"), []byte("extends: blijf-groep"), 1))
	if err != nil {
		t.Fatal(err)
	}
	c, err := lib.Parse("other-name.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest == b.Digest {
		t.Errorf("digest is the same for different bases")
	}
	if a.Digest != c.Digest {
		t.Errorf("digest depends on the file name, not only the text")
	}
}

// FuzzParsePolicy feeds arbitrary text to the policy compiler: it returns a
// policy or an error, and never panics.
func FuzzParsePolicy(f *testing.F) {
	for _, name := range []string{"ombudsman", "veilig-thuis-utrecht"} {
		text, err := os.ReadFile(filepath.Join("shipped", name+".yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "lint", "*.yaml"))
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text)
	}
	lib, err := policy.Shipped()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := lib.Parse("fuzz.yaml", text)
		if err == nil {
			if p == nil {
				t.Fatal("no policy and no error")
			}
			return
		}
		var pe *policy.Error
		if !errors.As(err, &pe) {
			t.Fatalf("err = %T %v, want a *policy.Error", err, err)
		}
	})
}

// TestPolicySettings checks the policy-wide settings: a policy that
// extends another inherits them, states its own, and an unknown value is
// a finding that names the key and the value.
func TestPolicySettings(t *testing.T) {
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	blijf, err := lib.Policy("blijf-groep")
	if err != nil {
		t.Fatal(err)
	}
	if blijf.OrganisationConsent != policy.OrganisationConsentManager || blijf.Representation != policy.RepresentationWGBO {
		t.Errorf("blijf-groep: organisation_consent %q, representation %q", blijf.OrganisationConsent, blijf.Representation)
	}
	head := "name: eigen\nversion: \"1\"\ntitle: {nl: Eigen, en: Own}\nextends: blijf-groep\n"
	own, err := lib.Parse("eigen.yaml", []byte(head))
	if err != nil {
		t.Fatal(err)
	}
	if own.OrganisationConsent != policy.OrganisationConsentManager {
		t.Errorf("a policy extending blijf-groep has organisation_consent %q", own.OrganisationConsent)
	}
	_, err = lib.Parse("eigen.yaml", []byte(head+"organisation_consent: director\nrepresentation: family\n"))
	var pe *policy.Error
	if !errors.As(err, &pe) {
		t.Fatalf("unknown settings: %v", err)
	}
	var said []string
	for _, f := range pe.Findings {
		said = append(said, fmt.Sprintf("%d: %s", f.Line, f.Msg))
	}
	for _, want := range []string{`5: organisation_consent "director" is not known; the only one is "manager"`, `6: representation "family" is not known; the only one is "wgbo"`} {
		if !slices.Contains(said, want) {
			t.Errorf("unknown settings: %q; want %q", said, want)
		}
	}
}
