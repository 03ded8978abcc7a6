package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/translog"
)

// TestAccessLogVerifyCommand runs `opname accesslog verify` as an operator
// would: intact; then, after a database administrator removed the newest
// records and moved the head back, a failure naming the organisation; and
// on a schema that is not current, a refusal that leaves it as it is.
func TestAccessLogVerifyCommand(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			cfg := &config{Data: t.TempDir()}
			driver, dsn := "sqlite", filepath.Join(cfg.Data, "opname.db")
			if dialect == "postgres" {
				cfg.DatabaseURL = sqldbtest.PostgresURL(t)
				driver, dsn = "pgx", cfg.DatabaseURL
			}
			db, err := openDB(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			org := &opname.Organisation{Slug: "kliniek", Name: "Kliniek", Policy: opname.PolicyVersion{Name: "ombudsman", Shipped: "ombudsman", Digest: "sha256:1", Text: "x"}}
			if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("test")), org); err != nil {
				t.Fatal(err)
			}
			sys := opname.System("test")
			sys.OrgID = org.ID
			for i := range 6 {
				if err := db.Record(opname.WithActor(ctx, sys), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			run := func(args ...string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				env := map[string]string{"OPNAME_DATA": cfg.Data, "OPNAME_DATABASE_URL": cfg.DatabaseURL}
				m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
				return m.Run(ctx, args), stdout.String(), stderr.String()
			}
			if code, out, errOut := run("accesslog", "verify"); code != 0 || !strings.Contains(out, "access log intact: 6 records checked") {
				t.Fatalf("accesslog verify = %d\n%s%s\nwant 0 and intact", code, out, errOut)
			}

			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			exec := func(query string) {
				t.Helper()
				if _, err := raw.Exec(query); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			if dialect == "postgres" {
				exec(`DROP TRIGGER access_log_no_change ON access_log`)
				exec(`DROP TRIGGER access_log_no_delete ON access_log`)
			} else {
				exec(`DROP TRIGGER access_log_no_delete`)
			}
			exec(`DELETE FROM access_log WHERE seq > 4`)
			exec(`UPDATE access_log_heads SET seq = 4, hash = (SELECT hash FROM access_log WHERE seq = 4)`)
			code, out, errOut := run("accesslog", "verify")
			if want := "opname: error: organisation kliniek: records 5 to 6 are missing from the end"; code != 1 || !strings.Contains(errOut, want) {
				t.Errorf("accesslog verify after truncation = %d\n%s%s\nwant 1 and %q", code, out, errOut, want)
			}

			var last int
			if err := raw.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&last); err != nil {
				t.Fatal(err)
			}
			var before int
			if err := raw.QueryRow(fmt.Sprintf(`SELECT MAX(version) FROM schema_migrations WHERE version < %d`, last)).Scan(&before); err != nil {
				t.Fatal(err)
			}
			exec(fmt.Sprintf(`DELETE FROM schema_migrations WHERE version = %d`, last))
			code, out, errOut = run("accesslog", "verify")
			if code != 2 || !strings.Contains(errOut, "opname migrate") {
				t.Errorf("accesslog verify on an old schema = %d\n%s%s\nwant 2 and a hint to migrate", code, out, errOut)
			}
			var now int
			if err := raw.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&now); err != nil || now != before {
				t.Errorf("after accesslog verify the schema is at %d (%v), want it left at %d", now, err, before)
			}
		})
	}
}

// TestServerAnchorsAccessLog checks that a stopping server anchors the
// access log's last records, without a verification.
func TestServerAnchorsAccessLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir()}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s, err := startServer(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	org, orgCtx := newOrg(t, s, "kliniek", "ombudsman", false)
	if err := s.db.Record(orgCtx, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = startServer(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rc, err := s.db.Receipt(ctx, org.ID, 0)
	if err != nil {
		t.Fatalf("the stopped server anchored nothing: %v", err)
	}
	if rc.Record.Kind != translog.KindAccessLogAnchor || rc.Record.AccessLogSeq != 1 {
		t.Errorf("entry 0 = %+v, want an anchor of access-log record 1", rc.Record)
	}
}
