package web

import (
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestDutchTextProblem checks that every problem opname.TextRule reports
// has its Dutch sentence on a Dutch page.
func TestDutchTextProblem(t *testing.T) {
	for value, want := range map[string]string{
		"a\x00b":                 "naam: teken 2 is een onzichtbaar stuurteken (U+0000). Haal het weg.",
		"Ren\xe9":                "naam: deze tekst bevat tekens die geen gewone tekst zijn.",
		strings.Repeat("x", 201): "naam: de tekst mag ten hoogste 200 tekens hebben; dit zijn er 201.",
	} {
		err := opname.Line.Check("naam", value)
		if got := localMessage("nl", err); got != want {
			t.Errorf("localMessage(nl, %v) = %q, want %q", err, got, want)
		}
		if got := localMessage("en", err); got != opname.Message(err) {
			t.Errorf("localMessage(en, %v) = %q", err, got)
		}
	}
}
