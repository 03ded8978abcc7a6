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
type Error struct {
	Kind ErrorKind
	Op   string
	Msg  string
	Err  error
	// RetryAfter, for TooMany, is how long to wait before trying again;
	// zero when waiting alone will not help.
	RetryAfter time.Duration
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
