package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/opname/opname"
)

// status maps an error kind to its HTTP status.
var status = map[opname.ErrorKind]int{
	opname.Invalid:      http.StatusBadRequest,
	opname.NotFound:     http.StatusNotFound,
	opname.Conflict:     http.StatusConflict,
	opname.Unauthorized: http.StatusUnauthorized,
	opname.Forbidden:    http.StatusForbidden,
	opname.TooMany:      http.StatusTooManyRequests,
	opname.Internal:     http.StatusInternalServerError,
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Error struct {
		Kind      opname.ErrorKind `json:"kind"`
		Message   string           `json:"message"`
		RequestID string           `json:"request_id"`
	} `json:"error"`
}

// Error answers a request with err: JSON for the API and clients that ask
// for it, a page otherwise. An internal error is logged in full and shown
// only as "internal error" with the request id.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	kind := opname.KindOf(err)
	code := status[kind]
	id := requestID(r.Context())
	if after := retryAfter(err); after != "" {
		w.Header().Set("Retry-After", after)
	}
	if kind == opname.Internal {
		s.Logger.ErrorContext(r.Context(), "internal error", "request_id", id, "route", r.Pattern, "err", err.Error())
	}
	msg := apiMessage(answerLang(r), err)
	setRetryAfter(w, err)
	if wantsHTML(r) {
		s.errorPage(w, r, code, localMessage(lang(r), err))
		return
	}
	var body apiError
	body.Error.Kind, body.Error.Message, body.Error.RequestID = kind, msg, id
	writeJSON(w, code, body)
}

func wantsHTML(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body into v: one object, no unknown fields, at most
// maxBody bytes. Its errors name the field.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("send JSON (Content-Type: application/json), not %s", ct)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return bodyError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if field := nulIn(data); field != "" {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s: contains a control character (U+0000)", field)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &opname.Error{Kind: opname.Invalid, Msg: "body: only one JSON object may be sent"}
	}
	return nil
}

func bodyError(err error) error {
	var maxErr *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("body: larger than %d bytes", maxBody)}
	case errors.As(err, &syn):
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("body: malformed JSON at byte %d", syn.Offset)}
	case errors.As(err, &typ):
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s: wrong type, expected %s", typ.Field, typ.Type)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &opname.Error{Kind: opname.Invalid, Msg: "body: empty or cut short; send a JSON object"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s: unknown field", strings.Trim(name, `"`))}
	}
	return &opname.Error{Kind: opname.Invalid, Msg: "body: not a JSON object"}
}

// retryAfter is the Retry-After header for err, in whole seconds, or "".
func retryAfter(err error) string {
	var e *opname.Error
	if !errors.As(err, &e) || e.RetryAfter <= 0 {
		return ""
	}
	return strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))
}
