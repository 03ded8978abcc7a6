package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"time"

	"github.com/opname/opname"
)

// A form that makes something new — a conversation, a request, a client —
// has no natural key: sent twice, it would make it twice. Such a form
// carries a one-time token; the store remembers where the first sending
// led, and a second sending of the same form is sent there too. Forms that
// change something that exists need no token: the workflow and the store
// take the same step twice as once.

// formTokenField is the hidden field of a form's one-time token.
const formTokenField = "formulier"

// newFormToken returns a fresh one-time token for a page's forms.
func newFormToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// submissionKey is the key of a form sent: its token, where it was sent
// and every field, so that another form sent with the same token (two
// forms on one page) is another sending.
func submissionKey(r *http.Request) string {
	h := sha256.New()
	h.Write([]byte(r.URL.Path))
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range r.PostForm[name] {
			h.Write([]byte{0})
			h.Write([]byte(name))
			h.Write([]byte{0})
			h.Write([]byte(v))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// once does the work of a form sent with a token once. do does the work
// and returns where the person goes next; with answered it wrote the
// answer itself (a page that shows a secret once, say), and next is where
// a second sending goes instead. An empty next means the work did not
// happen (do showed why): the form may be sent again.
func (s *Server) once(w http.ResponseWriter, r *http.Request, do func() (next string, answered bool)) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil || r.PostForm.Get(formTokenField) == "" {
		if next, answered := do(); next != "" && !answered {
			http.Redirect(w, r, next, http.StatusSeeOther)
		}
		return
	}
	key := submissionKey(r)
	next, first, err := s.Store.BeginSubmission(ctx, key)
	// The first sending is under way: wait for where it leads.
	for wait := 0; err == nil && !first && next == "" && wait < 50; wait++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		next, first, err = s.Store.BeginSubmission(ctx, key)
	}
	switch {
	case err != nil:
		s.Error(w, r, err)
		return
	case !first && next == "":
		s.Error(w, r, &opname.Error{Kind: opname.Conflict, Msg: translate(lang(r), "form.busy")})
		return
	case !first:
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	next, answered := do()
	if err := s.Store.EndSubmission(context.WithoutCancel(ctx), key, next); err != nil {
		s.Logger.ErrorContext(ctx, "end submission", "request_id", requestID(ctx), "err", err.Error())
	}
	if next != "" && !answered {
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}
