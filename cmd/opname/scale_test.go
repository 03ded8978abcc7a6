package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestDemoScale generates a small organisation as an operator would, on
// SQLite and PostgreSQL, and checks what a large one must hold: the
// counts asked for, a hash chain that verifies, recordings that pass
// fixity, and an organisation that a second run does not make twice.
func TestDemoScale(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			data := t.TempDir()
			env := map[string]string{"OPNAME_DATA": data}
			driver, dsn := "sqlite", filepath.Join(data, "opname.db")
			if dialect == "postgres" {
				env["OPNAME_DATABASE_URL"] = sqldbtest.PostgresURL(t)
				driver, dsn = "pgx", env["OPNAME_DATABASE_URL"]
			}
			run := func(args ...string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
				return m.Run(ctx, args), stdout.String(), stderr.String()
			}
			const clients, records, recordings = 1200, 45_000, 12
			code, out, errOut := run("demo", "--scale", fmt.Sprint(clients), "--access-records", fmt.Sprint(records), "--recordings", fmt.Sprint(recordings), "--busy-client")
			if code != 0 || !strings.Contains(out, fmt.Sprintf("organisation schaal: 2 staff, %d clients", clients)) || !strings.Contains(out, "busy client: ") {
				t.Fatalf("demo --scale = %d\n%s%s", code, out, errOut)
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			count := func(query string) int {
				t.Helper()
				var n int
				if err := raw.QueryRow(query).Scan(&n); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				return n
			}
			if got := count(`SELECT COUNT(*) FROM clients`); got != clients {
				t.Errorf("clients = %d, want %d", got, clients)
			}
			if got := count(`SELECT COUNT(*) FROM assignments`); got != clients {
				t.Errorf("assignments = %d, want %d (one staff member each)", got, clients)
			}
			if got := count(`SELECT COUNT(*) FROM recordings`); got != recordings {
				t.Errorf("recordings = %d, want %d", got, recordings)
			}
			if got := count(`SELECT COUNT(DISTINCT client_id) FROM recordings`); got != 1 {
				t.Errorf("recordings on %d clients, want every one on the busy client", got)
			}
			// Each client's creation, the generated year, and the
			// creation of the people and the recordings.
			logged := count(`SELECT COUNT(*) FROM access_log`)
			if min := clients + records + recordings; logged < min {
				t.Errorf("access-log records = %d, want at least %d", logged, min)
			}
			if got := count(`SELECT COUNT(DISTINCT action) FROM access_log`); got < 8 {
				t.Errorf("the generated log has %d kinds of act, want nearly all", got)
			}
			if got := count(fmt.Sprintf(`SELECT COUNT(*) FROM access_log WHERE time > %d`, time.Now().UnixMicro())); got != 0 {
				t.Errorf("%d generated records are dated in the future", got)
			}
			if got := count(`SELECT COUNT(DISTINCT user_id) FROM access_log`); got < 5 {
				t.Errorf("the generated log names %d people, want every one", got)
			}
			if code, out, errOut := run("accesslog", "verify"); code != 0 || !strings.Contains(out, fmt.Sprintf("access log intact: %d records checked", logged)) {
				t.Errorf("accesslog verify = %d\n%s%s", code, out, errOut)
			}
			if code, out, errOut := run("fixity"); code != 0 || !strings.Contains(out, fmt.Sprintf("%d recordings checked, 0 with problems", recordings)) {
				t.Errorf("fixity = %d\n%s%s", code, out, errOut)
			}
			if code, _, errOut := run("demo", "--scale", "10"); code == 0 || !strings.Contains(errOut, "schaal") {
				t.Errorf("a second demo --scale with the same slug = %d, %s; want a refusal naming it", code, errOut)
			}
			if code, _, errOut := run("demo", "--scale", "-3"); code != 2 || !strings.Contains(errOut, "--scale") {
				t.Errorf("demo --scale -3 = %d, %s; want 2 naming --scale", code, errOut)
			}
		})
	}
}
