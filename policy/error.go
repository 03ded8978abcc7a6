package policy

import (
	"fmt"
	"strings"
)

// Error reports invalid input to the engine: a situation field or a place in
// a policy text. Every error the engine returns for bad input is an *Error;
// anything else is a fault of the caller's reader.
type Error struct {
	// Field is a situation field as a JSON path ("participants[1].age"), or a
	// position in a policy text ("blijf.yaml:12").
	Field string
	// Value is the offending value as text, if there is one.
	Value string
	// Msg says what is wrong, for a person, in English.
	Msg string
	// Code names what is wrong, for a caller that says it in another
	// language ("situation.missing", "situation.choice"), or is empty.
	Code string
	// Findings holds every problem when a policy text has several.
	Findings []Finding
}

// Error reads "field: message (got "value")".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Value != "" {
		fmt.Fprintf(&b, " (got %q)", e.Value)
	}
	return b.String()
}

func invalid(field, value, format string, args ...any) *Error {
	return &Error{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)}
}
