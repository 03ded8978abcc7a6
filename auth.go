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
	// ClientID and Party are set for a link holder (RoleLinkHolder): the
	// client whose link it is, and who holds it (client, parent, …).
	ClientID, Party string
	// Object is the one recording a recipient (RoleRecipient) may read.
	Object string
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

// Ended counts what a password change or reset ended: the person's
// sessions (other than the one that made the change) and API tokens.
type Ended struct {
	Sessions int
	Tokens   int
}

// Auth signs people in and out.
//
// Wrong passwords and wrong second-factor codes are throttled, not
// punished with a lock an outsider could set off: per account and per
// source address, with a wait that grows with the failures. An attempt
// inside a wait is TooMany with RetryAfter. The owner of an account, from
// an address that has not failed on it, is never kept out by the account's
// wait; an administrator can clear it (Unlock).
type Auth interface {
	// SignIn checks a local password and starts a session. An unknown
	// organisation or e-mail address, a person without a password yet, a
	// disabled person and a wrong password MUST get the same answer
	// (Unauthorized) after the same work: one password hash computation.
	// Throttling MUST answer alike whether or not the account exists.
	SignIn(ctx context.Context, orgSlug, email, password string) (secret string, s *Session, err error)
	// SetPassword sets the caller's password from the session whose secret
	// is given, which stays signed in. Every other session of the person
	// ends and their API tokens are revoked. A caller without that session
	// (an API token) is Forbidden.
	SetPassword(ctx context.Context, sessionSecret, password string) (Ended, error)
	// Redeem spends a one-time sign-in secret, sets the person's password,
	// ends every session and API token they had and starts a new session.
	Redeem(ctx context.Context, oneTime, password string) (secret string, s *Session, err error)
	// CreateOneTime makes a one-time sign-in secret for a person (admin or
	// system), valid for ttl. For a person who had signed in it is a reset:
	// their password stops working, every session of theirs ends and their
	// API tokens are revoked.
	CreateOneTime(ctx context.Context, userID string, ttl time.Duration) (secret string, ended Ended, err error)
	// Unlock clears the sign-in throttle of a person's account (admin).
	Unlock(ctx context.Context, userID string) error
	// Authenticate turns a session secret into its actor, renewing the
	// session; an unknown, expired or idle session is Unauthorized.
	Authenticate(ctx context.Context, sessionSecret string) (Actor, *Session, error)
	// SignOut ends a session.
	SignOut(ctx context.Context, sessionSecret string) error
	// CreateToken makes an API token acting as a person of the caller's
	// organisation (admin or system) and returns its secret once.
	CreateToken(ctx context.Context, userID, name string) (secret string, t *Token, err error)
	// RevokeToken ends a token (admin); ending one that has ended is no
	// error.
	RevokeToken(ctx context.Context, id string) error
	// Tokens lists the organisation's API tokens, revoked ones too (admin).
	Tokens(ctx context.Context, p Page) ([]Token, string, error)
	// AuthenticateToken turns a bearer token into its actor; an unknown or
	// revoked token is Unauthorized.
	AuthenticateToken(ctx context.Context, secret string) (Actor, error)
	// BeginTOTP gives the caller a new authenticator-app secret, pending
	// until ConfirmTOTP sees a code from it.
	BeginTOTP(ctx context.Context) (secret string, err error)
	// ConfirmTOTP makes the pending secret the caller's second factor and
	// completes the session's sign-in. Wrong codes are throttled like wrong
	// passwords.
	ConfirmTOTP(ctx context.Context, sessionSecret, code string) error
	// VerifyTOTP checks a code and completes the session's sign-in. A code
	// works once; wrong codes are throttled like wrong passwords.
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
