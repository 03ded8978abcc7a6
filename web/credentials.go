package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/opname/opname"
)

// A person's credentials: what a password change or reset ended, and an
// administrator lifting the sign-in throttle.

// sessionSecret is the secret of the browser session a request was
// authenticated with, or "" for a request with an API token.
func (s *Server) sessionSecret(r *http.Request) string {
	if _, ok := r.Context().Value(sessionKey{}).(*opname.Session); !ok {
		return ""
	}
	c, err := r.Cookie(s.SessionCookie())
	if err != nil {
		return ""
	}
	return c.Value
}

func (s *Server) apiSetPassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	ended, err := s.Store.SetPassword(r.Context(), s.sessionSecret(r), req.Password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"other_sessions_ended": ended.Sessions, "tokens_revoked": ended.Tokens})
}

func (s *Server) apiUnlock(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Unlock(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) unlockForm(w http.ResponseWriter, r *http.Request) {
	u, ok := s.managedPerson(w, r)
	if !ok {
		return
	}
	if err := s.Store.Unlock(r.Context(), u.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	s.peopleDone(w, r, fmt.Sprintf(translate(lang(r), "people.unlocked"), u.Name), "")
}

// managedPerson is the person an administrator's action on the people page
// is about.
func (s *Server) managedPerson(w http.ResponseWriter, r *http.Request) (*opname.User, bool) {
	u, err := s.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	return u, true
}

// peopleDone shows the people page after an action that worked, with what
// it did and a secret to hand over, if any.
func (s *Server) peopleDone(w http.ResponseWriter, r *http.Request, msg, secret string) {
	people, err := s.Store.Users(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "people", &page{People: people, Message: msg, MessageOK: true, Secret: secret})
}

// endedMessage tells an administrator what a reset of name ended.
func endedMessage(l, name string, ended opname.Ended) string {
	return fmt.Sprintf(translate(l, "people.link.ended"), name, ended.Sessions, ended.Tokens)
}

// setRetryAfter tells the client when it may try again after a TooMany
// answer.
func setRetryAfter(w http.ResponseWriter, err error) {
	var e *opname.Error
	if errors.As(err, &e) && e.Kind == opname.TooMany && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
}

// throttledMessage is a TooMany answer to a sign-in, in language l.
func throttledMessage(l string, err error) (string, bool) {
	var e *opname.Error
	if !errors.As(err, &e) || e.Code != "auth.throttled" || e.RetryAfter <= 0 {
		return "", false
	}
	return fmt.Sprintf(translate(l, "signin.throttled"), waitIn(l, e.RetryAfter)), true
}

// waitIn says a wait in language l, in whole minutes rounded up (the
// Retry-After header has the seconds).
func waitIn(l string, d time.Duration) string {
	if n := minutesUp(d); n > 1 {
		return fmt.Sprintf(translate(l, "wait.minutes"), n)
	}
	return translate(l, "wait.minute")
}

func minutesUp(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }
