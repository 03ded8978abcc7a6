package policy

import "testing"

// TestVocabulariesFitCodeSets checks that every vocabulary a decision
// combines as a codeSet has at most 64 codes, one bit each.
func TestVocabulariesFitCodeSets(t *testing.T) {
	for name, v := range map[string]Vocabulary{"Obligations": Obligations, "Agreements": Agreements, "Alternatives": Alternatives, "Enforcement": Enforcement, "Advice": Advice, "Parties": Parties} {
		if len(v) > 64 {
			t.Errorf("%s has %d codes; a codeSet holds 64", name, len(v))
		}
	}
}
