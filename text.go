package opname

import (
	"unicode"
	"unicode/utf8"
)

// TextRule is what a free-text field taken from outside may hold: names,
// references, reasons, statements, descriptions. Text that breaks it is
// refused before it is stored, so no NUL, broken UTF-8 or terminal escape
// reaches the database, the access log, a PDF or a page.
type TextRule struct {
	// Max is the most characters (not bytes) the field may have.
	Max int
	// Lines allows line breaks and tabs; any other control character is
	// refused.
	Lines bool
}

var (
	// Line is a short one-line text: a name, a reference, an answer.
	Line = TextRule{Max: 200}
	// Paragraphs is a longer text that may have line breaks: a reason, a
	// statement, a description.
	Paragraphs = TextRule{Max: 5000, Lines: true}
)

// Check returns an Invalid error naming field when value breaks the rule.
// Callers trim the value first where spaces around it do not count.
func (t TextRule) Check(field, value string) error {
	if !utf8.ValidString(value) {
		return Invalidf(field, "text.utf8", "not valid UTF-8 text")
	}
	n := 0
	for _, r := range value {
		n++
		if unicode.IsControl(r) && !(t.Lines && (r == '\n' || r == '\r' || r == '\t')) {
			return Invalidf(field, "text.control", "contains a control character (%U at character %d)", r, n)
		}
	}
	if n > t.Max {
		return Invalidf(field, "text.too_long", "longer than %d characters (it has %d)", t.Max, n)
	}
	return nil
}

// Chars is the same rule with another maximum length.
func (t TextRule) Chars(max int) TextRule {
	t.Max = max
	return t
}
