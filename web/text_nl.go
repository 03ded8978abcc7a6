package web

import (
	"fmt"
	"regexp"
)

// textProblem matches the messages of opname.TextRule, so that a page in
// Dutch says them in Dutch.
var textProblem = regexp.MustCompile(`^([^:]+): (?:(not valid UTF-8 text)|contains a control character \((U\+[0-9A-F]+) at character (\d+)\)|longer than (\d+) characters \(it has (\d+)\))$`)

// dutchTextProblem is msg in Dutch when it is a problem with free text.
func dutchTextProblem(msg string) (string, bool) {
	m := textProblem.FindStringSubmatch(msg)
	switch {
	case m == nil:
		return "", false
	case m[2] != "":
		return fmt.Sprintf("%s: deze tekst bevat tekens die geen gewone tekst zijn.", m[1]), true
	case m[3] != "":
		return fmt.Sprintf("%s: teken %s is een onzichtbaar stuurteken (%s). Haal het weg.", m[1], m[4], m[3]), true
	}
	return fmt.Sprintf("%s: de tekst mag ten hoogste %s tekens hebben; dit zijn er %s.", m[1], m[5], m[6]), true
}
