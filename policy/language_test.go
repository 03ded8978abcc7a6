package policy_test

import (
	"testing"

	"github.com/opname/opname/policy"
)

// TestEnglishSentenceForSentence checks that the English of every
// explanation, guidance text and code-word label follows the Dutch sentence
// for sentence, so that neither language says more than the other.
func TestEnglishSentenceForSentence(t *testing.T) {
	check := func(where string, text policy.Text) {
		t.Helper()
		if nl, en := len(sentences(text.NL)), len(sentences(text.EN)); nl != en {
			t.Errorf("%s: %d Dutch sentences, %d English:\n  nl: %s\n  en: %s", where, nl, en, text.NL, text.EN)
		}
	}
	lib := shipped(t)
	for _, name := range lib.Names() {
		p := load(t, lib, name)
		for _, r := range p.Rules {
			check(name+" rule "+r.ID, r.Explain)
		}
		for _, g := range p.Guidance {
			check(name+" guidance "+g.Ref, g.Explain)
		}
	}
	for kind, v := range map[string]policy.Vocabulary{
		"obligation": policy.Obligations, "agreement": policy.Agreements, "alternative": policy.Alternatives,
		"enforcement": policy.Enforcement, "advice": policy.Advice,
	} {
		for _, code := range v.Codes() {
			check(kind+" "+code, policy.Text{NL: v.Label(code, "nl"), EN: v.Label(code, "en")})
		}
	}
}
