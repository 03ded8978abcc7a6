package opname_test

import (
	"strings"
	"testing"

	"github.com/opname/opname"
)

func TestTextRule(t *testing.T) {
	for _, c := range []struct {
		rule  opname.TextRule
		value string
		want  string // "" when the value is accepted
	}{
		{opname.Line, "", ""},
		{opname.Line, "Anna-Lena Öztürk (moeder)", ""},
		{opname.Line, "李小龙 🙂", ""},
		{opname.Line, "a\x00b", "f: contains a control character (U+0000 at character 2)"},
		{opname.Line, "a\nb", "f: contains a control character (U+000A at character 2)"},
		{opname.Line, "a\u0085b", "f: contains a control character (U+0085 at character 2)"},
		{opname.Line, "\x1b[2J", "f: contains a control character (U+001B at character 1)"},
		{opname.Line, "Ren\xe9", "f: not valid UTF-8 text"},
		{opname.Line, strings.Repeat("ë", 200), ""},
		{opname.Line, strings.Repeat("ë", 201), "f: longer than 200 characters (it has 201)"},
		{opname.Line.Chars(3), "abcd", "f: longer than 3 characters (it has 4)"},
		{opname.Paragraphs, "Eerst.\r\nDan\tdit.", ""},
		{opname.Paragraphs, "Eerst.\x00", "f: contains a control character (U+0000 at character 7)"},
		{opname.Paragraphs, "\x7f", "f: contains a control character (U+007F at character 1)"},
	} {
		err := c.rule.Check("f", c.value)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", c.value, err)
		case c.want != "" && (opname.KindOf(err) != opname.Invalid || opname.Message(err) != c.want):
			t.Errorf("Check(%q) = %v, want Invalid %q", c.value, err, c.want)
		}
	}
}
