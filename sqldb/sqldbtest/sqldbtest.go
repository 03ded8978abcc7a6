// Package sqldbtest gives tests a database of their own on the PostgreSQL
// server named by OPNAME_TEST_DATABASE_URL.
package sqldbtest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresURL creates a fresh database for the test, dropped when it ends,
// and returns its URL. Without OPNAME_TEST_DATABASE_URL the test is skipped,
// or fails in CI, where PostgreSQL is mandatory.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("OPNAME_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_DATABASE_URL is not set: CI must test PostgreSQL")
		}
		t.Skip("OPNAME_TEST_DATABASE_URL is not set")
	}
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("opname_test_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", url); err == nil {
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	base, query, _ := strings.Cut(url, "?")
	base = base[:strings.LastIndex(base, "/")+1] + name
	if query != "" {
		base += "?" + query
	}
	return base
}
