package opname

import (
	"errors"
	"fmt"
	"time"

	"github.com/opname/opname/policy"
)

// ErrorKind is the class of an error. The set is closed: the web layer maps
// each kind to an HTTP status and the command line to an exit code.
type ErrorKind string

const (
	Invalid      ErrorKind = "invalid"      // the input is wrong; the message says which field and value
	NotFound     ErrorKind = "not_found"    // no such thing, or the caller may not know it exists
	Conflict     ErrorKind = "conflict"     // the thing exists already, or changed meanwhile
	Unauthorized ErrorKind = "unauthorized" // the caller is not signed in
	Forbidden    ErrorKind = "forbidden"    // signed in, but not allowed to do this
	TooMany      ErrorKind = "too_many"     // too many attempts, or a limit on what may be under way at once; the message says which
	Internal     ErrorKind = "internal"     // anything else: logged in full, shown as "internal error"
)

// Error is opname's one error type. Op says where it happened
// ("org.create"); Msg is written for the person who made the request and
// never contains driver text or secrets.
//
// Msg is English, for the API and the logs. A page says the error in its
// reader's language from Code, Args and Field: Code names the problem (the
// web keeps a sentence for it in Dutch and English, whose verbs take Args),
// and Field names the input it is about, as the API names it, which a page
// replaces with the label its form shows.
type Error struct {
	Kind ErrorKind
	Op   string
	Msg  string
	Err  error
	// RetryAfter, for TooMany, is how long to wait before trying again;
	// zero when waiting alone will not help.
	RetryAfter time.Duration
	// Field is the input the error is about ("description",
	// "participants[2].age"), or empty.
	Field string
	// Code names the problem for a translation ("text.too_long"), with
	// Args for its verbs; empty for an error no person sees in a page.
	Code string
	Args []any
}

func (e *Error) Error() string {
	switch {
	case e.Op != "" && e.Err != nil:
		return fmt.Sprintf("%s: %s: %v", e.Op, e.Msg, e.Err)
	case e.Op != "":
		return fmt.Sprintf("%s: %s", e.Op, e.Msg)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Msg, e.Err)
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind with a formatted message for people.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Coded returns an *Error of kind whose message is format with args, and
// whose Code and Args let a page say it in its reader's language.
func Coded(kind ErrorKind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Args: args, Msg: fmt.Sprintf(format, args...)}
}

// Invalidf returns an Invalid error about field: its message is "field: "
// and format with args; code and args say it in another language.
func Invalidf(field, code, format string, args ...any) *Error {
	e := Coded(Invalid, code, format, args...)
	e.Field, e.Msg = field, field+": "+e.Msg
	return e
}

// KindOf classifies err. An invalid situation or policy text from the policy
// engine is Invalid; an error opname did not classify is Internal.
func KindOf(err error) ErrorKind {
	var e *Error
	var pe *policy.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Kind
	case errors.As(err, &pe):
		return Invalid
	}
	return Internal
}

// Message is what a person may be shown about err: the message of a
// classified error, and only "internal error" for anything else.
func Message(err error) string {
	var e *Error
	var pe *policy.Error
	switch {
	case errors.As(err, &e) && e.Kind != Internal:
		return e.Msg
	case errors.As(err, &pe):
		return pe.Error()
	}
	return "internal error"
}
