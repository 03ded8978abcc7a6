package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden decision files")

type testCase struct {
	Name      string         `yaml:"name"`
	Want      policy.Outcome `yaml:"want"`
	Situation map[string]any `yaml:"situation"`
}

func shipped(t testing.TB) *policy.Library {
	t.Helper()
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func load(t testing.TB, lib *policy.Library, name string) *policy.Policy {
	t.Helper()
	p, err := lib.Policy(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return p
}

// TestShippedDecisions decides every case of every shipped policy, compares
// the decision with its golden file, and checks that every rule of the
// policy applies in at least one case and does not apply in another.
func TestShippedDecisions(t *testing.T) {
	lib := shipped(t)
	for _, name := range lib.Names() {
		t.Run(name, func(t *testing.T) {
			p := load(t, lib, name)
			data, err := os.ReadFile(filepath.Join("testdata", "cases", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var cases []testCase
			if err := yaml.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			applied := map[string]int{}
			for _, tc := range cases {
				t.Run(tc.Name, func(t *testing.T) {
					js, err := json.Marshal(tc.Situation)
					if err != nil {
						t.Fatal(err)
					}
					s, err := policy.ParseSituation(bytes.NewReader(js))
					if err != nil {
						t.Fatalf("situation: %v", err)
					}
					d, err := p.Decide(s)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := d.Outcome, tc.Want; got != want {
						t.Errorf("outcome = %s, want %s\nexplanation: %s", got, want, d.Explanation.NL)
					}
					for _, r := range d.Rules {
						applied[r.ID]++
					}
					golden(t, filepath.Join("testdata", "golden", name, tc.Name+".json"), d)
				})
			}
			for _, r := range p.Rules {
				switch n := applied[r.ID]; {
				case n == 0:
					t.Errorf("rule %s applies in none of the cases: add a case where it does", r.ID)
				case n == len(cases):
					t.Errorf("rule %s applies in every case: add a case where it does not", r.ID)
				}
			}
		})
	}
}

func golden(t *testing.T, path string, d policy.Decision) {
	t.Helper()
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./policy -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decision differs from %s (run go test ./policy -update and review the diff):\n%s", path, got)
	}
}

// TestDecisionInvariants decides many random situations under every
// shipped policy and checks what the contract promises of every decision.
func TestDecisionInvariants(t *testing.T) {
	lib := shipped(t)
	catalogue := lib.Catalogue()
	rng := rand.New(rand.NewPCG(42, 1))
	for _, name := range lib.Names() {
		p := load(t, lib, name)
		for range 3000 {
			s := policy.RandomSituation(rng)
			d, err := p.Decide(s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			fail := func(format string, args ...any) {
				t.Helper()
				js, _ := json.Marshal(s)
				t.Fatalf("%s: %s\nsituation: %s\ndecision: %+v", name, fmt.Sprintf(format, args...), js, d)
			}
			if d.Outcome.Strength() == 0 {
				fail("outcome %q", d.Outcome)
			}
			if len(d.Rules) == 0 {
				fail("no rule applied: every shipped policy decides every situation")
			}
			if (d.DecidedBy != "") != (d.Outcome == policy.NeedsDecision) {
				fail("decided_by %q with outcome %s", d.DecidedBy, d.Outcome)
			}
			if len(d.ConsentFrom) > 0 && d.Outcome != policy.NeedsConsent && d.Outcome != policy.NeedsDecision {
				fail("consent_from %v with outcome %s", d.ConsentFrom, d.Outcome)
			}
			if d.Outcome == policy.NeedsConsent && len(d.ConsentFrom) == 0 {
				fail("needs_consent from no one")
			}
			if len(d.RefusedBy) > 0 && d.Outcome != policy.Refused && d.Outcome != policy.Forbidden {
				fail("refused_by %v with outcome %s", d.RefusedBy, d.Outcome)
			}
			if len(d.Alternatives) > 0 && d.Outcome != policy.Refused && d.Outcome != policy.Forbidden {
				fail("alternatives %v with outcome %s", d.Alternatives, d.Outcome)
			}
			for _, who := range d.ConsentFrom {
				if consentGiven(s, who) {
					fail("asks %s again, whose consent is given", who)
				}
			}
			for _, r := range d.Rules {
				if !cited(catalogue, r.Source, r.Ref) {
					fail("rule %s cites %s %q, which is not in the catalogue", r.ID, r.Source, r.Ref)
				}
			}
			if d.Explanation.NL == "" || d.Explanation.EN == "" {
				fail("explanation missing")
			}
			if d.Policy.Name != name || !strings.HasPrefix(d.Policy.Digest, "sha256:") || len(d.Policy.Digest) != 71 {
				fail("policy ref %+v", d.Policy)
			}
		}
	}
}

// consentGiven reports whether everyone present of party gave consent;
// a party nobody present belongs to (a representative who is not in the
// conversation) has not.
func consentGiven(s policy.Situation, party string) bool {
	if party == "organisation" {
		return s.OrganisationConsent == "given"
	}
	present := false
	for _, p := range s.Participants {
		if p.Role == party {
			present = true
			if p.Consent != "given" {
				return false
			}
		}
	}
	return present
}

func cited(catalogue []policy.Source, file, ref string) bool {
	for _, s := range catalogue {
		if s.File == file {
			return slices.Contains(s.Refs, ref)
		}
	}
	return false
}

// TestAvoidsToestemming checks the Ombudsman's tip: Dutch text about a
// client's own audio recording does not use the word "toestemming" unless a
// rule that really needs consent applied, and then says so plainly.
func TestAvoidsToestemming(t *testing.T) {
	lib := shipped(t)
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[bool]int{}
	for _, name := range lib.Names() {
		p := load(t, lib, name)
		consentRules := map[string]bool{}
		for _, r := range p.Rules {
			consentRules[r.ID] = r.Outcome == policy.NeedsConsent
		}
		for range 5000 {
			s := policy.RandomSituation(rng)
			s.Action, s.Medium, s.By = "record", "audio", "client"
			d, err := p.Decide(s)
			if err != nil {
				t.Fatal(err)
			}
			needsConsent := slices.ContainsFunc(d.Rules, func(r policy.RuleRef) bool { return consentRules[r.ID] })
			says := strings.Contains(strings.ToLower(d.Explanation.NL), "toestemming")
			seen[needsConsent]++
			switch {
			case !needsConsent && says:
				t.Fatalf("%s: the explanation of a client's own audio recording says 'toestemming' though no rule asks consent: %s", name, d.Explanation.NL)
			case d.Outcome == policy.NeedsConsent && !says:
				t.Fatalf("%s: consent is needed but the explanation does not say so: %s", name, d.Explanation.NL)
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("the sample did not cover both kinds of situation: %v", seen)
	}
}
