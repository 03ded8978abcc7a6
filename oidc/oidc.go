// Package oidc signs people in with their organisation's own identity
// provider: OpenID Connect's authorization code flow with PKCE (S256) and a
// nonce, on github.com/coreos/go-oidc and golang.org/x/oauth2.
package oidc

import (
	"context"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/opname/opname"
	"golang.org/x/oauth2"
)

// Client talks to identity providers. It caches each issuer's discovery
// document; it keeps no sign-in state, which lives in the database.
type Client struct {
	// HTTP is the client for the provider's endpoints.
	HTTP *http.Client

	mu        sync.Mutex
	providers map[string]*gooidc.Provider
}

// New returns a client with a 10-second timeout per request.
func New() *Client {
	return &Client{HTTP: &http.Client{Timeout: 10 * time.Second}, providers: map[string]*gooidc.Provider{}}
}

func (c *Client) provider(ctx context.Context, issuer string) (*gooidc.Provider, error) {
	c.mu.Lock()
	p, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, c.HTTP), issuer)
	if err != nil {
		return nil, &opname.Error{Kind: opname.Internal, Op: "oidc.discover", Msg: "the identity provider does not answer", Err: err}
	}
	c.mu.Lock()
	c.providers[issuer] = p
	c.mu.Unlock()
	return p, nil
}

func (c *Client) config(p *gooidc.Provider, cfg *opname.OIDCProvider, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: redirect,
		Endpoint: p.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"},
	}
}

// NewLogin starts a sign-in: it returns what to keep until the callback and
// the URL to send the person to.
func (c *Client) NewLogin(ctx context.Context, cfg *opname.OIDCProvider, orgID, redirect, returnTo string) (*opname.OIDCLogin, string, error) {
	p, err := c.provider(ctx, cfg.Issuer)
	if err != nil {
		return nil, "", err
	}
	l := &opname.OIDCLogin{
		State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier(),
		OrgID: orgID, ReturnTo: returnTo, Expires: time.Now().Add(10 * time.Minute),
	}
	url := c.config(p, cfg, redirect).AuthCodeURL(l.State, gooidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.Verifier))
	return l, url, nil
}

// Finish exchanges the code for tokens, verifies the ID token (signature,
// issuer, audience, expiry and nonce) and returns who signed in.
func (c *Client) Finish(ctx context.Context, cfg *opname.OIDCProvider, l *opname.OIDCLogin, redirect, code string) (opname.Identity, error) {
	p, err := c.provider(ctx, cfg.Issuer)
	if err != nil {
		return opname.Identity{}, err
	}
	ctx = gooidc.ClientContext(ctx, c.HTTP)
	tok, err := c.config(p, cfg, redirect).Exchange(ctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return opname.Identity{}, refused("the identity provider did not accept the sign-in", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return opname.Identity{}, refused("the identity provider sent no ID token", nil)
	}
	idt, err := p.Verifier(&gooidc.Config{ClientID: cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return opname.Identity{}, refused("the ID token is not valid", err)
	}
	if idt.Nonce != l.Nonce {
		return opname.Identity{}, refused("the ID token belongs to another sign-in", nil)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return opname.Identity{}, refused("the ID token's claims cannot be read", err)
	}
	// Many providers put e-mail, name and groups only in the userinfo
	// answer; it adds to the ID token's claims and overrides none.
	if info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && info.Subject == idt.Subject {
		var more map[string]any
		if err := info.Claims(&more); err == nil {
			for k, v := range more {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	id := opname.Identity{Subject: idt.Subject, Email: str(claims["email"]), Name: str(claims["name"])}
	if verified, ok := claims["email_verified"].(bool); ok && !verified {
		return opname.Identity{}, refused("the identity provider has not verified the e-mail address", nil)
	}
	id.Roles = strs(claims[cfg.RoleClaim])
	return id, nil
}

func refused(msg string, err error) error {
	return &opname.Error{Kind: opname.Unauthorized, Op: "oidc.finish", Msg: msg, Err: err}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs reads a claim that is a string or a list of strings.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
