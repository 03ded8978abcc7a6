package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/opname/opname"
)

// SetOIDCProvider sets the caller's organisation's identity provider (admin).
func (db *DB) SetOIDCProvider(ctx context.Context, p *opname.OIDCProvider) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	u, err := url.Parse(p.Issuer)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))):
		return invalid("issuer", p.Issuer, "oidc.issuer", "give the provider's https:// URL")
	case strings.TrimSpace(p.ClientID) == "":
		return invalid("client_id", "", "oidc.client_id", "the client id is required")
	case strings.TrimSpace(p.RoleClaim) == "":
		return invalid("role_claim", "", "oidc.role_claim", "name the claim that carries the roles or groups")
	case len(p.RoleMap) == 0:
		return invalid("role_map", "", "oidc.role_map", "map at least one claim value to a role")
	}
	for v, r := range p.RoleMap {
		if !r.Valid() {
			return invalid("role_map", v+"="+string(r), "oidc.role", "use staff, manager, admin or privacy_officer")
		}
	}
	roles, _ := json.Marshal(p.RoleMap)
	secret, err := db.sealClientSecret(a.OrgID, p.ClientSecret)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO oidc_providers (org_id, issuer, client_id, client_secret, role_claim, role_map, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, client_secret = excluded.client_secret, role_claim = excluded.role_claim, role_map = excluded.role_map, updated_at = excluded.updated_at`),
		a.OrgID, p.Issuer, p.ClientID, secret, p.RoleClaim, string(roles), micro(db.Now()))
	if err != nil {
		return fmt.Errorf("sqldb: set oidc provider: %w", err)
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// OIDCProvider returns an organisation's identity provider.
func (db *DB) OIDCProvider(ctx context.Context, orgID string) (*opname.OIDCProvider, error) {
	var p opname.OIDCProvider
	var roles string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT issuer, client_id, client_secret, role_claim, role_map FROM oidc_providers WHERE org_id = ?`), orgID).
		Scan(&p.Issuer, &p.ClientID, &p.ClientSecret, &p.RoleClaim, &roles)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("identity provider")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: oidc provider: %w", err)
	}
	if err := json.Unmarshal([]byte(roles), &p.RoleMap); err != nil {
		return nil, fmt.Errorf("sqldb: oidc provider: role map: %w", err)
	}
	if strings.HasPrefix(p.ClientSecret, opname.SealedPrefix) {
		if db.Secrets == nil {
			return nil, errors.New("sqldb: oidc provider: the client secret is sealed and this server has no key to open it")
		}
		plain, err := db.Secrets.Open(clientSecretPurpose(orgID), p.ClientSecret)
		if err != nil {
			return nil, fmt.Errorf("sqldb: oidc provider: %w", err)
		}
		p.ClientSecret = string(plain)
	}
	return &p, nil
}

// clientSecretPurpose binds a sealed client secret to its organisation.
func clientSecretPurpose(orgID string) string { return "oidc client secret " + orgID }

// sealClientSecret seals an organisation's client secret for storage; an
// empty one (a public client) stays empty.
func (db *DB) sealClientSecret(orgID, secret string) (string, error) {
	if db.Secrets == nil || secret == "" {
		return secret, nil
	}
	sealed, err := db.Secrets.Seal(clientSecretPurpose(orgID), []byte(secret))
	if err != nil {
		return "", fmt.Errorf("sqldb: seal client secret: %w", err)
	}
	return sealed, nil
}

// SealOIDCSecrets seals the client secrets stored in plain text before
// they were sealed, and returns how many it sealed. Running it again
// changes nothing; the server runs it at start. SQL cannot do this in a
// migration: the key is the server's, not the database's.
func (db *DB) SealOIDCSecrets(ctx context.Context) (int, error) {
	if db.Secrets == nil {
		return 0, errors.New("sqldb: seal client secrets: no secret box")
	}
	rows, err := db.write.QueryContext(ctx, db.q(`SELECT org_id, client_secret FROM oidc_providers WHERE client_secret <> '' AND client_secret NOT LIKE ?`), opname.SealedPrefix+"%")
	if err != nil {
		return 0, fmt.Errorf("sqldb: seal client secrets: %w", err)
	}
	type plain struct{ org, secret string }
	var todo []plain
	for rows.Next() {
		var p plain
		if err := rows.Scan(&p.org, &p.secret); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqldb: seal client secrets: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqldb: seal client secrets: %w", err)
	}
	n := 0
	for _, p := range todo {
		sealed, err := db.sealClientSecret(p.org, p.secret)
		if err != nil {
			return n, err
		}
		// Only if it is still the plain one: another server may have
		// sealed it, or an administrator changed it, meanwhile.
		res, err := db.write.ExecContext(ctx, db.q(`UPDATE oidc_providers SET client_secret = ? WHERE org_id = ? AND client_secret = ?`), sealed, p.org, p.secret)
		if err != nil {
			return n, fmt.Errorf("sqldb: seal client secrets: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// SaveOIDCLogin stores a sign-in under way, by the hash of its state.
func (db *DB) SaveOIDCLogin(ctx context.Context, l *opname.OIDCLogin) error {
	now := micro(db.Now())
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM oidc_logins WHERE expires_at < ?`), now); err != nil {
		return fmt.Errorf("sqldb: save oidc login: %w", err)
	}
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO oidc_logins (state, org_id, nonce, verifier, return_to, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		hashSecret(l.State), l.OrgID, l.Nonce, l.Verifier, l.ReturnTo, micro(l.Expires))
	if err != nil {
		return fmt.Errorf("sqldb: save oidc login: %w", err)
	}
	return nil
}

// TakeOIDCLogin returns and removes a sign-in under way.
func (db *DB) TakeOIDCLogin(ctx context.Context, state string) (*opname.OIDCLogin, error) {
	l := &opname.OIDCLogin{State: state}
	var expires int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`SELECT org_id, nonce, verifier, return_to, expires_at FROM oidc_logins WHERE state = ?`), hashSecret(state)).
			Scan(&l.OrgID, &l.Nonce, &l.Verifier, &l.ReturnTo, &expires)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`DELETE FROM oidc_logins WHERE state = ?`), hashSecret(state))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) || err == nil && expires < micro(db.Now()) {
		return nil, opname.Coded(opname.Unauthorized, "oidc.state", "this sign-in is unknown or took too long; start again")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: take oidc login: %w", err)
	}
	l.Expires = fromMicro(expires)
	return l, nil
}

// SignInOIDC finds or adds the person the provider vouched for, gives them
// the role the provider's claim maps to, and starts a session.
func (db *DB) SignInOIDC(ctx context.Context, orgID string, id opname.Identity, role opname.Role) (string, *opname.Session, error) {
	email, err := validEmail(id.Email)
	if err != nil {
		return "", nil, opname.Coded(opname.Unauthorized, "oidc.email", "the identity provider gave no usable e-mail address")
	}
	var userID, name string
	var disabled bool
	err = db.read.QueryRowContext(ctx, db.q(`SELECT id, name, disabled FROM users WHERE org_id = ? AND email = ?`), orgID, email).Scan(&userID, &name, &disabled)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		sys := opname.System("oidc")
		sys.OrgID = orgID
		u := &opname.User{Email: email, Name: id.Name, Role: role}
		if err := db.CreateUser(opname.WithActor(ctx, sys), u); err != nil {
			return "", nil, err
		}
		userID, name = u.ID, u.Name
	case err != nil:
		return "", nil, fmt.Errorf("sqldb: oidc sign in: %w", err)
	case disabled:
		return "", nil, opname.Coded(opname.Forbidden, "auth.disabled", "this account is disabled; ask an administrator")
	default:
		_, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET role = ? WHERE id = ?`), string(role), userID)
		db.tokenCache.forget() // the person's tokens act in the new role
		if err != nil {
			return "", nil, fmt.Errorf("sqldb: oidc sign in: %w", err)
		}
	}
	who := opname.Actor{OrgID: orgID, UserID: userID, Name: name, Role: role, Via: "oidc", Addr: addrOf(ctx)}
	return db.startSession(opname.WithActor(ctx, who), who, false)
}
