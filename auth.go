package opname

import (
	"context"
	"time"
)

// Actor is who makes a request: a person signed in with a session or an API
// token, or the system itself. Every store call reads the actor from the
// context and scopes its queries to the actor's organisation.
type Actor struct {
	OrgID  string
	UserID string
	Name   string
	Role   Role
	// Via says how the actor was authenticated: "session", "token", "cli".
	Via string
	// OnBehalfOf is the integration a token acts for, if any.
	OnBehalfOf string
	// Addr is the source address of the request.
	Addr string
}

// System is the actor of the command line and of the server's own work.
func System(via string) Actor { return Actor{Role: RoleSystem, Name: "system", Via: via} }

type actorKey struct{}

// WithActor returns a context that carries actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; ok is false when there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Session is a signed-in browser. Its secret is in a cookie; the store keeps
// only a hash of it.
type Session struct {
	ID        string // hash of the secret
	OrgID     string
	UserID    string
	CreatedAt time.Time
	LastSeen  time.Time
	// SecondFactor is true once the TOTP code was checked, or when none is
	// needed.
	SecondFactor bool
}

// Token is an API token for an integration acting as a person. The secret
// is shown once; the store keeps only a hash of it.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Auth signs people in and out.
type Auth interface {
	// SignIn checks a local password and starts a session. A wrong e-mail
	// address or password is Unauthorized with the same message; repeated
	// failures lock the account for a while (Forbidden).
	SignIn(ctx context.Context, orgSlug, email, password string) (secret string, s *Session, err error)
	// SetPassword sets the caller's password.
	SetPassword(ctx context.Context, password string) error
	// Redeem spends a one-time sign-in secret, sets the person's password
	// and starts a session.
	Redeem(ctx context.Context, oneTime, password string) (secret string, s *Session, err error)
	// CreateOneTime makes a one-time sign-in secret for a person (admin or
	// system), valid for ttl.
	CreateOneTime(ctx context.Context, userID string, ttl time.Duration) (string, error)
	// Authenticate turns a session secret into its actor, renewing the
	// session; an unknown, expired or idle session is Unauthorized.
	Authenticate(ctx context.Context, sessionSecret string) (Actor, *Session, error)
	// SignOut ends a session.
	SignOut(ctx context.Context, sessionSecret string) error
	// CreateToken makes an API token acting as a person of the caller's
	// organisation (admin or system) and returns its secret once.
	CreateToken(ctx context.Context, userID, name string) (secret string, t *Token, err error)
	// RevokeToken ends a token (admin).
	RevokeToken(ctx context.Context, id string) error
	// Tokens lists the organisation's API tokens, revoked ones too (admin).
	Tokens(ctx context.Context) ([]Token, error)
	// AuthenticateToken turns a bearer token into its actor; an unknown or
	// revoked token is Unauthorized.
	AuthenticateToken(ctx context.Context, secret string) (Actor, error)
	// BeginTOTP gives the caller a new authenticator-app secret, pending
	// until ConfirmTOTP sees a code from it.
	BeginTOTP(ctx context.Context) (secret string, err error)
	// ConfirmTOTP makes the pending secret the caller's second factor and
	// completes the session's sign-in.
	ConfirmTOTP(ctx context.Context, sessionSecret, code string) error
	// VerifyTOTP checks a code and completes the session's sign-in. A code
	// works once; wrong codes count towards the lock.
	VerifyTOTP(ctx context.Context, sessionSecret, code string) error
}

type addrKey struct{}

// WithAddr returns a context that carries the source address of a request,
// for the access log of sign-ins made before there is an actor.
func WithAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey{}, addr)
}

// AddrFrom returns the source address in ctx, or "".
func AddrFrom(ctx context.Context) string {
	s, _ := ctx.Value(addrKey{}).(string)
	return s
}

// OIDCProvider is an organisation's own identity provider (OpenID Connect).
type OIDCProvider struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"-"`
	// RoleClaim names the ID-token claim that carries the person's groups
	// or roles; RoleMap maps its values to opname roles. A person whose
	// claim maps to no role cannot sign in.
	RoleClaim string          `json:"role_claim"`
	RoleMap   map[string]Role `json:"role_map"`
}

// RoleFor returns the role the claim values map to: the first of admin,
// privacy officer, manager and staff that any value maps to.
func (p *OIDCProvider) RoleFor(values []string) (Role, bool) {
	for _, r := range []Role{RoleAdmin, RolePrivacyOfficer, RoleManager, RoleStaff} {
		for _, v := range values {
			if p.RoleMap[v] == r {
				return r, true
			}
		}
	}
	return "", false
}

// OIDCLogin is a sign-in with an identity provider under way: what the
// callback needs to finish it. It lives in the database, so any server
// behind a load balancer can finish it, and it works once.
type OIDCLogin struct {
	State    string
	OrgID    string
	Nonce    string
	Verifier string
	ReturnTo string
	Expires  time.Time
}

// Identity is who an identity provider says signed in.
type Identity struct {
	Subject string
	Email   string
	Name    string
	Roles   []string
}

// OIDCStore keeps identity providers and sign-ins under way.
type OIDCStore interface {
	// SetOIDCProvider sets the caller's organisation's provider (admin).
	SetOIDCProvider(ctx context.Context, p *OIDCProvider) error
	// OIDCProvider returns an organisation's provider, for sign-in; NotFound
	// when it has none.
	OIDCProvider(ctx context.Context, orgID string) (*OIDCProvider, error)
	// SaveOIDCLogin stores a sign-in under way.
	SaveOIDCLogin(ctx context.Context, l *OIDCLogin) error
	// TakeOIDCLogin returns and removes a sign-in under way; an unknown or
	// expired state is Unauthorized.
	TakeOIDCLogin(ctx context.Context, state string) (*OIDCLogin, error)
	// SignInOIDC starts a session for the person the provider vouched for:
	// found by e-mail address in the organisation and given the role the
	// provider's claim maps to, or added when new.
	SignInOIDC(ctx context.Context, orgID string, id Identity, role Role) (secret string, s *Session, err error)
}
