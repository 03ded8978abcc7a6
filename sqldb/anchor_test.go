package sqldb_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
	"golang.org/x/mod/sumdb/tlog"
)

// dba is what a database administrator has: a plain connection to the
// database, past opname, that can drop its triggers.
type dba struct {
	t        *testing.T
	db       *sqldb.DB
	raw      *sql.DB
	postgres bool
}

// withDBA runs fn against a fresh, migrated database of every dialect and
// an administrator's connection to it.
func withDBA(t *testing.T, fn func(t *testing.T, db *sqldb.DB, admin *dba)) {
	open := func(t *testing.T, dsn, driver, rawDSN string) {
		db, err := sqldb.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open(driver, rawDSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		fn(t, db, &dba{t: t, db: db, raw: raw, postgres: driver == "pgx"})
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "opname.db")
		open(t, path, "sqlite", path)
	})
	t.Run("postgres", func(t *testing.T) {
		url := sqldbtest.PostgresURL(t)
		open(t, url, "pgx", url)
	})
}

// q rewrites ? placeholders for the dialect.
func (a *dba) q(query string) string { return a.db.Rebind(query) }

func (a *dba) exec(query string, args ...any) {
	a.t.Helper()
	if _, err := a.raw.Exec(a.q(query), args...); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
}

// scalar returns the one value query selects.
func scalar[T any](a *dba, query string, args ...any) T {
	a.t.Helper()
	var v T
	if err := a.raw.QueryRow(a.q(query), args...).Scan(&v); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
	return v
}

func (a *dba) int(query string, args ...any) int64   { return scalar[int64](a, query, args...) }
func (a *dba) text(query string, args ...any) string { return scalar[string](a, query, args...) }

// dropTriggers removes what makes the access log and the tamper-evident
// log append-only.
func (a *dba) dropTriggers() {
	a.t.Helper()
	if a.postgres {
		for _, table := range []string{"access_log", "log_entries", "log_hashes"} {
			a.exec(`DROP TRIGGER IF EXISTS ` + table + `_no_change ON ` + table)
			a.exec(`DROP TRIGGER IF EXISTS ` + table + `_no_delete ON ` + table)
		}
		return
	}
	for _, table := range []string{"access_log", "log_entries", "log_hashes"} {
		a.exec(`DROP TRIGGER IF EXISTS ` + table + `_no_update`)
		a.exec(`DROP TRIGGER IF EXISTS ` + table + `_no_delete`)
	}
}

// head returns an organisation's access-log head as the database holds it.
func (a *dba) head(orgID string) int64 {
	a.t.Helper()
	return a.int(`SELECT seq FROM access_log_heads WHERE org_id = ?`, orgID)
}

// truncate removes an organisation's access-log records after seq and
// moves its head back to seq, as someone covering their tracks would.
func (a *dba) truncate(orgID string, seq int64) {
	a.t.Helper()
	hash := a.text(`SELECT hash FROM access_log WHERE org_id = ? AND seq = ?`, orgID, seq)
	a.exec(`DELETE FROM access_log WHERE org_id = ? AND seq > ?`, orgID, seq)
	a.exec(`UPDATE access_log_heads SET seq = ?, hash = ? WHERE org_id = ?`, seq, hash, orgID)
}

// anchors returns the access-log anchors in an organisation's
// tamper-evident log, oldest first, as their entries' text.
func (a *dba) anchors(orgID string) []string {
	a.t.Helper()
	rows, err := a.raw.Query(a.q(`SELECT entry FROM log_entries WHERE org_id = ? ORDER BY idx`), orgID)
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			a.t.Fatal(err)
		}
		if strings.Contains(e, `"kind":"access_log_anchor"`) {
			out = append(out, e)
		}
	}
	if err := rows.Err(); err != nil {
		a.t.Fatal(err)
	}
	return out
}

// reads records n reads by who.
func reads(t *testing.T, db *sqldb.DB, who opname.Actor, n int) {
	t.Helper()
	for i := range n {
		if err := db.Record(as(who), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, db *sqldb.DB) {
	t.Helper()
	if n, err := db.Verify(context.Background()); err != nil || n == 0 {
		t.Fatalf("Verify = %d, %v, want intact", n, err)
	}
}

// wantReported checks that Verify finds a problem in org and says what.
func wantReported(t *testing.T, db *sqldb.DB, org *opname.Organisation, want ...string) {
	t.Helper()
	_, err := db.Verify(context.Background())
	if err == nil {
		t.Fatalf("Verify says the access log is intact, want %q reported for %s", want, org.Slug)
	}
	wantKind(t, err, opname.Conflict)
	msg := opname.Message(err)
	t.Logf("Verify: %s", msg)
	for _, w := range append([]string{"organisation " + org.Slug}, want...) {
		if !strings.Contains(msg, w) {
			t.Errorf("Verify = %q, want it to say %q", msg, w)
		}
	}
}

// TestAccessLogAnchoredAtVerify checks that an untouched access log is
// intact, and that each verification anchors the head in the
// organisation's tamper-evident log, once for each head.
func TestAccessLogAnchoredAtVerify(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 4)
		mustVerify(t, db)
		anchors := admin.anchors(w.orgA.ID)
		if len(anchors) != 1 || !strings.Contains(anchors[0], fmt.Sprintf(`"access_log_seq":%d,`, admin.head(w.orgA.ID))) {
			t.Fatalf("after Verify, org-a's log has anchors %q, want one of head %d", anchors, admin.head(w.orgA.ID))
		}
		mustVerify(t, db)
		if got := admin.anchors(w.orgA.ID); len(got) != 1 {
			t.Fatalf("a head that did not move was anchored again: %q", got)
		}
		reads(t, db, w.a[opname.RoleStaff], 2)
		mustVerify(t, db)
		anchors = admin.anchors(w.orgA.ID)
		if len(anchors) != 2 || !strings.Contains(anchors[1], fmt.Sprintf(`"access_log_seq":%d,`, admin.head(w.orgA.ID))) {
			t.Fatalf("after the head moved, org-a's anchors are %q, want a second of head %d", anchors, admin.head(w.orgA.ID))
		}
		if got := admin.anchors(w.orgB.ID); len(got) != 1 {
			t.Fatalf("org-b's anchors = %q, want one", got)
		}
	})
}

// TestAccessLogTruncated removes the newest records and moves the head
// back: the head anchored by the last verification is missing.
func TestAccessLogTruncated(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 5)
		reads(t, db, w.b[opname.RoleStaff], 5)
		mustVerify(t, db)
		anchored := admin.head(w.orgA.ID)
		reads(t, db, w.a[opname.RoleStaff], 3)
		admin.dropTriggers()
		admin.truncate(w.orgA.ID, anchored-2)
		wantReported(t, db, w.orgA, fmt.Sprintf("records %d to %d are missing", anchored-1, anchored), fmt.Sprintf("anchored record %d", anchored))
		if _, err := db.Verify(context.Background()); strings.Contains(opname.Message(err), "org-b") {
			t.Errorf("Verify blames org-b too: %v", err)
		}
	})
}

// TestAccessLogChainDeleted deletes an organisation's whole chain and its
// head.
func TestAccessLogChainDeleted(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 3)
		mustVerify(t, db)
		anchored := admin.head(w.orgA.ID)
		admin.dropTriggers()
		admin.exec(`DELETE FROM access_log WHERE org_id = ?`, w.orgA.ID)
		admin.exec(`DELETE FROM access_log_heads WHERE org_id = ?`, w.orgA.ID)
		wantReported(t, db, w.orgA, "has no records", fmt.Sprintf("anchored record %d", anchored))
	})
}

// TestAccessLogRewritten changes an old record and computes the chain
// after it anew, so that every link holds: the anchored hash does not.
func TestAccessLogRewritten(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 4)
		mustVerify(t, db)
		admin.dropTriggers()
		anchored := admin.head(w.orgA.ID)
		admin.exec(`UPDATE access_log SET user_name = 'iemand anders' WHERE org_id = ? AND seq = 2`, w.orgA.ID)
		admin.rechain(w.orgA.ID)
		// The chain holds together again; only the anchor tells.
		wantReported(t, db, w.orgA, fmt.Sprintf("record %d (", anchored), fmt.Sprintf("anchored record %d on", anchored), "with another hash", "rewritten")
	})
}

// rechain computes an organisation's chain anew from its records' fields
// and moves the head to its end.
func (a *dba) rechain(orgID string) {
	a.t.Helper()
	rows, err := a.raw.Query(a.q(`SELECT id, seq, time, action, outcome, user_id, user_name, user_role, on_behalf_of, client_id, object_type, object_id, purpose, source_addr FROM access_log WHERE org_id = ? ORDER BY seq`), orgID)
	if err != nil {
		a.t.Fatal(err)
	}
	var events []opname.AccessEvent
	for rows.Next() {
		e := opname.AccessEvent{OrgID: orgID}
		var us int64
		if err := rows.Scan(&e.ID, &e.Seq, &us, &e.Action, &e.Outcome, &e.UserID, &e.UserName, &e.UserRole, &e.OnBehalfOf, &e.ClientID, &e.ObjectType, &e.ObjectID, &e.Purpose, &e.SourceAddr); err != nil {
			a.t.Fatal(err)
		}
		e.Time = time.UnixMicro(us).UTC()
		events = append(events, e)
	}
	rows.Close()
	prev := ""
	for _, e := range events {
		hash := e.ChainHash(prev)
		a.exec(`UPDATE access_log SET prev_hash = ?, hash = ? WHERE id = ?`, prev, hash, e.ID)
		prev = hash
	}
	a.exec(`UPDATE access_log_heads SET hash = ? WHERE org_id = ?`, prev, orgID)
}

// TestAccessLogAnchorRewritten shortens the access log and rewrites the
// anchor in the tamper-evident log to match: the log's signed checkpoint
// no longer matches its entries.
func TestAccessLogAnchorRewritten(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 4)
		mustVerify(t, db)
		anchored := admin.head(w.orgA.ID)
		oldHash := admin.text(`SELECT hash FROM access_log WHERE org_id = ? AND seq = ?`, w.orgA.ID, anchored)
		for _, table := range []string{"log_entries", "log_hashes"} {
			if _, err := admin.raw.Exec(`DELETE FROM ` + table); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("DELETE FROM %s: err = %v, want refused", table, err)
			}
		}
		admin.dropTriggers()
		admin.truncate(w.orgA.ID, anchored-1)
		newHash := admin.text(`SELECT hash FROM access_log WHERE org_id = ? AND seq = ?`, w.orgA.ID, anchored-1)
		admin.exec(`UPDATE log_entries SET entry = replace(replace(entry, ?, ?), ?, ?) WHERE org_id = ?`,
			fmt.Sprintf(`"access_log_seq":%d,`, anchored), fmt.Sprintf(`"access_log_seq":%d,`, anchored-1), oldHash, newHash, w.orgA.ID)
		wantReported(t, db, w.orgA, "the tamper-evident log does not match its signed checkpoint", "stored hash 0")
		// The log holds only the anchor: its one stored hash is the entry's.
		leaf := tlog.RecordHash([]byte(admin.text(`SELECT entry FROM log_entries WHERE org_id = ? AND idx = 0`, w.orgA.ID)))
		admin.exec(`UPDATE log_hashes SET hash = ? WHERE org_id = ? AND idx = 0`, hex.EncodeToString(leaf[:]), w.orgA.ID)
		wantReported(t, db, w.orgA, "the tamper-evident log does not match its signed checkpoint", "entries were changed")
	})
}

// TestAnchorAccessLog anchors as the server does at an interval: only
// heads that moved, while records are written; a truncation below the
// last anchor is then reported without a verification in between.
func TestAnchorAccessLog(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		ctx := context.Background()
		w := build(t, db)
		anchor := func(want int) {
			t.Helper()
			if n, err := db.AnchorAccessLog(ctx); err != nil || n != want {
				t.Fatalf("AnchorAccessLog = %d, %v, want %d", n, err, want)
			}
		}
		anchor(2)
		anchor(0)
		var wg sync.WaitGroup
		for _, who := range []opname.Actor{w.a[opname.RoleStaff], w.b[opname.RoleStaff]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					if err := db.Record(as(who), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for range 5 {
			if _, err := db.AnchorAccessLog(ctx); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		// The last anchor above may have come after every record: one
		// more record per organisation moves both heads for sure.
		for _, who := range []opname.Actor{w.a[opname.RoleStaff], w.b[opname.RoleStaff]} {
			if err := db.Record(as(who), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: "last"}); err != nil {
				t.Fatal(err)
			}
		}
		anchor(2)
		mustVerify(t, db)
		anchor(0)
		reads(t, db, w.a[opname.RoleStaff], 3)
		anchor(1)
		anchored := admin.head(w.orgA.ID)
		admin.dropTriggers()
		admin.truncate(w.orgA.ID, anchored-1)
		want := fmt.Sprintf("record %d is missing", anchored)
		wantReported(t, db, w.orgA, want)
		// The moved-back head is anchored too; the earlier anchor still tells.
		anchor(1)
		wantReported(t, db, w.orgA, want)
	})
}
