package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/opname/opname"
)

// Session limits.
const (
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends every session this long after sign-in.
	SessionMax = 12 * time.Hour
	// touchEvery bounds how often a session's last use is written.
	touchEvery = time.Minute
)

var errBadCredentials = opname.Coded(opname.Unauthorized, "auth.credentials", "the e-mail address or the password is wrong")

// secret returns a new random secret with prefix and its hash.
func (db *DB) secret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(db.Rand, b); err != nil {
		panic(fmt.Sprintf("sqldb: random source failed: %v", err))
	}
	secret = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SignIn checks a local password and starts a session. Every attempt runs
// the same steps whether or not the account exists: one query for the
// account, the throttle check, and for an attempt that is let through one
// password hash computation. What differs for a real account is only that
// its attempts are written to its organisation's access log.
func (db *DB) SignIn(ctx context.Context, orgSlug, email, password string) (string, *opname.Session, error) {
	orgSlug, email = normalSlug(orgSlug), normalEmail(email)
	keys := throttleKeysFor(orgSlug, email, addrOf(ctx))
	var who opname.Actor
	var hash, totp string
	var disabled, requireTOTP bool
	err := db.read.QueryRowContext(ctx, db.q(`SELECT o.id, o.require_totp, u.id, u.name, u.role, u.password_hash, u.totp_secret, u.disabled
		FROM organisations o JOIN users u ON u.org_id = o.id WHERE o.slug = ? AND u.email = ?`), orgSlug, email).
		Scan(&who.OrgID, &requireTOTP, &who.UserID, &who.Name, &who.Role, &hash, &totp, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("sqldb: sign in: %w", err)
	}
	exists := err == nil
	who.Via, who.Addr = "password", addrOf(ctx)
	logCtx := opname.WithActor(ctx, who)
	logFailure := func(purpose string) error {
		if !exists {
			return nil // no organisation's log to write it to
		}
		return db.Record(logCtx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: purpose})
	}

	wait, err := db.throttled(ctx, keys)
	if err != nil {
		return "", nil, err
	}
	if wait > 0 {
		if err := logFailure("throttled"); err != nil {
			return "", nil, err
		}
		return "", nil, tooMany(wait)
	}
	usable := exists && hash != "" && !disabled
	if !usable {
		// An account that does not exist, has no password yet or is
		// disabled is checked against a hash no password matches, at the
		// cost of a real one: every failed sign-in computes one hash with
		// the same parameters.
		hash = opname.NoPasswordHash(db.PasswordCost)
	}
	if !db.PasswordMatches(hash, password) || !usable {
		if err := db.countFailure(ctx, keys); err != nil {
			return "", nil, err
		}
		if err := logFailure(""); err != nil {
			return "", nil, err
		}
		return "", nil, errBadCredentials
	}
	needsSecondFactor := requireTOTP || totp != ""
	if !needsSecondFactor {
		if err := db.forgive(ctx, keys); err != nil {
			return "", nil, err
		}
	}
	return db.startSession(logCtx, who, needsSecondFactor)
}

func (db *DB) startSession(ctx context.Context, who opname.Actor, needsSecondFactor bool) (string, *opname.Session, error) {
	secret, hash := db.secret("ses_")
	now := db.Now().UTC().Truncate(1000)
	s := &opname.Session{ID: hash, OrgID: who.OrgID, UserID: who.UserID, CreatedAt: now, LastSeen: now, SecondFactor: !needsSecondFactor}
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO sessions (id, org_id, user_id, created_at, last_seen, second_factor) VALUES (?, ?, ?, ?, ?, ?)`),
		s.ID, s.OrgID, s.UserID, micro(now), micro(now), s.SecondFactor); err != nil {
		return "", nil, fmt.Errorf("sqldb: start session: %w", err)
	}
	if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, ObjectType: "session", Purpose: who.Via}); err != nil {
		return "", nil, err
	}
	return secret, s, nil
}

// Authenticate turns a session secret into its actor.
func (db *DB) Authenticate(ctx context.Context, secret string) (opname.Actor, *opname.Session, error) {
	var s opname.Session
	var created, seen int64
	var name, role string
	var disabled bool
	err := db.read.QueryRowContext(ctx, db.q(`SELECT s.id, s.org_id, s.user_id, s.created_at, s.last_seen, s.second_factor, u.name, u.role, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id AND u.org_id = s.org_id WHERE s.id = ?`), hashSecret(secret)).
		Scan(&s.ID, &s.OrgID, &s.UserID, &created, &seen, &s.SecondFactor, &name, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return opname.Actor{}, nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	if err != nil {
		return opname.Actor{}, nil, fmt.Errorf("sqldb: authenticate: %w", err)
	}
	s.CreatedAt, s.LastSeen = fromMicro(created), fromMicro(seen)
	now := db.Now()
	if disabled || now.Sub(s.LastSeen) > SessionIdle || now.Sub(s.CreatedAt) > SessionMax {
		_, _ = db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE id = ?`), s.ID)
		return opname.Actor{}, nil, opname.Coded(opname.Unauthorized, "auth.session_ended", "your session has ended; sign in again")
	}
	if now.Sub(s.LastSeen) > touchEvery {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE sessions SET last_seen = ? WHERE id = ?`), micro(now), s.ID); err != nil {
			return opname.Actor{}, nil, fmt.Errorf("sqldb: authenticate: %w", err)
		}
		s.LastSeen = now
	}
	a := opname.Actor{OrgID: s.OrgID, UserID: s.UserID, Name: name, Role: opname.Role(role), Via: "session", Addr: addrOf(ctx)}
	return a, &s, nil
}

// SignOut ends a session.
func (db *DB) SignOut(ctx context.Context, secret string) error {
	a, _, err := db.Authenticate(ctx, secret)
	if err != nil {
		return nil // nothing to end
	}
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE id = ?`), hashSecret(secret)); err != nil {
		return fmt.Errorf("sqldb: sign out: %w", err)
	}
	return db.Record(opname.WithActor(ctx, a), opname.AccessEvent{Action: opname.AccessSignOut, ObjectType: "session"})
}

// SetPassword sets the caller's password from the session whose secret is
// given, ends the person's other sessions and revokes their API tokens.
func (db *DB) SetPassword(ctx context.Context, sessionSecret, password string) (opname.Ended, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return opname.Ended{}, err
	}
	var ok bool
	err = db.read.QueryRowContext(ctx, db.q(`SELECT second_factor FROM sessions WHERE id = ? AND org_id = ? AND user_id = ?`), hashSecret(sessionSecret), a.OrgID, a.UserID).Scan(&ok)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !ok {
		return opname.Ended{}, opname.Coded(opname.Forbidden, "auth.password_session", "change your password in a browser session that is fully signed in; an API token cannot change it")
	}
	if err != nil {
		return opname.Ended{}, fmt.Errorf("sqldb: set password: %w", err)
	}
	if err := opname.CheckPasswordRules(password); err != nil {
		return opname.Ended{}, err
	}
	hash, err := opname.HashPasswordCost(password, db.PasswordCost)
	if err != nil {
		return opname.Ended{}, err
	}
	ended, err := db.replacePassword(ctx, a.OrgID, a.UserID, hash, hashSecret(sessionSecret))
	if err != nil {
		return opname.Ended{}, err
	}
	return ended, db.logEnded(ctx, a.UserID, "password changed", ended)
}

// replacePassword sets a person's password hash ("" for none), ends every
// session of theirs but keep (a session id, or "") and revokes their API
// tokens, in one transaction; and clears their sign-in throttle.
func (db *DB) replacePassword(ctx context.Context, orgID, userID, hash, keep string) (opname.Ended, error) {
	var ended opname.Ended
	defer db.tokenCache.forget()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var slug, email string
		if err := tx.QueryRowContext(ctx, db.q(`SELECT o.slug, u.email FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.org_id = ? AND u.id = ?`), orgID, userID).Scan(&slug, &email); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ? WHERE org_id = ? AND id = ?`), hash, orgID, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND id <> ?`), orgID, userID, keep)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		ended.Sessions = int(n)
		res, err = tx.ExecContext(ctx, db.q(`UPDATE tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL`), micro(db.Now()), orgID, userID)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		ended.Tokens = int(n)
		return db.unthrottle(ctx, tx, slug, email)
	})
	if err != nil {
		return opname.Ended{}, fmt.Errorf("sqldb: set password: %w", err)
	}
	return ended, nil
}

// logEnded writes a change of a person's password, and what it ended, to
// the access log.
func (db *DB) logEnded(ctx context.Context, userID, why string, ended opname.Ended) error {
	events := []opname.AccessEvent{{Action: opname.AccessUpdate, ObjectType: "password", ObjectID: userID, Purpose: why}}
	if ended.Sessions > 0 {
		events = append(events, opname.AccessEvent{Action: opname.AccessSignOut, ObjectType: "session", ObjectID: userID, Purpose: fmt.Sprintf("%s: %d sessions ended", why, ended.Sessions)})
	}
	if ended.Tokens > 0 {
		events = append(events, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "token", ObjectID: userID, Purpose: fmt.Sprintf("%s: %d API tokens revoked", why, ended.Tokens)})
	}
	return db.Record(ctx, events...)
}

// CreateOneTime makes a one-time sign-in secret for a person of the caller's
// organisation (admin); an administrator resets a password this way. The
// person's password stops working and every session and API token of
// theirs ends: a reset is often made because someone else may know it.
func (db *DB) CreateOneTime(ctx context.Context, userID string, ttl time.Duration) (string, opname.Ended, error) {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return "", opname.Ended{}, err
	}
	if _, err := db.userRole(ctx, a.OrgID, userID); err != nil {
		return "", opname.Ended{}, err
	}
	ended, err := db.replacePassword(ctx, a.OrgID, userID, "", "")
	if err != nil {
		return "", opname.Ended{}, err
	}
	secret, hash := db.secret("otp_")
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO one_time_secrets (hash, org_id, user_id, expires_at) VALUES (?, ?, ?, ?)`),
		hash, a.OrgID, userID, micro(db.Now().Add(ttl))); err != nil {
		return "", opname.Ended{}, fmt.Errorf("sqldb: one-time secret: %w", err)
	}
	return secret, ended, db.logEnded(ctx, userID, "sign-in link made", ended)
}

// Redeem spends a one-time secret, sets the password, ends every session
// and API token the person had, and starts a session.
func (db *DB) Redeem(ctx context.Context, oneTime, password string) (string, *opname.Session, error) {
	if err := opname.CheckPasswordRules(password); err != nil {
		return "", nil, err
	}
	var orgID, userID string
	var expires int64
	var used sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT org_id, user_id, expires_at, used_at FROM one_time_secrets WHERE hash = ?`), hashSecret(oneTime)).Scan(&orgID, &userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (used.Valid || expires < micro(db.Now())) {
		return "", nil, opname.Coded(opname.Unauthorized, "auth.link_unknown", "this sign-in link is unknown, used or expired; ask an administrator for a new one")
	}
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: redeem: %w", err)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE one_time_secrets SET used_at = ? WHERE hash = ? AND used_at IS NULL`), micro(db.Now()), hashSecret(oneTime))
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: redeem: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", nil, opname.Coded(opname.Unauthorized, "auth.link_used", "this sign-in link was used just now")
	}
	hash, err := opname.HashPasswordCost(password, db.PasswordCost)
	if err != nil {
		return "", nil, err
	}
	ended, err := db.replacePassword(ctx, orgID, userID, hash, "")
	if err != nil {
		return "", nil, err
	}
	var name, role, totp string
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT name, role, totp_secret FROM users WHERE id = ?`), userID).Scan(&name, &role, &totp); err != nil {
		return "", nil, fmt.Errorf("sqldb: redeem: %w", err)
	}
	org, err := db.org(ctx, "o.id = ?", orgID)
	if err != nil {
		return "", nil, err
	}
	who := opname.Actor{OrgID: orgID, UserID: userID, Name: name, Role: opname.Role(role), Via: "one_time", Addr: addrOf(ctx)}
	logCtx := opname.WithActor(ctx, who)
	if err := db.logEnded(logCtx, userID, "password set with a sign-in link", ended); err != nil {
		return "", nil, err
	}
	return db.startSession(logCtx, who, org.RequireTOTP || totp != "")
}

func (db *DB) userRole(ctx context.Context, orgID, userID string) (opname.Role, error) {
	var role string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT role FROM users WHERE org_id = ? AND id = ?`), orgID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("user")
	}
	if err != nil {
		return "", fmt.Errorf("sqldb: user: %w", err)
	}
	return opname.Role(role), nil
}

// CreateToken makes an API token acting as a person (admin).
func (db *DB) CreateToken(ctx context.Context, userID, name string) (string, *opname.Token, error) {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, invalid("name", "", "token.name", "give the token a name, such as the system that uses it")
	}
	if err := opname.Line.Chars(100).Check("name", name); err != nil {
		return "", nil, err
	}
	if _, err := db.userRole(ctx, a.OrgID, userID); err != nil {
		return "", nil, err
	}
	secret, hash := db.secret("opn_")
	t := &opname.Token{ID: db.newID(), UserID: userID, Name: name, CreatedAt: db.Now().UTC().Truncate(1000)}
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO tokens (id, hash, org_id, user_id, name, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, hash, a.OrgID, userID, name, micro(t.CreatedAt)); err != nil {
		return "", nil, fmt.Errorf("sqldb: create token: %w", err)
	}
	return secret, t, nil
}

// RevokeToken ends a token of the caller's organisation (admin), once.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`), micro(db.Now()), a.OrgID, id)
	db.tokenCache.forget()
	if err != nil {
		return fmt.Errorf("sqldb: revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	// Revoked already (a form sent twice): that is what was asked.
	var revoked int
	err = db.write.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM tokens WHERE org_id = ? AND id = ? AND revoked_at IS NOT NULL`), a.OrgID, id).Scan(&revoked)
	if err != nil {
		return fmt.Errorf("sqldb: revoke token: %w", err)
	}
	if revoked == 0 {
		return notFound("token")
	}
	return nil
}

// Tokens lists a page of the caller's organisation's API tokens, newest
// first.
func (db *DB) Tokens(ctx context.Context, p opname.Page) ([]opname.Token, string, error) {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "tokens", "created_at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	ts, err := db.tokens(ctx, a, l)
	if err != nil {
		return nil, "", err
	}
	ts, next := cut(l, ts, func(t *opname.Token) (string, string) { return microKey(micro(t.CreatedAt)), t.ID })
	return ts, next, nil
}

func (db *DB) tokens(ctx context.Context, a opname.Actor, l *listing) ([]opname.Token, error) {
	query, args := l.query(`SELECT id, user_id, name, created_at, revoked_at FROM tokens WHERE org_id = ?`, []any{a.OrgID})
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: tokens: %w", err)
	}
	defer rows.Close()
	out := []opname.Token{}
	for rows.Next() {
		var t opname.Token
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &revoked); err != nil {
			return nil, fmt.Errorf("sqldb: tokens: %w", err)
		}
		t.CreatedAt = fromMicro(created)
		if revoked.Valid {
			r := fromMicro(revoked.Int64)
			t.RevokedAt = &r
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AuthenticateToken turns a bearer token into its actor. A token it found
// is remembered for tokenTTL (see tokenCache), so that a system making
// many calls costs one query a second, not one per call.
func (db *DB) AuthenticateToken(ctx context.Context, secret string) (opname.Actor, error) {
	hash := hashSecret(secret)
	if a, ok := db.tokenCache.get(hash); ok {
		a.Addr = addrOf(ctx)
		return a, nil
	}
	gen := db.tokenCache.generation()
	var a opname.Actor
	var role string
	err := db.hotRow(ctx, `SELECT t.org_id, t.user_id, t.name, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		WHERE t.hash = ? AND t.revoked_at IS NULL AND NOT u.disabled`, hash).Scan(&a.OrgID, &a.UserID, &a.OnBehalfOf, &a.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return opname.Actor{}, opname.Coded(opname.Unauthorized, "auth.token", "the API token is unknown or revoked")
	}
	if err != nil {
		return opname.Actor{}, fmt.Errorf("sqldb: authenticate token: %w", err)
	}
	a.Role, a.Via = opname.Role(role), "token"
	db.tokenCache.put(hash, a, gen)
	a.Addr = addrOf(ctx)
	return a, nil
}

// tokenTTL is how long a token found is believed without asking the
// database again: a token revoked (or whose person's role changed) through
// another server or the command line stops working within this time. One
// revoked through this server stops at once.
const tokenTTL = time.Second

// maxCachedTokens bounds the tokens remembered; when full, all are
// forgotten.
const maxCachedTokens = 10_000

// tokenCache remembers the actors of tokens found, by the token's hash,
// for tokenTTL. Every change here that could end or change a token's
// actor calls forget; the generation keeps a lookup that raced such a
// change from storing what it read before it.
type tokenCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]cachedToken
}

type cachedToken struct {
	actor opname.Actor
	until time.Time
}

func (c *tokenCache) get(hash string) (opname.Actor, bool) {
	c.mu.RLock()
	t, ok := c.m[hash]
	c.mu.RUnlock()
	if !ok || time.Now().After(t.until) {
		return opname.Actor{}, false
	}
	return t.actor, true
}

func (c *tokenCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put remembers a token found, unless forget was called since gen.
func (c *tokenCache) put(hash string, a opname.Actor, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]cachedToken{}
	}
	c.m[hash] = cachedToken{a, time.Now().Add(tokenTTL)}
}

// forget drops every token remembered, after a change that could revoke a
// token or change the person it acts for.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

func addrOf(ctx context.Context) string { return opname.AddrFrom(ctx) }

// BeginTOTP gives the caller a new TOTP secret, which becomes their second
// factor once ConfirmTOTP sees a code from it.
func (db *DB) BeginTOTP(ctx context.Context) (string, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return "", err
	}
	secret, err := opname.NewTOTPSecret()
	if err != nil {
		return "", err
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET totp_pending = ? WHERE org_id = ? AND id = ?`), secret, a.OrgID, a.UserID); err != nil {
		return "", fmt.Errorf("sqldb: begin totp: %w", err)
	}
	return secret, nil
}

// ConfirmTOTP checks a code from the pending secret, makes that secret the
// caller's second factor and marks the session's second factor done.
func (db *DB) ConfirmTOTP(ctx context.Context, sessionSecret, code string) error {
	return db.checkTOTP(ctx, sessionSecret, code, true)
}

// VerifyTOTP checks a code from the caller's second factor and marks the
// session's second factor done. Wrong codes are throttled like wrong
// passwords.
func (db *DB) VerifyTOTP(ctx context.Context, sessionSecret, code string) error {
	return db.checkTOTP(ctx, sessionSecret, code, false)
}

func (db *DB) checkTOTP(ctx context.Context, sessionSecret, code string, pending bool) error {
	a, err := orgActor(ctx)
	if err != nil {
		return err
	}
	var secret, pend, slug, email string
	var last int64
	err = db.read.QueryRowContext(ctx, db.q(`SELECT u.totp_secret, u.totp_pending, u.totp_last_step, o.slug, u.email FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.org_id = ? AND u.id = ?`), a.OrgID, a.UserID).
		Scan(&secret, &pend, &last, &slug, &email)
	if err != nil {
		return fmt.Errorf("sqldb: totp: %w", err)
	}
	keys := throttleKeysFor(slug, email, addrOf(ctx))
	wait, err := db.throttled(ctx, keys)
	if err != nil {
		return err
	}
	if wait > 0 {
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "totp throttled"}); err != nil {
			return err
		}
		return tooMany(wait)
	}
	if pending {
		secret = pend
	}
	if secret == "" {
		return opname.Invalidf("code", "totp.none", "there is no authenticator app to check it against; set one up first")
	}
	step, ok := opname.CheckTOTP(secret, code, db.Now(), last)
	if !ok {
		if err := db.countFailure(ctx, keys); err != nil {
			return err
		}
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "totp"}); err != nil {
			return err
		}
		return opname.Invalidf("code", "totp.wrong", "this code is not right; enter the 6 digits your authenticator app shows now")
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if pending {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET totp_secret = totp_pending, totp_pending = '' WHERE id = ?`), a.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET totp_last_step = ? WHERE id = ?`), step, a.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE sessions SET second_factor = ? WHERE id = ? AND user_id = ?`), true, hashSecret(sessionSecret), a.UserID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: totp: %w", err)
	}
	if err := db.forgive(ctx, keys); err != nil {
		return err
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, ObjectType: "session", Purpose: "totp"})
}
