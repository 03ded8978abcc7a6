package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/opname/opname"
)

// Sign-in throttling.
//
// Wrong passwords and wrong second-factor codes are counted under three
// keys, in the database so that every server sees them:
//
//   - the account as typed: organisation slug and e-mail address, whether
//     or not such an account exists, so that a made-up account is throttled
//     exactly like a real one and the answers cannot tell them apart;
//   - the source address (an IPv6 address by its /64, which one machine
//     usually has whole);
//   - the account from that address.
//
// After a key's free failures, each further failure doubles the wait before
// the next attempt, up to a cap. An attempt inside a wait is refused before
// any password is checked (TooMany, saying how long to wait); a request
// never sleeps.
//
// Why the account's wait does not stop everyone: if it did, anybody who
// knows an e-mail address could keep its owner out for as long as they
// keep typing wrong passwords — the lock this replaces. So the account's
// wait applies only to addresses that have themselves failed on that
// account. The owner, typing the correct password from an address that has
// not failed on their account, is let through to the password check, and
// with the second factor signs in. What an attacker gains is one attempt
// per fresh address while the account waits; every address that failed
// waits with the account, and an address that tries many accounts runs
// into its own throttle.
//
// A completed sign-in (password, and the second factor when one is needed)
// forgives the failures from its own address on the account, so the
// owner's own typos stop counting against them. It forgives neither the
// account's count nor the address's: otherwise every sign-in of the owner
// would hand an outsider new free attempts, and someone with one account of
// their own could wash their address clean between guesses. A correct
// password alone forgives nothing while a second factor is still to come,
// or a stolen password would wipe out the wrong codes. An account's count
// starts again a window after its first failure; an administrator can
// clear it at once (Unlock). An address's throttle ends by itself.

// Throttling limits.
const (
	// FreeFailures is how many failures an account may have before it must
	// wait between attempts.
	FreeFailures = 5
	// FreeAddressFailures is how many failures a source address may have,
	// for all accounts together, before it must wait. It is higher than an
	// account's because many people may share an office's address.
	FreeAddressFailures = 50
	// ThrottleWindow is how long failures count, from a key's first.
	ThrottleWindow = 24 * time.Hour
)

// throttleRule is when a key must wait: after free failures, first, then
// twice as long for each further failure, at most max.
type throttleRule struct {
	free       int
	first, max time.Duration
}

var (
	accountRule = throttleRule{free: FreeFailures, first: time.Minute, max: 30 * time.Minute}
	addressRule = throttleRule{free: FreeAddressFailures, first: time.Minute, max: time.Hour}
)

func (r throttleRule) wait(failures int) time.Duration {
	if failures < r.free {
		return 0
	}
	w := r.first
	for i := r.free; i < failures && w < r.max; i++ {
		w *= 2
	}
	return min(w, r.max)
}

// throttleKeys are the keys one attempt counts under.
type throttleKeys struct {
	account, address, pair string
}

// throttleKeysFor returns the keys of an attempt on the account orgSlug and
// email from addr. The slug and address are compared as sign-in finds them:
// trimmed and in lower case.
func throttleKeysFor(orgSlug, email, addr string) throttleKeys {
	account := throttleHash("account", normalSlug(orgSlug), normalEmail(email))
	network := addrNetwork(addr)
	return throttleKeys{account: account, address: throttleHash("address", network), pair: throttleHash("pair", account, network)}
}

func normalSlug(s string) string  { return strings.ToLower(strings.TrimSpace(s)) }
func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func throttleHash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// addrNetwork is the network an address counts as: an IPv4 address itself,
// an IPv6 address its /64.
func addrNetwork(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// throttled returns how long an attempt under k must wait; zero lets it
// through.
func (db *DB) throttled(ctx context.Context, k throttleKeys) (time.Duration, error) {
	now := db.Now().Truncate(time.Microsecond) // as stored
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT key, failures, window_start, wait_until FROM sign_in_throttle WHERE key IN (?, ?, ?)`), k.account, k.address, k.pair)
	if err != nil {
		return 0, fmt.Errorf("sqldb: throttle: %w", err)
	}
	defer rows.Close()
	var accountWait, addressWait time.Duration
	pairFailed := false
	for rows.Next() {
		var key string
		var failures int
		var windowStart, waitUntil int64
		if err := rows.Scan(&key, &failures, &windowStart, &waitUntil); err != nil {
			return 0, fmt.Errorf("sqldb: throttle: %w", err)
		}
		wait := fromMicro(waitUntil).Sub(now)
		switch key {
		case k.account:
			accountWait = wait
		case k.address:
			addressWait = wait
		case k.pair:
			pairFailed = failures > 0 && now.Before(fromMicro(windowStart).Add(ThrottleWindow))
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqldb: throttle: %w", err)
	}
	wait := addressWait
	if pairFailed {
		wait = max(wait, accountWait)
	}
	return max(wait, 0), nil
}

// countFailure counts a failed attempt under each of k's keys and sets
// their waits.
func (db *DB) countFailure(ctx context.Context, k throttleKeys) error {
	now := db.Now().Truncate(time.Microsecond)
	windowOver := micro(now.Add(-ThrottleWindow))
	keys := []struct {
		key, account string
		rule         *throttleRule
	}{{k.account, k.account, &accountRule}, {k.address, "", &addressRule}, {k.pair, k.account, nil}}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Keys whose window and wait are over count for nothing.
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sign_in_throttle WHERE window_start <= ? AND wait_until <= ?`), windowOver, micro(now)); err != nil {
			return err
		}
		for _, c := range keys {
			var failures int
			err := tx.QueryRowContext(ctx, db.q(`INSERT INTO sign_in_throttle (key, account, failures, window_start, wait_until) VALUES (?, ?, 1, ?, 0)
				ON CONFLICT (key) DO UPDATE SET
					failures = CASE WHEN sign_in_throttle.window_start <= ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
					window_start = CASE WHEN sign_in_throttle.window_start <= ? THEN excluded.window_start ELSE sign_in_throttle.window_start END
				RETURNING failures`), c.key, c.account, micro(now), windowOver, windowOver).Scan(&failures)
			if err != nil {
				return err
			}
			if c.rule == nil {
				continue
			}
			if wait := c.rule.wait(failures); wait > 0 {
				if _, err := tx.ExecContext(ctx, db.q(`UPDATE sign_in_throttle SET wait_until = ? WHERE key = ?`), micro(now.Add(wait)), c.key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqldb: throttle: %w", err)
	}
	return nil
}

// forgive clears the failures from this address on the account, after a
// completed sign-in.
func (db *DB) forgive(ctx context.Context, k throttleKeys) error {
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sign_in_throttle WHERE key = ?`), k.pair); err != nil {
		return fmt.Errorf("sqldb: throttle: %w", err)
	}
	return nil
}

// unthrottle clears an account's failures from every address.
func (db *DB) unthrottle(ctx context.Context, ex execer, orgSlug, email string) error {
	account := throttleKeysFor(orgSlug, email, "").account
	if _, err := ex.ExecContext(ctx, db.q(`DELETE FROM sign_in_throttle WHERE account = ?`), account); err != nil {
		return fmt.Errorf("sqldb: throttle: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// tooMany is the answer to an attempt inside a wait. It is the same for
// every account, real or not.
func tooMany(wait time.Duration) error {
	return &opname.Error{Kind: opname.TooMany, RetryAfter: wait, Code: "auth.throttled", Msg: fmt.Sprintf(
		"too many failed attempts to sign in, to this account or from this address; try again in %s, or ask an administrator to unlock the account", waitText(wait))}
}

// waitText says a wait in whole minutes, rounded up: a person needs no
// more, and the answer does not change from one second to the next.
func waitText(d time.Duration) string {
	if n := int((d + time.Minute - 1) / time.Minute); n > 1 {
		return fmt.Sprintf("%d minutes", n)
	}
	return "1 minute"
}

// Unlock clears the sign-in throttle of a person's account (admin): wrong
// passwords and codes from every address no longer make them wait.
func (db *DB) Unlock(ctx context.Context, userID string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	var slug, email string
	err = db.read.QueryRowContext(ctx, db.q(`SELECT o.slug, u.email FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.org_id = ? AND u.id = ?`), a.OrgID, userID).Scan(&slug, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("user")
	}
	if err != nil {
		return fmt.Errorf("sqldb: unlock: %w", err)
	}
	if err := db.unthrottle(ctx, db.write, slug, email); err != nil {
		return err
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "user", ObjectID: userID, Purpose: "sign-in unlocked"})
}
