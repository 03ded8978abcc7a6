package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

const password = "correct horse battery staple"

// hashCost returns the parameters of a password hash: "m=…,t=…,p=…".
func hashCost(hash string) string {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return "no PHC string"
	}
	return parts[3]
}

// from is a context of a request from the source address addr.
func from(addr string) context.Context { return opname.WithAddr(context.Background(), addr) }

// withPassword gives a person of w a password and returns the secret of
// the session that set it.
func withPassword(t *testing.T, db *sqldb.DB, admin, person opname.Actor) string {
	t.Helper()
	once, _, err := db.CreateOneTime(as(admin), person.UserID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := db.Redeem(context.Background(), once, password)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var e *opname.Error
	if !errors.As(err, &e) || e.Kind != opname.TooMany {
		t.Fatalf("error = %v, want too many attempts", err)
	}
	return e.RetryAfter
}

// TestThrottle: wrong passwords make an account wait, twice as long after
// each further failure up to a cap; the wait stops the addresses that
// failed, not the owner's correct password from an address that did not;
// wrong second-factor codes count the same way; an address that tries many
// accounts waits on its own.
func TestThrottle(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := w.a[opname.RoleStaff]
		withPassword(t, db, w.a[opname.RoleAdmin], staff)
		clock := time.Now()
		db.Now = func() time.Time { return clock }
		outsider, owner := from("192.0.2.1"), from("198.51.100.7")

		for i := range sqldb.FreeFailures {
			_, _, err := db.SignIn(outsider, "org-a", "staff@org-a.nl", "wrong password!!")
			if opname.KindOf(err) != opname.Unauthorized {
				t.Fatalf("wrong password %d: %v, want unauthorized", i+1, err)
			}
		}
		for _, want := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
			_, _, err := db.SignIn(outsider, "org-a", "staff@org-a.nl", password)
			if got := retryAfter(t, err); got != want*time.Minute {
				t.Fatalf("wait = %v, want %v", got, want*time.Minute)
			}
			if !strings.Contains(opname.Message(err), "try again in") {
				t.Errorf("message %q does not say when to try again", opname.Message(err))
			}
			clock = clock.Add(want * time.Minute)
			_, _, err = db.SignIn(outsider, "org-a", "staff@org-a.nl", "wrong password!!")
			wantKind(t, err, opname.Unauthorized)
		}

		// The owner gets in during the wait; the outsider still waits.
		if _, s, err := db.SignIn(owner, "org-a", "staff@org-a.nl", password); err != nil || s.UserID != staff.UserID {
			t.Fatalf("the owner's correct password during the wait: %v", err)
		}
		_, _, err := db.SignIn(outsider, "org-a", "staff@org-a.nl", password)
		retryAfter(t, err)

		// The owner's own typo during the wait makes the owner wait too; a
		// completed sign-in forgives the owner's typos, not the outsider's.
		_, _, err = db.SignIn(owner, "org-a", "staff@org-a.nl", "typed it wrong")
		wantKind(t, err, opname.Unauthorized)
		_, _, err = db.SignIn(owner, "org-a", "staff@org-a.nl", password)
		retryAfter(t, err)
		clock = clock.Add(31 * time.Minute)
		if _, _, err := db.SignIn(owner, "org-a", "staff@org-a.nl", password); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SignIn(outsider, "org-a", "staff@org-a.nl", "wrong password!!")
		wantKind(t, err, opname.Unauthorized)
		if _, _, err := db.SignIn(owner, "org-a", "staff@org-a.nl", password); err != nil {
			t.Fatalf("the owner after a completed sign-in, in a new wait: %v", err)
		}
		_, _, err = db.SignIn(outsider, "org-a", "staff@org-a.nl", password)
		retryAfter(t, err)

		// Wrong codes of the second factor, by someone who knows the
		// password of another person.
		colleague := "staff2@org-a.nl"
		withPassword(t, db, w.a[opname.RoleAdmin], w.staffA2)
		secret, _, err := db.SignIn(owner, "org-a", colleague, password)
		if err != nil {
			t.Fatal(err)
		}
		ownerCtx := opname.WithActor(owner, w.staffA2)
		totp, err := db.BeginTOTP(ownerCtx)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := opname.TOTPCode(totp, clock)
		if err := db.ConfirmTOTP(ownerCtx, secret, code); err != nil {
			t.Fatal(err)
		}
		thief := from("203.0.113.9")
		pending, s, err := db.SignIn(thief, "org-a", colleague, password)
		if err != nil || s.SecondFactor {
			t.Fatalf("SignIn = %+v, %v; want a session waiting for its second factor", s, err)
		}
		thiefCtx := opname.WithActor(thief, w.staffA2)
		for range sqldb.FreeFailures {
			wantKind(t, db.VerifyTOTP(thiefCtx, pending, "000000"), opname.Invalid)
		}
		clock = clock.Add(30 * time.Second)
		code, _ = opname.TOTPCode(totp, clock)
		retryAfter(t, db.VerifyTOTP(thiefCtx, pending, code))
		secret, _, err = db.SignIn(owner, "org-a", colleague, password)
		if err != nil {
			t.Fatalf("the owner's password after wrong codes elsewhere: %v", err)
		}
		if err := db.VerifyTOTP(ownerCtx, secret, code); err != nil {
			t.Fatalf("the owner's code after wrong codes elsewhere: %v", err)
		}

		// One address trying many accounts.
		spray := from("2001:db8:1:2::1")
		for i := range sqldb.FreeAddressFailures {
			_, _, err := db.SignIn(spray, "org-a", fmt.Sprintf("person%d@org-a.nl", i), "Welkom01!")
			wantKind(t, err, opname.Unauthorized)
		}
		// The same /64 is the same address.
		_, _, err = db.SignIn(from("2001:db8:1:2:ffff::1"), "org-b", "staff@org-b.nl", "Welkom01!")
		if got := retryAfter(t, err); got != time.Minute {
			t.Fatalf("the address's wait = %v, want 1m", got)
		}
		if _, _, err := db.SignIn(from("2001:db8:1:3::1"), "org-b", "staff@org-b.nl", "Welkom01!"); opname.KindOf(err) != opname.Unauthorized {
			t.Fatalf("another /64: %v, want unauthorized", err)
		}
	})
}

// TestSignInSameWork: every attempt that is let through computes exactly
// one password hash, at the same cost, and gets the same answer, whether
// the account exists, has no password yet, or the organisation does not
// exist; the throttle answers alike too.
func TestSignInSameWork(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		withPassword(t, db, w.a[opname.RoleAdmin], w.a[opname.RoleStaff])
		clock := time.Now() // waits are compared
		db.Now = func() time.Time { return clock }
		var hashes atomic.Int64
		var cost atomic.Value // the parameters of the hashes checked in an attempt
		check := db.PasswordMatches
		db.PasswordMatches = func(hash, pw string) bool {
			hashes.Add(1)
			cost.Store(cost.Load().(string) + " at " + hashCost(hash))
			return check(hash, pw)
		}
		cases := []struct{ name, org, email, addr string }{
			{"a wrong password", "org-a", "staff@org-a.nl", "192.0.2.1"},
			{"no password yet", "org-a", "manager@org-a.nl", "192.0.2.2"},
			{"an unknown e-mail address", "org-a", "nobody@org-a.nl", "192.0.2.3"},
			{"an unknown organisation", "no-such-org", "staff@org-a.nl", "192.0.2.4"},
		}
		var want []string
		for _, c := range cases {
			var got []string
			for range sqldb.FreeFailures + 1 {
				before := hashes.Load()
				cost.Store("")
				_, _, err := db.SignIn(from(c.addr), c.org, c.email, "wrong password!!")
				var e *opname.Error
				errors.As(err, &e)
				got = append(got, fmt.Sprintf("%s %s, wait %v, hashes %d%s", e.Kind, e.Msg, e.RetryAfter, hashes.Load()-before, cost.Load()))
			}
			if want == nil {
				want = got
				if !strings.HasSuffix(got[0], "hashes 1 at m=64,t=1,p=1") || !strings.HasSuffix(got[len(got)-1], "hashes 0") {
					t.Errorf("%s: %q; want one hash at the database's cost, and none when refused", c.name, got)
				}
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s, attempt %d: %s\nwant (as for %s): %s", c.name, i+1, got[i], cases[0].name, want[i])
				}
			}
		}
	})
}

// TestPasswordChangeEndsSessions: a password change ends the person's other
// sessions and revokes their tokens; a reset by an administrator ends all
// of them and the old password; a redeemed link ends any session made in
// between; each is in the access log.
func TestPasswordChangeEndsSessions(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		ctx := context.Background()
		admin, staff := w.a[opname.RoleAdmin], w.a[opname.RoleStaff]
		here := withPassword(t, db, admin, staff)
		there, _, err := db.SignIn(ctx, "org-a", "staff@org-a.nl", password)
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := db.CreateToken(as(admin), staff.UserID, "dossier")
		if err != nil {
			t.Fatal(err)
		}
		colleague := withPassword(t, db, admin, w.staffA2)
		who, _, err := db.Authenticate(ctx, here)
		if err != nil {
			t.Fatal(err)
		}

		_, err = db.SetPassword(as(who), there+"x", "a new long password")
		wantKind(t, err, opname.Forbidden)
		_, err = db.SetPassword(as(who), colleague, "a new long password")
		wantKind(t, err, opname.Forbidden)
		_, err = db.SetPassword(as(who), here, "short")
		wantKind(t, err, opname.Invalid)
		ended, err := db.SetPassword(as(who), here, "a new long password")
		if err != nil || ended != (opname.Ended{Sessions: 1, Tokens: 1}) {
			t.Fatalf("SetPassword = %+v, %v; want 1 session and 1 token ended", ended, err)
		}
		_, _, err = db.Authenticate(ctx, there)
		wantKind(t, err, opname.Unauthorized)
		_, err = db.AuthenticateToken(ctx, token)
		wantKind(t, err, opname.Unauthorized)
		if _, _, err := db.Authenticate(ctx, here); err != nil {
			t.Fatalf("the session that changed the password: %v", err)
		}
		if _, _, err := db.Authenticate(ctx, colleague); err != nil {
			t.Fatalf("a colleague's session: %v", err)
		}

		_, _, err = db.CreateOneTime(as(w.b[opname.RoleAdmin]), staff.UserID, time.Hour)
		wantKind(t, err, opname.NotFound)
		once, ended, err := db.CreateOneTime(as(admin), staff.UserID, time.Hour)
		if err != nil || ended != (opname.Ended{Sessions: 1}) {
			t.Fatalf("CreateOneTime = %+v, %v; want the 1 session ended", ended, err)
		}
		_, _, err = db.Authenticate(ctx, here)
		wantKind(t, err, opname.Unauthorized)
		_, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "a new long password")
		wantKind(t, err, opname.Unauthorized)

		oidc, _, err := db.SignInOIDC(ctx, w.orgA.ID, opname.Identity{Email: "staff@org-a.nl"}, opname.RoleStaff)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Redeem(ctx, once, password); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.Authenticate(ctx, oidc)
		wantKind(t, err, opname.Unauthorized)

		events, err := db.Search(as(w.a[opname.RolePrivacyOfficer]), opname.AccessFilter{Action: opname.AccessSignOut})
		if err != nil {
			t.Fatal(err)
		}
		var purposes []string
		for _, e := range events {
			if e.ObjectID == staff.UserID {
				purposes = append(purposes, e.UserID+": "+e.Purpose)
			}
		}
		for _, want := range []string{
			staff.UserID + ": password changed: 1 sessions ended",
			admin.UserID + ": sign-in link made: 1 sessions ended",
			staff.UserID + ": password set with a sign-in link: 1 sessions ended",
		} {
			if !strings.Contains(strings.Join(purposes, "\n"), want) {
				t.Errorf("access log sign-outs of the person:\n%s\nlack %q", strings.Join(purposes, "\n"), want)
			}
		}
	})
}

// TestUnlock: an administrator of the person's organisation clears their
// sign-in throttle; nobody else can.
func TestUnlock(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := w.a[opname.RoleStaff]
		withPassword(t, db, w.a[opname.RoleAdmin], staff)
		typist := from("192.0.2.1")
		for range sqldb.FreeFailures {
			_, _, _ = db.SignIn(typist, "org-a", "staff@org-a.nl", "typed it wrong")
		}
		_, _, err := db.SignIn(typist, "org-a", "staff@org-a.nl", password)
		retryAfter(t, err)

		wantKind(t, db.Unlock(as(w.b[opname.RoleAdmin]), staff.UserID), opname.NotFound)
		wantKind(t, db.Unlock(as(w.a[opname.RoleManager]), staff.UserID), opname.Forbidden)
		wantKind(t, db.Unlock(as(w.a[opname.RoleAdmin]), "no-such-user"), opname.NotFound)
		if err := db.Unlock(as(w.a[opname.RoleAdmin]), staff.UserID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SignIn(typist, "org-a", "staff@org-a.nl", password); err != nil {
			t.Fatalf("SignIn after the unlock: %v", err)
		}
	})
}

// TestDefaultPasswordCost: a database opened as the program opens it hashes
// passwords at opname's default cost, and checks an unknown account at the
// same cost as a real one.
func TestDefaultPasswordCost(t *testing.T) {
	t.Parallel()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "opname.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := build(t, db)
	withPassword(t, db, w.a[opname.RoleAdmin], w.a[opname.RoleStaff])
	var costs []string
	check := db.PasswordMatches
	db.PasswordMatches = func(hash, pw string) bool {
		costs = append(costs, hashCost(hash))
		return check(hash, pw)
	}
	if _, _, err := db.SignIn(from("192.0.2.1"), "org-a", "staff@org-a.nl", password); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.SignIn(from("192.0.2.2"), "org-a", "nobody@org-a.nl", password)
	wantKind(t, err, opname.Unauthorized)
	if got, want := strings.Join(costs, " "), "m=65536,t=3,p=2 m=65536,t=3,p=2"; got != want {
		t.Errorf("costs of the hashes checked = %s, want %s", got, want)
	}
}
