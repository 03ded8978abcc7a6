package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestChecksDoNotMigrate runs the commands that check a database on one
// that is empty, one schema version behind and one ahead, on SQLite and
// PostgreSQL: each refuses with exit 2 and a hint, and leaves the database
// exactly as it was.
func TestChecksDoNotMigrate(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, state := range []string{"empty", "older", "newer"} {
			for _, cmd := range [][]string{{"accesslog", "verify"}, {"fixity"}} {
				t.Run(dialect+"/"+state+"/"+strings.Join(cmd, "_"), func(t *testing.T) {
					env := map[string]string{"OPNAME_DATA": t.TempDir()}
					path := filepath.Join(env["OPNAME_DATA"], "opname.db")
					dsn := path
					if dialect == "postgres" {
						dsn = sqldbtest.PostgresURL(t)
						env["OPNAME_DATABASE_URL"] = dsn
					} else if err := os.WriteFile(path, nil, 0o600); err != nil {
						t.Fatal(err)
					}
					want := "run 'opname migrate' first"
					switch state {
					case "older":
						migrateAndSet(t, dsn, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)")
					case "newer":
						migrateAndSet(t, dsn, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
						want = "newer than this opname knows"
					}
					if dialect == "sqlite" && state == "empty" {
						want = "is not an opname database"
					}
					before := dbState(t, dialect, dsn)
					code, stderr := runMain(t, env, cmd...)
					if code != exitInvalid || !strings.Contains(stderr, want) || !strings.Contains(stderr, "opname: hint:") {
						t.Errorf("%s = %d\n%s\nwant exit 2 with %q and a hint", strings.Join(cmd, " "), code, stderr, want)
					}
					if after := dbState(t, dialect, dsn); after != before {
						t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
					}
				})
			}
		}
	}
}

// TestChecksRunOnCurrentSchema checks that the check commands work on a
// database at the current schema, and refuse a data folder without one.
func TestChecksRunOnCurrentSchema(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"OPNAME_DATA": data}
	for _, cmd := range [][]string{{"accesslog", "verify"}, {"fixity"}} {
		if code, stderr := runMain(t, env, cmd...); code != exitInvalid || !strings.Contains(stderr, "no database in "+data) {
			t.Errorf("%s without a database = %d\n%s", strings.Join(cmd, " "), code, stderr)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("a check left %d files in an empty data folder", len(entries))
	}
	if code, stderr := runMain(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate = %d\n%s", code, stderr)
	}
	for _, cmd := range [][]string{{"accesslog", "verify"}, {"fixity"}} {
		if code, stderr := runMain(t, env, cmd...); code != 0 {
			t.Errorf("%s = %d\n%s", strings.Join(cmd, " "), code, stderr)
		}
	}
}

// runMain runs opname in-process with env as its environment.
func runMain(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	code := m.Run(context.Background(), args)
	return code, stderr.String()
}

// migrateAndSet brings the database to the current schema and then runs
// query on it directly.
func migrateAndSet(t *testing.T, dsn, query string) {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres") {
		os.Remove(dsn) // the empty file the test began with
	}
	db, err := sqldb.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := rawDB(t, dsn)
	if _, err := raw.Exec(query); err != nil {
		t.Fatal(err)
	}
}

func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// dbState describes a database so that any change shows: with SQLite the
// digest of the file and the files beside it; with PostgreSQL the tables
// and the recorded schema versions.
func dbState(t *testing.T, dialect, dsn string) string {
	t.Helper()
	if dialect == "sqlite" {
		data, err := os.ReadFile(dsn)
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dsn))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return fmt.Sprintf("%x %d bytes, files %v", sha256.Sum256(data), len(data), names)
	}
	raw := rawDB(t, dsn)
	tables := strings.Join(column(t, raw, `SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename`), ",")
	var versions []string
	if slices.Contains(strings.Split(tables, ","), "schema_migrations") {
		versions = column(t, raw, `SELECT version::text FROM schema_migrations ORDER BY version`)
	}
	return fmt.Sprintf("tables %s; versions %v", tables, versions)
}

func column(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
