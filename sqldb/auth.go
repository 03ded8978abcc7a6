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
	"time"

	"github.com/opname/opname"
)

// Sign-in limits.
const (
	// MaxFailedSignIns is how many wrong passwords in a row lock an account.
	MaxFailedSignIns = 5
	// LockDuration is how long a locked account stays locked.
	LockDuration = 15 * time.Minute
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends every session this long after sign-in.
	SessionMax = 12 * time.Hour
	// touchEvery bounds how often a session's last use is written.
	touchEvery = time.Minute
)

var errBadCredentials = &opname.Error{Kind: opname.Unauthorized, Msg: "the e-mail address or the password is wrong"}

// dummyHash is compared against when an account does not exist, so that a
// wrong address takes as long as a wrong password.
var dummyHash, _ = opname.HashPassword("opname-no-such-account")

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

// SignIn checks a local password and starts a session.
func (db *DB) SignIn(ctx context.Context, orgSlug, email, password string) (string, *opname.Session, error) {
	org, err := db.OrganisationBySlug(ctx, orgSlug)
	if opname.KindOf(err) == opname.NotFound {
		opname.PasswordMatches(dummyHash, password)
		return "", nil, errBadCredentials
	}
	if err != nil {
		return "", nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	var id, name, role, hash, totp string
	var disabled bool
	var failed int
	var lockedUntil int64
	err = db.read.QueryRowContext(ctx, db.q(`SELECT id, name, role, password_hash, totp_secret, disabled, failed_logins, locked_until FROM users WHERE org_id = ? AND email = ?`), org.ID, email).
		Scan(&id, &name, &role, &hash, &totp, &disabled, &failed, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		opname.PasswordMatches(dummyHash, password)
		return "", nil, errBadCredentials
	}
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: sign in: %w", err)
	}
	now := db.Now()
	who := opname.Actor{OrgID: org.ID, UserID: id, Name: name, Role: opname.Role(role), Via: "password", Addr: addrOf(ctx)}
	logCtx := opname.WithActor(ctx, who)
	if lockedUntil > micro(now) {
		_ = db.Record(logCtx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "locked"})
		wait := time.Until(fromMicro(lockedUntil)).Round(time.Minute)
		return "", nil, &opname.Error{Kind: opname.Forbidden, Msg: fmt.Sprintf("this account is locked after %d wrong passwords; try again in %d minutes or ask an administrator", MaxFailedSignIns, max(int(wait.Minutes()), 1))}
	}
	if hash == "" || disabled || !opname.PasswordMatches(hash, password) {
		failed++
		lock := int64(0)
		if failed >= MaxFailedSignIns {
			failed, lock = 0, micro(now.Add(LockDuration))
		}
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`), failed, lock, id); err != nil {
			return "", nil, fmt.Errorf("sqldb: sign in: %w", err)
		}
		if err := db.Record(logCtx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session"}); err != nil {
			return "", nil, err
		}
		return "", nil, errBadCredentials
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?`), id); err != nil {
		return "", nil, fmt.Errorf("sqldb: sign in: %w", err)
	}
	return db.startSession(logCtx, who, org.RequireTOTP || totp != "")
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
		return opname.Actor{}, nil, &opname.Error{Kind: opname.Unauthorized, Msg: "sign in first"}
	}
	if err != nil {
		return opname.Actor{}, nil, fmt.Errorf("sqldb: authenticate: %w", err)
	}
	s.CreatedAt, s.LastSeen = fromMicro(created), fromMicro(seen)
	now := db.Now()
	if disabled || now.Sub(s.LastSeen) > SessionIdle || now.Sub(s.CreatedAt) > SessionMax {
		_, _ = db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE id = ?`), s.ID)
		return opname.Actor{}, nil, &opname.Error{Kind: opname.Unauthorized, Msg: "your session has ended; sign in again"}
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

// SetPassword sets the caller's password.
func (db *DB) SetPassword(ctx context.Context, password string) error {
	a, err := orgActor(ctx)
	if err != nil {
		return err
	}
	return db.setPassword(ctx, a.OrgID, a.UserID, password)
}

func (db *DB) setPassword(ctx context.Context, orgID, userID, password string) error {
	if err := opname.CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := opname.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE org_id = ? AND id = ?`), hash, orgID, userID); err != nil {
		return fmt.Errorf("sqldb: set password: %w", err)
	}
	return nil
}

// CreateOneTime makes a one-time sign-in secret for a person of the caller's
// organisation (admin); an administrator resets a password this way.
func (db *DB) CreateOneTime(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return "", err
	}
	if _, err := db.userRole(ctx, a.OrgID, userID); err != nil {
		return "", err
	}
	secret, hash := db.secret("otp_")
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO one_time_secrets (hash, org_id, user_id, expires_at) VALUES (?, ?, ?, ?)`),
		hash, a.OrgID, userID, micro(db.Now().Add(ttl))); err != nil {
		return "", fmt.Errorf("sqldb: one-time secret: %w", err)
	}
	return secret, nil
}

// Redeem spends a one-time secret, sets the password and starts a session.
func (db *DB) Redeem(ctx context.Context, oneTime, password string) (string, *opname.Session, error) {
	if err := opname.CheckPasswordRules(password); err != nil {
		return "", nil, err
	}
	var orgID, userID string
	var expires int64
	var used sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT org_id, user_id, expires_at, used_at FROM one_time_secrets WHERE hash = ?`), hashSecret(oneTime)).Scan(&orgID, &userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (used.Valid || expires < micro(db.Now())) {
		return "", nil, &opname.Error{Kind: opname.Unauthorized, Msg: "this sign-in link is unknown, used or expired; ask an administrator for a new one"}
	}
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: redeem: %w", err)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE one_time_secrets SET used_at = ? WHERE hash = ? AND used_at IS NULL`), micro(db.Now()), hashSecret(oneTime))
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: redeem: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", nil, &opname.Error{Kind: opname.Unauthorized, Msg: "this sign-in link was used just now"}
	}
	if err := db.setPassword(ctx, orgID, userID, password); err != nil {
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
	return db.startSession(opname.WithActor(ctx, who), who, org.RequireTOTP || totp != "")
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
		return "", nil, invalid("name", "", "give the token a name, such as the system that uses it")
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

// RevokeToken ends a token of the caller's organisation (admin).
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`), micro(db.Now()), a.OrgID, id)
	if err != nil {
		return fmt.Errorf("sqldb: revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("token")
	}
	return nil
}

// Tokens lists the caller's organisation's API tokens, newest first.
func (db *DB) Tokens(ctx context.Context) ([]opname.Token, error) {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, user_id, name, created_at, revoked_at FROM tokens WHERE org_id = ? ORDER BY created_at DESC, id`), a.OrgID)
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

// AuthenticateToken turns a bearer token into its actor.
func (db *DB) AuthenticateToken(ctx context.Context, secret string) (opname.Actor, error) {
	var a opname.Actor
	var role string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT t.org_id, t.user_id, t.name, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		WHERE t.hash = ? AND t.revoked_at IS NULL AND NOT u.disabled`), hashSecret(secret)).Scan(&a.OrgID, &a.UserID, &a.OnBehalfOf, &a.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return opname.Actor{}, &opname.Error{Kind: opname.Unauthorized, Msg: "the API token is unknown or revoked"}
	}
	if err != nil {
		return opname.Actor{}, fmt.Errorf("sqldb: authenticate token: %w", err)
	}
	a.Role, a.Via, a.Addr = opname.Role(role), "token", addrOf(ctx)
	return a, nil
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
// session's second factor done. Wrong codes count towards the lock, like
// wrong passwords.
func (db *DB) VerifyTOTP(ctx context.Context, sessionSecret, code string) error {
	return db.checkTOTP(ctx, sessionSecret, code, false)
}

func (db *DB) checkTOTP(ctx context.Context, sessionSecret, code string, pending bool) error {
	a, err := orgActor(ctx)
	if err != nil {
		return err
	}
	var secret, pend string
	var last, lockedUntil int64
	var failed int
	err = db.read.QueryRowContext(ctx, db.q(`SELECT totp_secret, totp_pending, totp_last_step, failed_logins, locked_until FROM users WHERE org_id = ? AND id = ?`), a.OrgID, a.UserID).
		Scan(&secret, &pend, &last, &failed, &lockedUntil)
	if err != nil {
		return fmt.Errorf("sqldb: totp: %w", err)
	}
	now := db.Now()
	if lockedUntil > micro(now) {
		return &opname.Error{Kind: opname.Forbidden, Msg: "this account is locked after too many wrong codes; try again later or ask an administrator"}
	}
	if pending {
		secret = pend
	}
	if secret == "" {
		return &opname.Error{Kind: opname.Invalid, Msg: "code: there is no authenticator app to check it against; set one up first"}
	}
	step, ok := opname.CheckTOTP(secret, code, now, last)
	if !ok {
		failed++
		lock := int64(0)
		if failed >= MaxFailedSignIns {
			failed, lock = 0, micro(now.Add(LockDuration))
		}
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`), failed, lock, a.UserID); err != nil {
			return fmt.Errorf("sqldb: totp: %w", err)
		}
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ObjectType: "session", Purpose: "totp"}); err != nil {
			return err
		}
		return &opname.Error{Kind: opname.Invalid, Msg: "code: this code is not right; enter the 6 digits your authenticator app shows now"}
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if pending {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET totp_secret = totp_pending, totp_pending = '' WHERE id = ?`), a.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET totp_last_step = ?, failed_logins = 0 WHERE id = ?`), step, a.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE sessions SET second_factor = ? WHERE id = ? AND user_id = ?`), true, hashSecret(sessionSecret), a.UserID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: totp: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessSignIn, ObjectType: "session", Purpose: "totp"})
}
