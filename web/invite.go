package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opname/opname"
)

// A new person signs in first with a link that holds a one-time secret:
// the administrator sees the whole link to pass on, and, when opname can
// send e-mail, the person gets it in an invitation.

// signInLink is the whole address of the page that takes secret: on the
// public URL, or else on the host the request came to.
func (s *Server) signInLink(r *http.Request, secret string) string {
	base := strings.TrimSuffix(s.PublicURL, "/")
	if base == "" {
		scheme := "https"
		if r.TLS == nil && s.Insecure {
			scheme = "http"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/welkom?code=" + url.QueryEscape(secret)
}

// invite e-mails u an invitation with link, if opname sends e-mail, and
// says for the administrator what happened. A failure is logged without
// the link, whose secret signs in.
func (s *Server) invite(r *http.Request, u *opname.User, link string) string {
	l := lang(r)
	if s.Mail == nil {
		return translate(l, "people.mail.none")
	}
	org, err := s.Store.Organisation(r.Context())
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		subject, body := opname.Invitation(org.Name, u.Name, link, oneTimeTTL)
		err = s.Mail.Send(ctx, []string{u.Email}, subject, body)
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "invitation e-mail", "request_id", requestID(r.Context()), "user_id", u.ID, "err", err.Error())
		return fmt.Sprintf(translate(l, "people.mail.failed"), u.Email)
	}
	return fmt.Sprintf(translate(l, "people.mail.sent"), u.Email)
}
