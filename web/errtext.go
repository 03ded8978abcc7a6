package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// Errors in the reader's language. The core's errors that a person sees
// carry a code (opname.Error.Code) with arguments, and name the input they
// are about as the API names it (Field). A page says the code's sentence,
// "err."+code in the messages, after the label its form shows for the
// field. The API answers in English unless the caller asks for Dutch
// (Accept-Language: nl), as the recording page's script does.

// fieldLabels name the fields of a form as the core's errors name them,
// each with the label the form shows, in the reader's language. A
// participant's fields are named "participants[2].name"; "participants[2]"
// gives that participant's label ("participants[]" any participant's), or
// "" for none.
type fieldLabels map[string]string

// labelsOf is the labels of a form in language l: pairs of a field and the
// message key of its label.
func labelsOf(l string, pairs ...string) fieldLabels {
	fl := fieldLabels{}
	for i := 0; i+1 < len(pairs); i += 2 {
		fl[pairs[i]] = translate(l, pairs[i+1])
	}
	return fl
}

// localMessage is an error's message for a person, in language l.
func localMessage(l string, err error) string {
	return formMessage(l, err, nil)
}

// participantLabels adds the labels of the participant forms to fl.
func participantLabels(l string, fl fieldLabels) fieldLabels {
	for field, key := range map[string]string{"participants.role": "wf.role", "participants.name": "wf.name", "participants.age": "wf.agefield"} {
		fl[field] = translate(l, key)
	}
	return fl
}

// indexed is a field of one of several, such as participants[2].name.
var indexed = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]\.(.+)$`)

// formMessage is an error's message for a person in language l, with the
// field named as the form's labels name it.
func formMessage(l string, err error, labels fieldLabels) string {
	if msg, ok := throttledMessage(l, err); ok {
		return msg
	}
	var e *opname.Error
	var pe *policy.Error
	switch kind := opname.KindOf(err); {
	case kind == opname.Internal:
		return translate(l, "err.internal")
	case errors.As(err, &e) && e.Code != "":
		msg := sentence(translate(l, "err."+e.Code), e.Args)
		if e.Field == "" {
			return msg
		}
		return labelFor(l, e.Field, labels) + ": " + lowerFirst(msg)
	case errors.As(err, &pe) && e == nil && pe.Code != "":
		return labelFor(l, pe.Field, labels) + ": " + lowerFirst(sentence(translate(l, "err."+pe.Code), []any{pe.Value}))
	case errors.As(err, &pe) && e == nil:
		// The policy engine's own words: about a policy text or a
		// situation, which pages do not send.
		return translate(l, "err.policy") + " " + pe.Error()
	case l == "en":
		return opname.Message(err)
	default:
		return translate(l, "err.kind."+string(kind)) + " " + opname.Message(err)
	}
}

// sentence is format with args. A sentence may leave out arguments the
// English message needs (a list of codes, say), which fmt would append.
func sentence(format string, args []any) string {
	s := fmt.Sprintf(format, args...)
	if i := strings.Index(s, "%!(EXTRA "); i >= 0 {
		s = s[:i]
	}
	return s
}

// labelFor is the label a person knows field by: the form's, else the one
// of the messages (field.name), else the field itself.
func labelFor(l, field string, labels fieldLabels) string {
	if label, ok := labels[field]; ok {
		return formLabel(label)
	}
	if m := indexed.FindStringSubmatch(field); m != nil {
		sub := labelFor(l, m[1]+"."+m[3], labels)
		prefix, ok := labels[m[1]+"["+m[2]+"]"]
		if !ok {
			prefix, ok = labels[m[1]+"[]"]
		}
		if ok && prefix == "" {
			return sub
		}
		if !ok {
			n, _ := strconv.Atoi(m[2])
			prefix = fmt.Sprintf(translate(l, "field."+m[1]+".n"), n+1)
		}
		return prefix + ", " + lowerFirst(sub)
	}
	if _, ok := messages["field."+field]; ok {
		return translate(l, "field."+field)
	}
	return field
}

// formLabel is a form's label without what it adds in brackets ("Naam
// (mag leeg)") and without a question mark.
func formLabel(s string) string {
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, "?:")
}

// lowerFirst puts s after a colon: its first letter in lower case, unless
// it starts a word in capitals ("API").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	next, _ := utf8.DecodeRuneInString(s[n:])
	if !unicode.IsUpper(r) || unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// answerLangKey carries the language an API answer's messages are in.
type answerLangKey struct{}

// answerLang is the language the API answers r in: Dutch when the caller
// asks for it first (Accept-Language: nl), else English.
func answerLang(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(strings.TrimSpace(first), ";")
	if tag := strings.ToLower(first); tag == "nl" || strings.HasPrefix(tag, "nl-") {
		return "nl"
	}
	return "en"
}

// withAnswerLang is ctx with the language of r's API answer, for answers
// made where the request is not at hand (tus hooks).
func withAnswerLang(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, answerLangKey{}, answerLang(r))
}

// apiMessage is err's message in an API answer in language l: the
// English message the core wrote, or a page's sentence in Dutch.
func apiMessage(l string, err error) string {
	if l == "nl" {
		return localMessage(l, err)
	}
	return opname.Message(err)
}

// apiMessageFrom is apiMessage in the language ctx carries.
func apiMessageFrom(ctx context.Context, err error) string {
	l, _ := ctx.Value(answerLangKey{}).(string)
	return apiMessage(l, err)
}

// finding is one problem a policy check found, for a page: where it is, in
// the reader's language, and what it is, in the English of the check (it
// speaks of the policy text's keys and expressions).
type finding struct{ Where, Msg string }

// findingsOf is every finding of a policy check that err carries.
func findingsOf(l string, err error) []finding {
	var pe *policy.Error
	if !errors.As(err, &pe) {
		return nil
	}
	out := make([]finding, len(pe.Findings))
	for i, f := range pe.Findings {
		where := translate(l, "policy.finding.error")
		if f.Severity == policy.SeverityWarning {
			where = translate(l, "policy.finding.warning")
		}
		where += ", " + fmt.Sprintf(translate(l, "policy.finding.line"), f.Line)
		if f.Rule != "" {
			where += ", " + fmt.Sprintf(translate(l, "policy.finding.rule"), f.Rule)
		}
		out[i] = finding{Where: where, Msg: f.Msg}
	}
	return out
}
