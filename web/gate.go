package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/opname/opname"
)

// The gate: who may call a route is declared once, in the route table, and
// enforced here before any handler runs. Handlers never check it again;
// the store still scopes every query to the caller's organisation and
// clients.
//
// A browser session whose second factor is still pending is not signed in:
// authenticate keeps its person apart from the request's actor, so a store
// call cannot see them. Only the routes that finish a sign-in waive that,
// by name.

// Access is who may call a route.
type Access struct {
	kind  accessKind
	roles []opname.Role
}

type accessKind int

const (
	undeclared accessKind = iota
	public
	secondFactorStep
	enrolSecondFactor
	signedIn
	roles
	linkHolder
	linkPIN
	recipientLink
)

var (
	// Public routes answer anyone: sign-in, health, the public log.
	Public = Access{kind: public}
	// SignedIn routes need a person signed in with the second factor done
	// (or an API token); the store decides what they see.
	SignedIn = Access{kind: signedIn}
	// SecondFactorStep is the waiver for the routes that finish a sign-in:
	// a session whose second factor is pending may call them (and so may
	// anyone signed in).
	SecondFactorStep = Access{kind: secondFactorStep}
	// EnrolSecondFactor is the waiver for setting up an authenticator app:
	// a pending session may call it only while the person has none yet,
	// so a password alone never replaces someone's authenticator.
	EnrolSecondFactor = Access{kind: enrolSecondFactor}
	// LinkHolder routes are the client's side: a browser opened with a
	// client link (and its PIN, when the organisation asks for one). The
	// holder is the actor there and nowhere else; staff sessions do not
	// reach these routes.
	LinkHolder = Access{kind: linkHolder}
	// LinkPIN is the waiver for choosing or entering a link's PIN: a
	// browser opened with a link whose PIN is still to come may call it.
	LinkPIN = Access{kind: linkPIN}
	// RecipientLink routes are a recipient's: the secret of a recipient
	// link in the path ({token}) makes its recipient the actor, who may
	// read what was shared and nothing else. A link with a code lets a
	// GET see only the form to type it; every POST carries the code.
	RecipientLink = Access{kind: recipientLink}
)

// Roles is access for people signed in with one of roles.
func Roles(rs ...opname.Role) Access { return Access{kind: roles, roles: rs} }

// String is the access as the route table and the docs name it.
func (a Access) String() string {
	switch a.kind {
	case public:
		return "public"
	case signedIn:
		return "signed_in"
	case secondFactorStep:
		return "second_factor_step"
	case enrolSecondFactor:
		return "enrol_second_factor"
	case linkHolder:
		return "link_holder"
	case linkPIN:
		return "link_pin"
	case recipientLink:
		return "recipient_link"
	case roles:
		names := make([]string, len(a.roles))
		for i, r := range a.roles {
			names[i] = string(r)
		}
		return strings.Join(names, " ")
	}
	return "undeclared"
}

// pendingKey carries the person of a session whose second factor is still
// pending; only the waivers above hand it to a handler as the actor.
type pendingKey struct{}

// sessionKey carries the session of a browser request to handlers.
type sessionKey struct{}

// linkKey carries the holder and session of a browser opened with a
// client link; only the link routes make the holder the actor.
type linkKey struct{}

// linkVisit is a browser opened with a client link: its holder, its
// session, and the session's secret (for the PIN steps).
type linkVisit struct {
	holder  opname.Actor
	session *opname.LinkSession
	secret  string
}

// checkRoutes refuses a route table with a route that declares no access:
// the server does not start with it.
func (s *Server) checkRoutes() error {
	var errs []error
	for _, r := range s.routes {
		switch r.Access.kind {
		case undeclared:
			errs = append(errs, fmt.Errorf("web: route %s declares no access", r.Key()))
		case roles:
			if len(r.Access.roles) == 0 {
				errs = append(errs, fmt.Errorf("web: route %s declares an empty role list", r.Key()))
			}
		}
	}
	return errors.Join(errs...)
}

// gate runs h only for a caller that route's access lets in.
func (s *Server) gate(route Route, h http.HandlerFunc) http.HandlerFunc {
	api := strings.HasPrefix(route.Pattern, "/api/")
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		a, full := opname.ActorFrom(ctx)
		pending, isPending := ctx.Value(pendingKey{}).(opname.Actor)
		switch route.Access.kind {
		case public:
			h(w, r)
			return
		case recipientLink:
			s.recipientGate(w, r, h)
			return
		case linkHolder, linkPIN:
			v, ok := ctx.Value(linkKey{}).(*linkVisit)
			switch {
			case !ok:
				s.refuseLink(w, r, api)
			case route.Access.kind == linkHolder && v.session.PINNeeded != "":
				http.Redirect(w, r, "/l/pin", http.StatusSeeOther)
			default:
				h(w, r.WithContext(opname.WithActor(ctx, v.holder)))
			}
			return
		case secondFactorStep:
			if !full && isPending {
				r = r.WithContext(opname.WithActor(ctx, pending))
			}
			h(w, r)
			return
		case enrolSecondFactor:
			if full {
				h(w, r)
				return
			}
			if isPending {
				u, err := s.Store.User(opname.WithActor(ctx, pending), pending.UserID)
				if err != nil {
					s.Error(w, r, err)
					return
				}
				if !u.TOTP {
					h(w, r.WithContext(opname.WithActor(ctx, pending)))
					return
				}
			}
			s.refuse(w, r, api, isPending)
			return
		case signedIn:
			if !full {
				s.refuse(w, r, api, isPending)
				return
			}
			h(w, r)
			return
		case roles:
			if !full {
				s.refuse(w, r, api, isPending)
				return
			}
			if !slices.Contains(route.Access.roles, a.Role) {
				if api {
					s.Error(w, r, opname.Coded(opname.Forbidden, "auth.role", "your role may not do this"))
				} else {
					s.Error(w, r, opname.Coded(opname.NotFound, "page.not_found", "page not found"))
				}
				return
			}
			h(w, r)
			return
		}
		// Unreachable: checkRoutes refuses undeclared routes at start.
		s.Error(w, r, fmt.Errorf("web: route %s declares no access", route.Key()))
	}
}

// refuse answers a caller who is not (fully) signed in: the API with 401,
// a page by sending the person to the step they still need.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, api, pending bool) {
	switch {
	case api && pending:
		s.Error(w, r, opname.Coded(opname.Unauthorized, "auth.second_step", "enter the code from your authenticator app first"))
	case api:
		s.Error(w, r, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first"))
	case pending:
		http.Redirect(w, r, "/tweede-stap", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/aanmelden?terug="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
	}
}

// refuseLink answers a caller without a working link session: the page
// to type a code, which says nothing of why.
func (s *Server) refuseLink(w http.ResponseWriter, r *http.Request, api bool) {
	if api {
		s.Error(w, r, opname.Coded(opname.Unauthorized, "link.none", "open your link first"))
		return
	}
	http.Redirect(w, r, "/l", http.StatusSeeOther)
}

// linkVisitOf is the link session of a request, if any.
func linkVisitOf(r *http.Request) (*linkVisit, bool) {
	v, ok := r.Context().Value(linkKey{}).(*linkVisit)
	return v, ok
}

// actor is the person a gated handler serves. The gate has checked that
// there is one; on a public route it may be the zero Actor.
func actor(r *http.Request) opname.Actor {
	a, _ := opname.ActorFrom(r.Context())
	return a
}

// withSession returns ctx carrying a browser session and its person: as
// the actor once the second factor is done, apart until then.
func withSession(ctx context.Context, a opname.Actor, sess *opname.Session) context.Context {
	ctx = context.WithValue(ctx, sessionKey{}, sess)
	if sess.SecondFactor {
		return opname.WithActor(ctx, a)
	}
	return context.WithValue(ctx, pendingKey{}, a)
}
