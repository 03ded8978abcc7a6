package sqldb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestTokenRevokedElsewhere revokes a token that a server has just seen
// through another connection to the database, as the command line or a
// second server would: the first stops believing it within TokenTTL.
// (A token revoked through the same server stops at once: see the token
// part of TestAuth.) A password reset through the server ends its
// tokens at once too.
func TestTokenRevokedElsewhere(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opname.db")
	server := openAt(t, path)
	other := openAt(t, path)
	w := build(t, server)
	ctx := context.Background()
	admin, staff := w.a[opname.RoleAdmin], w.a[opname.RoleStaff]
	secret, tok, err := server.CreateToken(as(admin), staff.UserID, "dossier system")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.AuthenticateToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := other.RevokeToken(as(admin), tok.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		_, err := server.AuthenticateToken(ctx, secret)
		if opname.KindOf(err) == opname.Unauthorized {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(revoked) > sqldb.TokenTTL+time.Second {
			t.Fatalf("the token revoked elsewhere still works %v later", time.Since(revoked))
		}
		time.Sleep(50 * time.Millisecond)
	}

	secret, _, err = server.CreateToken(as(admin), staff.UserID, "second system")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.AuthenticateToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, _, err := server.CreateOneTime(as(admin), staff.UserID, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, err = server.AuthenticateToken(ctx, secret)
	wantKind(t, err, opname.Unauthorized)
}
