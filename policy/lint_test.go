package policy_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
