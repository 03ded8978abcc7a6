package sqldb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// pruneClock is a test clock that only moves when told.
type pruneClock struct{ us atomic.Int64 }

func newPruneClock(db *sqldb.DB) *pruneClock {
	c := &pruneClock{}
	c.us.Store(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).UnixMicro())
	db.Now = func() time.Time { return time.UnixMicro(c.us.Load()).UTC() }
	return c
}

func (c *pruneClock) now() time.Time          { return time.UnixMicro(c.us.Load()).UTC() }
func (c *pruneClock) advance(d time.Duration) { c.us.Add(d.Microseconds()) }

var systemOf = func(org *opname.Organisation) context.Context {
	a := opname.System("test")
	a.OrgID = org.ID
	return opname.WithActor(context.Background(), a)
}

func prune(t *testing.T, db *sqldb.DB, org *opname.Organisation, before time.Time) int64 {
	t.Helper()
	n, err := db.PruneAccessLog(systemOf(org), org.ID, before)
	if err != nil {
		t.Fatalf("PruneAccessLog(%s, %s): %v", org.Slug, before, err)
	}
	return n
}

// TestPruneAccessLog prunes to a cut-off between two anchored heads and
// then past the newest: each prune stops at the newest anchored head older
// than the cut-off, is logged, and Verify passes after it.
func TestPruneAccessLog(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		staff := w.a[opname.RoleStaff]
		reads(t, db, staff, 5)
		mustVerify(t, db)
		first := admin.head(w.orgA.ID) // anchored
		clock.advance(time.Hour)
		middle := clock.now()
		reads(t, db, staff, 5)
		mustVerify(t, db)
		orgB := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgB.ID)

		// A cut-off at the second hour's records: up to the first anchor.
		if n := prune(t, db, w.orgA, middle); n != first {
			t.Fatalf("prune to the second hour deleted %d records, want %d (up to the first anchor)", n, first)
		}
		if got := admin.int(`SELECT MIN(seq) FROM access_log WHERE org_id = ?`, w.orgA.ID); got != first+1 {
			t.Fatalf("after the prune the chain starts at record %d, want %d", got, first+1)
		}
		mustVerify(t, db)
		if n := prune(t, db, w.orgA, middle.Add(-time.Minute)); n != 0 {
			t.Fatalf("the same prune again deleted %d records, want 0", n)
		}
		second := admin.head(w.orgA.ID) // anchored by the Verify
		clock.advance(time.Hour)
		reads(t, db, staff, 3) // not anchored
		head := admin.head(w.orgA.ID)

		// Past every record: only up to the newest anchor.
		clock.advance(time.Hour)
		if n := prune(t, db, w.orgA, clock.now()); n != second-first {
			t.Fatalf("prune to now deleted %d records, want %d (up to the second anchor)", n, second-first)
		}
		if got := admin.int(`SELECT MIN(seq) FROM access_log WHERE org_id = ?`, w.orgA.ID); got != second+1 {
			t.Fatalf("after the prune the chain starts at record %d, want %d", got, second+1)
		}
		if got := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ? AND seq > ? AND seq <= ?`, w.orgA.ID, second, head); got != head-second {
			t.Fatalf("%d of the %d unanchored records are left, want all", got, head-second)
		}
		if got := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgB.ID); got != orgB {
			t.Fatalf("org-b has %d records after org-a's prune, want %d", got, orgB)
		}
		purpose := admin.text(`SELECT purpose FROM access_log WHERE org_id = ? AND action = 'delete' AND object_type = 'access_log' ORDER BY seq DESC LIMIT 1`, w.orgA.ID)
		if want := fmt.Sprintf("%d records deleted, up to record %d", second-first, second); !strings.Contains(purpose, want) {
			t.Fatalf("the prune is logged as %q, want it to say %q", purpose, want)
		}
		mustVerify(t, db)

		// The pages read what is left, with their cursors.
		po := as(w.a[opname.RolePrivacyOfficer])
		var seen int64
		cursor := ""
		for {
			p, err := db.SearchPage(po, opname.AccessFilter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				if e.Seq <= second {
					t.Fatalf("search shows pruned record %d", e.Seq)
				}
				seen++
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if left := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgA.ID); seen < left-4 || seen > left {
			t.Fatalf("search pages show %d records, the log has %d", seen, left)
		}
		if _, err := db.ClientOverviewPage(as(staff), w.assigned.ID, "", 2); err != nil {
			t.Fatalf("who looked after a prune: %v", err)
		}
		mustVerify(t, db)
	})
}

// TestPruneUnanchored prunes an organisation whose log was never anchored,
// and one whose records are all newer than the cut-off: nothing goes.
func TestPruneUnanchored(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 5)
		clock.advance(24 * time.Hour)
		all := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgA.ID)
		if n := prune(t, db, w.orgA, clock.now()); n != 0 {
			t.Fatalf("a log never anchored lost %d records", n)
		}
		mustVerify(t, db)
		if n := prune(t, db, w.orgA, clock.now().Add(-48*time.Hour)); n != 0 {
			t.Fatalf("a cut-off before every record deleted %d records", n)
		}
		if got := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgA.ID); got < all {
			t.Fatalf("%d records left of %d", got, all)
		}
		// Only the system prunes; another organisation answers not found.
		if _, err := db.PruneAccessLog(as(w.a[opname.RoleAdmin]), w.orgA.ID, clock.now()); opname.KindOf(err) != opname.Forbidden {
			t.Fatalf("an administrator's prune: %v, want forbidden", err)
		}
		if _, err := db.PruneAccessLog(systemOf(w.orgA), "no-such-org", clock.now()); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("prune of an unknown organisation: %v, want not found", err)
		}
		// Deleting by hand past the start is still refused.
		if _, err := admin.raw.Exec(admin.q(`DELETE FROM access_log WHERE org_id = ?`), w.orgA.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("DELETE of the access log: %v, want refused", err)
		}
	})
}

// TestPruneRefusesBrokenStretch changes a record that a prune would
// delete: the prune refuses, so that it does not hide the change.
func TestPruneRefusesBrokenStretch(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 5)
		mustVerify(t, db)
		clock.advance(time.Hour)
		admin.dropTriggers()
		admin.exec(`UPDATE access_log SET user_name = 'iemand anders' WHERE org_id = ? AND seq = 3`, w.orgA.ID)
		before := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgA.ID)
		_, err := db.PruneAccessLog(systemOf(w.orgA), w.orgA.ID, clock.now())
		wantKind(t, err, opname.Conflict)
		if !strings.Contains(opname.Message(err), "record 3") {
			t.Errorf("refusal = %q, want it to name record 3", opname.Message(err))
		}
		if got := admin.int(`SELECT COUNT(*) FROM access_log WHERE org_id = ?`, w.orgA.ID); got != before {
			t.Fatalf("a refused prune deleted %d records", before-got)
		}
	})
}

// TestPruneWhileWriting prunes while records are written: the chain
// holds, and nothing written meanwhile is lost.
func TestPruneWhileWriting(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 40)
		mustVerify(t, db)
		clock.advance(time.Hour)
		cutoff := clock.now()
		clock.advance(time.Hour)
		var wg sync.WaitGroup
		var written atomic.Int64
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := w.a[opname.RoleStaff]
				if g%2 == 1 {
					who = w.b[opname.RoleStaff]
				}
				for i := range 25 {
					if err := db.Record(as(who), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(g, i)}); err != nil {
						t.Error(err)
						return
					}
					written.Add(1)
				}
			}()
		}
		n, err := db.PruneAccessLog(systemOf(w.orgA), w.orgA.ID, cutoff)
		wg.Wait()
		if err != nil || n == 0 {
			t.Fatalf("prune while writing = %d, %v", n, err)
		}
		if got := admin.int(`SELECT COUNT(*) FROM access_log WHERE object_type = 'test' AND object_id <> '' AND time >= ?`, cutoff.UnixMicro()); got != written.Load() {
			t.Fatalf("%d records written during the prune are left, want %d", got, written.Load())
		}
		mustVerify(t, db)
	})
}

// TestPruneTampered prunes many organisations and then changes each
// one's log after the prune in one generated way: a record deleted,
// altered, inserted or moved anywhere after the start, records deleted
// past the start, or a forged start. Verify names each of them, and
// only them.
func TestPruneTampered(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	type tamper struct {
		name string
		do   func(a *dba, r *rand.Rand, org string, start, second, head int64)
	}
	pick := func(r *rand.Rand, lo, hi int64) int64 { return lo + r.Int64N(hi-lo+1) }
	tampers := []tamper{
		{"delete", func(a *dba, r *rand.Rand, org string, start, _, head int64) {
			a.exec(`DELETE FROM access_log WHERE org_id = ? AND seq = ?`, org, pick(r, start+1, head))
		}},
		{"alter", func(a *dba, r *rand.Rand, org string, start, _, head int64) {
			a.exec(`UPDATE access_log SET purpose = 'anders' WHERE org_id = ? AND seq = ?`, org, pick(r, start+1, head))
		}},
		{"insert", func(a *dba, r *rand.Rand, org string, start, _, head int64) {
			// A copy of a record, under a new id, slid in after it.
			at := pick(r, start+1, head)
			a.exec(`UPDATE access_log SET seq = seq + 1000000 WHERE org_id = ? AND seq > ?`, org, at)
			a.exec(`UPDATE access_log SET seq = seq - 999999 WHERE org_id = ? AND seq > 1000000`, org)
			a.exec(`INSERT INTO access_log (id, org_id, seq, time, action, outcome, user_id, user_name, user_role, on_behalf_of, client_id, object_type, object_id, purpose, source_addr, prev_hash, hash)
				SELECT id || 'x', org_id, seq + 1, time, action, outcome, user_id, user_name, user_role, on_behalf_of, client_id, object_type, object_id, purpose, source_addr, hash, hash FROM access_log WHERE org_id = ? AND seq = ?`, org, at)
			a.exec(`UPDATE access_log_heads SET seq = seq + 1 WHERE org_id = ?`, org)
		}},
		{"reorder", func(a *dba, r *rand.Rand, org string, start, _, head int64) {
			x := pick(r, start+1, head-1)
			y := pick(r, x+1, head)
			a.exec(`UPDATE access_log SET seq = -1 WHERE org_id = ? AND seq = ?`, org, x)
			a.exec(`UPDATE access_log SET seq = ? WHERE org_id = ? AND seq = ?`, x, org, y)
			a.exec(`UPDATE access_log SET seq = ? WHERE org_id = ? AND seq = -1`, y, org)
		}},
		{"past the start", func(a *dba, r *rand.Rand, org string, start, second, _ int64) {
			a.exec(`DELETE FROM access_log WHERE org_id = ? AND seq <= ?`, org, pick(r, start+1, second-1))
		}},
		{"start moved to a later anchor", func(a *dba, r *rand.Rand, org string, _, second, _ int64) {
			a.exec(`DELETE FROM access_log WHERE org_id = ? AND seq <= ?`, org, second)
			a.exec(`UPDATE access_log_starts SET seq = ?, hash = (SELECT hash FROM access_log_anchors WHERE org_id = ?) WHERE org_id = ?`, second, org, org)
		}},
		{"forged start", func(a *dba, r *rand.Rand, org string, start, second, _ int64) {
			at := pick(r, start+1, second-1)
			a.exec(`UPDATE access_log_starts SET seq = ?, hash = (SELECT hash FROM access_log WHERE org_id = ? AND seq = ?) WHERE org_id = ?`, at, org, at, org)
			a.exec(`DELETE FROM access_log WHERE org_id = ? AND seq <= ?`, org, at)
		}},
		{"start removed", func(a *dba, r *rand.Rand, org string, _, _, _ int64) {
			a.exec(`DELETE FROM access_log_starts WHERE org_id = ?`, org)
		}},
	}
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		r := rand.New(rand.NewPCG(seed, 16))
		clock := newPruneClock(db)
		type victim struct {
			org   *opname.Organisation
			staff opname.Actor
			how   string
		}
		var victims []victim
		control := mustOrg(t, db, "control")
		victims = append(victims, victim{control, mustUser(t, db, control, "staff@control.nl", opname.RoleStaff), ""})
		for i, tp := range tampers {
			for k := range 2 {
				org := mustOrg(t, db, fmt.Sprintf("org-%d-%d", i, k))
				victims = append(victims, victim{org, mustUser(t, db, org, "staff@"+org.Slug+".nl", opname.RoleStaff), tp.name})
			}
		}
		for _, v := range victims {
			reads(t, db, v.staff, 3+r.IntN(5))
		}
		mustVerify(t, db)
		clock.advance(time.Hour)
		cutoff := clock.now()
		for _, v := range victims {
			reads(t, db, v.staff, 4+r.IntN(5))
		}
		mustVerify(t, db) // a second anchor, newer than the cut-off
		for _, v := range victims {
			if n := prune(t, db, v.org, cutoff); n == 0 {
				t.Fatalf("%s: nothing pruned", v.org.Slug)
			}
		}
		mustVerify(t, db)
		admin.dropTriggers()
		for i, v := range victims[1:] {
			tp := tampers[i/2]
			start := admin.int(`SELECT seq FROM access_log_starts WHERE org_id = ?`, v.org.ID)
			second := admin.int(`SELECT seq FROM access_log_anchors WHERE org_id = ?`, v.org.ID)
			head := admin.head(v.org.ID)
			tp.do(admin, r, v.org.ID, start, second, head)
		}
		_, err := db.Verify(context.Background())
		wantKind(t, err, opname.Conflict)
		msg := opname.Message(err)
		t.Logf("Verify:\n%s", msg)
		for _, v := range victims {
			reported := strings.Contains(msg, "organisation "+v.org.Slug+":")
			if v.how == "" && reported {
				t.Errorf("the untouched organisation is reported")
			}
			if v.how != "" && !reported {
				t.Errorf("%s: %s after the prune is not reported", v.org.Slug, v.how)
			}
		}
	})
}

// TestPruneLeftovers puts back records a prune deleted, as an interrupted
// prune leaves them: the ones just before the start pass, a changed one
// does not.
func TestPruneLeftovers(t *testing.T) {
	t.Parallel()
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		clock := newPruneClock(db)
		w := build(t, db)
		reads(t, db, w.a[opname.RoleStaff], 6)
		mustVerify(t, db)
		start := admin.head(w.orgA.ID)
		admin.exec(`CREATE TABLE kept AS SELECT * FROM access_log WHERE org_id = ?`, w.orgA.ID)
		clock.advance(time.Hour)
		prune(t, db, w.orgA, clock.now())
		admin.exec(`INSERT INTO access_log SELECT * FROM kept WHERE seq > ?`, start-3)
		mustVerify(t, db)
		admin.dropTriggers()
		admin.exec(`UPDATE access_log SET purpose = 'anders' WHERE org_id = ? AND seq = ?`, w.orgA.ID, start-1)
		wantReported(t, db, w.orgA, fmt.Sprintf("record %d (", start-1), "do not match its hash")
		admin.exec(`DELETE FROM access_log WHERE org_id = ? AND seq = ?`, w.orgA.ID, start-1)
		wantReported(t, db, w.orgA, fmt.Sprintf("record %d is missing", start-1))
	})
}
