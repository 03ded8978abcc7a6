package policy

import "strings"

// Fill puts value in place of every placeholder in t so that, where the
// two meet, a sentence ends once: a value that ends a sentence itself
// takes the place of the full stop after the placeholder ("{reason}." with
// "Er is gevaar." gives one full stop, "Is het veilig?" keeps its question
// mark), and a value's closing full stop goes before a semicolon or a
// comma ("a.; b" becomes "a; b"). Text people typed often ends in a full
// stop; the sentences it is put into have their own.
func Fill(t, placeholder, value string) string {
	if placeholder == "" {
		return t
	}
	value = strings.TrimSpace(value)
	var b strings.Builder
	for {
		i := strings.Index(t, placeholder)
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		t = t[i+len(placeholder):]
		v := value
		switch {
		case strings.HasPrefix(t, ".") && !strings.HasPrefix(t, "..") && endsSentence(v):
			t = t[1:]
		case (strings.HasPrefix(t, ";") || strings.HasPrefix(t, ",") || strings.HasPrefix(t, ":")) && strings.HasSuffix(v, ".") && !strings.HasSuffix(v, ".."):
			v = strings.TrimSuffix(v, ".")
		}
		b.WriteString(v)
	}
}

// Clause is s to go before a semicolon or a comma: without the full stop
// that ends it (but with an ellipsis).
func Clause(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "..") {
		return s
	}
	return strings.TrimSuffix(s, ".")
}

// endsSentence reports whether s ends with a full stop, a question mark or
// an exclamation mark.
func endsSentence(s string) bool {
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "…")
}
