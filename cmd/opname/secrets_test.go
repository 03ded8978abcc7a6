package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/smtpmail/smtptest"
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
		driver, dsn = "sqlite", sqliteWaiting(s.dataDir)
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

// TestSMTPPasswordSealed keeps the mail server's password out of the
// environment: `opname secret seal` seals it under the server key, the
// sealed value stands in OPNAME_SMTP_URL's password, and the URL itself is
// read from the file OPNAME_SMTP_URL_FILE names. An invitation then goes
// out through the real SMTP test server; the password is never shown.
func TestSMTPPasswordSealed(t *testing.T) {
	t.Parallel()
	smtpURL, api := smtptest.Mailpit(t)
	unique := fmt.Sprint(time.Now().UnixNano())
	data := t.TempDir()
	const password = "wachtwoord-" + "7f3a9"
	env := map[string]string{"OPNAME_DATA": data, "OPNAME_PUBLIC_URL": "https://opname.example.nl"}
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		m := &Main{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
		code := m.Run(context.Background(), args)
		return code, stdout.String(), stderr.String()
	}
	code, sealed, stderr := run(password+"\n", "secret", "seal")
	sealed = strings.TrimSpace(sealed)
	if code != 0 || !strings.HasPrefix(sealed, opname.SealedPrefix) || strings.Contains(sealed, password) {
		t.Fatalf("secret seal = %d %q %s", code, sealed, stderr)
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("opname", sealed)
	file := filepath.Join(t.TempDir(), "smtp-url")
	if err := os.WriteFile(file, []byte(u.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env["OPNAME_SMTP_URL_FILE"] = file

	// The server key opens it to the password; another server's does not.
	keys, err := localkeys.Open(filepath.Join(data, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	opened, err := unsealSMTPURL(u.String(), keys.Secrets())
	if want := (&url.URL{Scheme: u.Scheme, User: url.UserPassword("opname", password), Host: u.Host, RawQuery: u.RawQuery}).String(); err != nil || opened != want {
		t.Fatalf("unsealSMTPURL = %v; want the password in the URL", err)
	}
	otherKeys, _ := localkeys.Open(t.TempDir())
	if _, err := openMailer(u.String(), otherKeys.Secrets()); err == nil || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), sealed) {
		t.Fatalf("another server key: %v", err)
	}

	if code, _, stderr := run("", "org", "create", "--slug", "post", "--name", "Stichting Post", "--policy", "ombudsman"); code != 0 {
		t.Fatalf("org create: exit %d\n%s", code, stderr)
	}
	email := "saar-" + unique + "@opname.test"
	code, out, stderr := run("", "user", "add", "--org", "post", "--email", email, "--name", "Saar Slot", "--role", "manager")
	if code != 0 || !strings.Contains(out, "invitation e-mailed to "+email) {
		t.Fatalf("user add = %d\n%s%s", code, out, stderr)
	}
	checkInvitation(t, smtptest.Arrived(t, api, email), linkRE.FindString(out), "Saar Slot", "Stichting Post")

	// Both ways at once is refused, showing neither.
	env["OPNAME_SMTP_URL"] = u.String()
	code, out, stderr = run("", "user", "add", "--org", "post", "--email", "x-"+email, "--role", "staff")
	if code == 0 || !strings.Contains(stderr, "OPNAME_SMTP_URL_FILE and OPNAME_SMTP_URL are both set") {
		t.Fatalf("both set = %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(stderr+out, password) || strings.Contains(stderr+out, sealed) {
		t.Fatalf("the password was shown:\n%s", stderr)
	}
}
