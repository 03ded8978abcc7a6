package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opname/opname"
)

// Client links (see opname.ClientLink). A link's code is stored as its
// hash, like every secret here. Opening a link takes the same steps for
// every code — one query by hash, the throttle, one write — and a code that
// never existed, one that expired and one that was stopped get the same
// NotFound; each counts as a failure from the caller's address, so
// guessing is throttled like signing in (see throttle.go).

// LinkPINFree is how many wrong PINs a link allows before each further try
// must wait; LinkPINMax wrong PINs in a row stop the link.
const (
	LinkPINFree = 3
	LinkPINMax  = 10
)

// linkPINRule is how long a link waits after its free wrong PINs.
var linkPINRule = throttleRule{free: LinkPINFree, first: time.Minute, max: time.Hour}

var errLinkUnknown = opname.Coded(opname.NotFound, "link.unknown", "this link does not work (any more)")

// linkThrottleKeys are the throttle's keys for opening links from addr:
// all links together count as one account.
func linkThrottleKeys(addr string) throttleKeys {
	return throttleKeysFor("", "client-links", addr)
}

// CreateLink makes a link for a person of a client the caller works with;
// see opname.Links.
func (db *DB) CreateLink(ctx context.Context, l *opname.ClientLink) (string, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return "", err
	}
	if _, err := db.client(ctx, a, l.ClientID); err != nil {
		return "", err
	}
	if err := opname.CheckLinkParty(l.Party); err != nil {
		return "", err
	}
	l.Name = strings.TrimSpace(l.Name)
	if err := opname.Line.Chars(100).Check("name", l.Name); err != nil {
		return "", err
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	if l.ExpiresAt.IsZero() {
		l.ExpiresAt = now.AddDate(0, 0, opname.DefaultLinkDays)
	}
	if !l.ExpiresAt.After(now) {
		return "", opname.Invalidf("expires_at", "link.expires", "the link would expire before it is given")
	}
	raw := make([]byte, 17)
	if _, err := io.ReadFull(db.Rand, raw); err != nil {
		return "", fmt.Errorf("sqldb: link code: %w", err)
	}
	code := opname.LinkCode(raw)
	l.ID, l.OrgID, l.CreatedAt, l.CreatedBy, l.RevokedAt, l.PINSet = opname.NewLinkID(db.newID()), a.OrgID, now, a.UserID, nil, false
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO client_links (id, hash, org_id, client_id, party, name, created_at, created_by, expires_at, pin_required)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		l.ID, hashSecret(code), l.OrgID, l.ClientID, l.Party, l.Name, micro(now), l.CreatedBy, micro(l.ExpiresAt), l.PINRequired)
	if err != nil {
		return "", fmt.Errorf("sqldb: create link: %w", err)
	}
	return code, db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: l.ClientID, ObjectType: "client_link", ObjectID: l.ID, Purpose: l.Party})
}

const linkColumns = `id, org_id, client_id, party, name, created_at, created_by, expires_at, revoked_at, pin_required, pin_hash <> '', last_used`

func scanLink(row interface{ Scan(...any) error }, extra ...any) (*opname.ClientLink, error) {
	var l opname.ClientLink
	var created, expires, revoked, used int64
	dest := append([]any{&l.ID, &l.OrgID, &l.ClientID, &l.Party, &l.Name, &created, &l.CreatedBy, &expires, &revoked, &l.PINRequired, &l.PINSet, &used}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt = fromMicro(created), fromMicro(expires)
	if revoked != 0 {
		t := fromMicro(revoked)
		l.RevokedAt = &t
	}
	if used != 0 {
		l.LastUsed = fromMicro(used)
	}
	return &l, nil
}

// ClientLinks lists a client's links, newest first, as one logged read.
func (db *DB) ClientLinks(ctx context.Context, clientID string) ([]opname.ClientLink, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+linkColumns+` FROM client_links WHERE org_id = ? AND client_id = ? ORDER BY created_at DESC, id`), a.OrgID, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: client links: %w", err)
	}
	defer rows.Close()
	out := []opname.ClientLink{}
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: client links: %w", err)
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: client links: %w", err)
	}
	return out, db.logList(ctx, clientID, "client_links", "", len(out))
}

// link reads a link the caller may act on: staff who may see its client,
// or its own holder.
func (db *DB) link(ctx context.Context, a opname.Actor, id string) (*opname.ClientLink, error) {
	if a.Role == opname.RoleLinkHolder && a.UserID != id {
		return nil, notFound("link")
	}
	l, err := scanLink(db.read.QueryRowContext(ctx, db.q(`SELECT `+linkColumns+` FROM client_links WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("link")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: link: %w", err)
	}
	if _, err := db.client(ctx, a, l.ClientID); err != nil {
		return nil, notFound("link")
	}
	return l, nil
}

// Link returns the caller's own link.
func (db *DB) Link(ctx context.Context) (*opname.ClientLink, error) {
	a, err := orgActor(ctx, opname.RoleLinkHolder)
	if err != nil {
		return nil, err
	}
	return db.link(ctx, a, a.UserID)
}

// RevokeLink stops a link and ends its sessions. Stopping a stopped link
// changes nothing.
func (db *DB) RevokeLink(ctx context.Context, id string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	l, err := db.link(ctx, a, id)
	if err != nil {
		return err
	}
	if l.RevokedAt != nil {
		return nil
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE client_links SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0`), micro(db.Now()), a.OrgID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM link_sessions WHERE link_id = ?`), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: revoke link: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessDelete, ClientID: l.ClientID, ObjectType: "client_link", ObjectID: id, Purpose: "revoked"})
}

// ResetLinkPIN clears a link's PIN and its wrong tries, and ends its
// sessions: its holder chooses a new PIN at the next use.
func (db *DB) ResetLinkPIN(ctx context.Context, id string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	l, err := db.link(ctx, a, id)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE client_links SET pin_hash = '', pin_failures = 0, pin_wait_until = 0 WHERE org_id = ? AND id = ?`), a.OrgID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM link_sessions WHERE link_id = ?`), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: reset link pin: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: l.ClientID, ObjectType: "client_link", ObjectID: id, Purpose: "pin reset"})
}

// OpenLink turns a code into a session of its link; see opname.Links.
func (db *DB) OpenLink(ctx context.Context, typed string) (string, *opname.LinkSession, error) {
	code, _ := opname.NormalLinkCode(typed)
	keys := linkThrottleKeys(addrOf(ctx))
	wait, err := db.throttled(ctx, keys)
	if err != nil {
		return "", nil, err
	}
	if wait > 0 {
		return "", nil, tooManyLinks(wait)
	}
	var pinHash string
	l, err := scanLink(db.read.QueryRowContext(ctx, db.q(`SELECT `+linkColumns+`, pin_hash FROM client_links WHERE hash = ?`), hashSecret(code)), &pinHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("sqldb: open link: %w", err)
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	if err != nil || !l.Usable(now) {
		if err := db.countFailure(ctx, keys); err != nil {
			return "", nil, err
		}
		return "", nil, errLinkUnknown
	}
	secret, hash := db.secret("lks_")
	s := &opname.LinkSession{ID: hash, LinkID: l.ID, OrgID: l.OrgID, CreatedAt: now, PINDone: !l.PINRequired}
	s.PINNeeded = pinNeeded(l.PINRequired, s.PINDone, pinHash != "")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO link_sessions (id, link_id, org_id, created_at, last_seen, pin_done) VALUES (?, ?, ?, ?, ?, ?)`),
			s.ID, s.LinkID, s.OrgID, micro(now), micro(now), s.PINDone); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE client_links SET last_used = ? WHERE id = ?`), micro(now), l.ID)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: open link: %w", err)
	}
	holder := opname.WithActor(ctx, opname.LinkHolder(l, addrOf(ctx)))
	return secret, s, db.Record(holder, opname.AccessEvent{Action: opname.AccessSignIn, ClientID: l.ClientID, ObjectType: "link_session", Purpose: "link"})
}

func pinNeeded(required, done, set bool) string {
	switch {
	case !required || done:
		return ""
	case set:
		return "enter"
	}
	return "choose"
}

// tooManyLinks is the answer to an address that tried too many codes.
func tooManyLinks(wait time.Duration) error {
	return &opname.Error{Kind: opname.TooMany, RetryAfter: wait, Code: "link.throttled", Args: []any{waitText(wait)},
		Msg: fmt.Sprintf("too many codes that do not work were tried from this address; try again in %s", waitText(wait))}
}

// linkSession reads a link session with its link and the link's PIN hash,
// ending it when it is over or its link stopped.
func (db *DB) linkSession(ctx context.Context, secret string) (*opname.LinkSession, *opname.ClientLink, string, error) {
	var s opname.LinkSession
	var created, seen int64
	var pinHash string
	var failures int
	var waitUntil int64
	l, err := scanLink(db.read.QueryRowContext(ctx, db.q(`SELECT l.id, l.org_id, l.client_id, l.party, l.name, l.created_at, l.created_by, l.expires_at, l.revoked_at, l.pin_required, l.pin_hash <> '', l.last_used,
		s.id, s.created_at, s.last_seen, s.pin_done, l.pin_hash, l.pin_failures, l.pin_wait_until
		FROM link_sessions s JOIN client_links l ON l.id = s.link_id AND l.org_id = s.org_id WHERE s.id = ?`), hashSecret(secret)),
		&s.ID, &created, &seen, &s.PINDone, &pinHash, &failures, &waitUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, "", errLinkUnknown
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("sqldb: link session: %w", err)
	}
	s.LinkID, s.OrgID, s.CreatedAt = l.ID, l.OrgID, fromMicro(created)
	now := db.Now()
	if !l.Usable(now) || now.Sub(fromMicro(seen)) > SessionIdle || now.Sub(s.CreatedAt) > SessionMax {
		_, _ = db.write.ExecContext(ctx, db.q(`DELETE FROM link_sessions WHERE id = ?`), s.ID)
		return nil, nil, "", errLinkUnknown
	}
	if now.Sub(fromMicro(seen)) > touchEvery {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE link_sessions SET last_seen = ? WHERE id = ?`), micro(now), s.ID); err != nil {
			return nil, nil, "", fmt.Errorf("sqldb: link session: %w", err)
		}
	}
	s.PINNeeded = pinNeeded(l.PINRequired, s.PINDone, pinHash != "")
	return &s, l, pinHash, nil
}

// AuthenticateLink turns a link session's secret into its holder.
func (db *DB) AuthenticateLink(ctx context.Context, secret string) (opname.Actor, *opname.LinkSession, error) {
	s, l, _, err := db.linkSession(ctx, secret)
	if err != nil {
		return opname.Actor{}, nil, err
	}
	return opname.LinkHolder(l, addrOf(ctx)), s, nil
}

// SetLinkPIN sets the PIN of the session's link, at first use only.
func (db *DB) SetLinkPIN(ctx context.Context, secret, pin string) error {
	s, l, _, err := db.linkSession(ctx, secret)
	if err != nil {
		return err
	}
	if s.PINNeeded != "choose" {
		return opname.Coded(opname.Conflict, "link.pin_set", "a PIN was chosen already")
	}
	if err := opname.CheckPIN(pin); err != nil {
		return err
	}
	hash, err := opname.HashPasswordCost(pin, db.PasswordCost)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE client_links SET pin_hash = ? WHERE id = ? AND pin_hash = ''`), hash, l.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opname.Coded(opname.Conflict, "link.pin_set", "a PIN was chosen already")
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE link_sessions SET pin_done = ? WHERE id = ?`), true, s.ID)
		return err
	})
	if err != nil {
		if opname.KindOf(err) == opname.Conflict {
			return err
		}
		return fmt.Errorf("sqldb: set link pin: %w", err)
	}
	holder := opname.WithActor(ctx, opname.LinkHolder(l, addrOf(ctx)))
	return db.Record(holder, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: l.ClientID, ObjectType: "client_link", ObjectID: l.ID, Purpose: "pin chosen"})
}

// CheckLinkPIN checks the PIN of the session's link. After LinkPINFree
// wrong PINs each try waits longer; LinkPINMax wrong PINs stop the link.
func (db *DB) CheckLinkPIN(ctx context.Context, secret, pin string) error {
	s, l, hash, err := db.linkSession(ctx, secret)
	if err != nil {
		return err
	}
	if s.PINNeeded != "enter" {
		return nil
	}
	var failures int
	var waitUntil int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT pin_failures, pin_wait_until FROM client_links WHERE id = ?`), l.ID).Scan(&failures, &waitUntil); err != nil {
		return fmt.Errorf("sqldb: check link pin: %w", err)
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	if wait := fromMicro(waitUntil).Sub(now); wait > 0 {
		return &opname.Error{Kind: opname.TooMany, RetryAfter: wait, Code: "link.pin_throttled", Args: []any{waitText(wait)},
			Msg: fmt.Sprintf("too many wrong PINs; try again in %s", waitText(wait))}
	}
	holder := opname.WithActor(ctx, opname.LinkHolder(l, addrOf(ctx)))
	if !db.PasswordMatches(hash, pin) {
		failures++
		revoked := int64(0)
		if failures >= LinkPINMax {
			revoked = micro(now)
		}
		wait := micro(now.Add(linkPINRule.wait(failures)))
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE client_links SET pin_failures = ?, pin_wait_until = ?, revoked_at = CASE WHEN ? > 0 THEN ? ELSE revoked_at END WHERE id = ?`),
			failures, wait, revoked, revoked, l.ID); err != nil {
			return fmt.Errorf("sqldb: check link pin: %w", err)
		}
		if err := db.Record(holder, opname.AccessEvent{Action: opname.AccessSignIn, Outcome: "failure", ClientID: l.ClientID, ObjectType: "link_session", Purpose: "wrong pin"}); err != nil {
			return err
		}
		return opname.Coded(opname.Unauthorized, "link.pin_wrong", "this PIN is not right")
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE client_links SET pin_failures = 0, pin_wait_until = 0 WHERE id = ?`), l.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE link_sessions SET pin_done = ? WHERE id = ?`), true, s.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: check link pin: %w", err)
	}
	return db.Record(holder, opname.AccessEvent{Action: opname.AccessSignIn, ClientID: l.ClientID, ObjectType: "link_session", Purpose: "pin"})
}

// linkIDLike matches the ids of links in a LIKE with escape character \.
var linkIDLike = strings.ReplaceAll(opname.NewLinkID(""), "_", `\_`) + "%"

// LinkActivity counts the requests link holders made and the steps they
// took on requests since a time, in the caller's organisation.
func (db *DB) LinkActivity(ctx context.Context, since time.Time) (opname.LinkActivity, error) {
	var act opname.LinkActivity
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return act, err
	}
	err = db.read.QueryRowContext(ctx, db.q(`SELECT
		(SELECT COUNT(*) FROM requests WHERE org_id = ? AND created_by LIKE ? ESCAPE '\' AND created_at >= ?),
		(SELECT COUNT(*) FROM request_decisions WHERE org_id = ? AND made_by LIKE ? ESCAPE '\' AND seq > 0 AND at >= ?)`),
		a.OrgID, linkIDLike, micro(since), a.OrgID, linkIDLike, micro(since)).Scan(&act.Announced, &act.Answered)
	if err != nil {
		return act, fmt.Errorf("sqldb: link activity: %w", err)
	}
	return act, nil
}
