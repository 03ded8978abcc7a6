package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestOIDCSecretSealed checks that an identity provider's client secret is
// at rest only sealed under the server key: set through the store, or
// stored in plain text before sealing existed and sealed when a server
// starts (once: a second start changes nothing). A sealed secret moved to
// another organisation's row does not open.
func TestOIDCSecretSealed(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); oidcSecretSealed(t, "") })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); oidcSecretSealed(t, sqldbtest.PostgresURL(t)) })
}

func oidcSecretSealed(t *testing.T, databaseURL string) {
	s := startTestServer(t, databaseURL)
	driver, dsn := "pgx", databaseURL
	if databaseURL == "" {
		driver, dsn = "sqlite", filepath.Join(s.dataDir, "opname.db")
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Test values only: no placeholders, which differ between dialects.
	stored := func(orgID string) string {
		t.Helper()
		var v string
		if err := raw.QueryRow(`SELECT client_secret FROM oidc_providers WHERE org_id = '` + orgID + `'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	setStored := func(orgID, v string) {
		t.Helper()
		if _, err := raw.Exec(`UPDATE oidc_providers SET client_secret = '` + v + `' WHERE org_id = '` + orgID + `'`); err != nil {
			t.Fatal(err)
		}
	}
	provider := func(ctx context.Context, secret string) {
		t.Helper()
		err := s.db.SetOIDCProvider(ctx, &opname.OIDCProvider{Issuer: "https://idp.example", ClientID: "opname", ClientSecret: secret,
			RoleClaim: "groups", RoleMap: map[string]opname.Role{"zorg": opname.RoleStaff}})
		if err != nil {
			t.Fatal(err)
		}
	}
	org, ctx := newOrg(t, s, "geheim", "ombudsman", false)
	provider(ctx, "geheim-123")
	if v := stored(org.ID); !strings.HasPrefix(v, opname.SealedPrefix) || strings.Contains(v, "geheim-123") {
		t.Fatalf("client secret at rest = %q; want it sealed", v)
	}
	if p, err := s.db.OIDCProvider(ctx, org.ID); err != nil || p.ClientSecret != "geheim-123" {
		t.Fatalf("OIDCProvider = %v, %v; want the secret opened", p, err)
	}

	// A row from before sealing: read as it is, sealed at the next start.
	setStored(org.ID, "oud-geheim")
	if p, err := s.db.OIDCProvider(ctx, org.ID); err != nil || p.ClientSecret != "oud-geheim" {
		t.Fatalf("OIDCProvider of a plain row = %v, %v", p, err)
	}
	startConfigured(t, &config{Addr: "127.0.0.1:0", Data: s.dataDir, DatabaseURL: databaseURL})
	sealed := stored(org.ID)
	if !strings.HasPrefix(sealed, opname.SealedPrefix) || strings.Contains(sealed, "oud-geheim") {
		t.Fatalf("after a start the client secret at rest = %q; want it sealed", sealed)
	}
	if p, err := s.db.OIDCProvider(ctx, org.ID); err != nil || p.ClientSecret != "oud-geheim" {
		t.Fatalf("OIDCProvider after sealing = %v, %v", p, err)
	}
	if n, err := s.db.SealOIDCSecrets(ctx); err != nil || n != 0 {
		t.Fatalf("SealOIDCSecrets again = %d, %v; want nothing to do", n, err)
	}
	if v := stored(org.ID); v != sealed {
		t.Fatal("sealing again changed a sealed secret")
	}

	// Another organisation's row with this sealed secret does not open.
	other, octx := newOrg(t, s, "ander", "ombudsman", false)
	provider(octx, "")
	if v := stored(other.ID); v != "" {
		t.Fatalf("an empty client secret is stored as %q", v)
	}
	setStored(other.ID, sealed)
	if p, err := s.db.OIDCProvider(octx, other.ID); err == nil {
		t.Fatalf("another organisation opened the secret: %q", p.ClientSecret)
	} else if strings.Contains(err.Error(), "oud-geheim") {
		t.Fatalf("the error tells the secret: %v", err)
	}
}
