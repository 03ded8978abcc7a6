package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// Pruning: the access log is kept as long as its retention rule says, and
// then its oldest records are deleted. The chain's hashes would show the
// gap, so a prune deletes only up to a head anchored in the tamper-evident
// log, and first appends a prune entry naming that head: Verify then starts
// the chain there and still requires every record after it. A prune that
// went further, or a start that no prune entry names, is a finding.

// pruneBatch bounds the records one transaction deletes, so that writers
// of the access log wait briefly.
const pruneBatch = 5000

// PruneAccessLog deletes the organisation's oldest access-log records from
// before the cut-off, up to the newest anchored head older than before:
// records after that head stay, whatever their age. It first checks the
// tamper-evident log and the stretch it deletes (each record's hash and
// link, and the head's anchored hash), and refuses a stretch that does
// not hold, so that a prune never hides a change. The prune is logged
// (delete "access_log", with how many and up to which record). It returns
// how many records it deleted. Only the system (the retention job, the
// operator's command) prunes; records may be written meanwhile.
func (db *DB) PruneAccessLog(ctx context.Context, orgID string, before time.Time) (int64, error) {
	a, err := actor(ctx, opname.RoleSystem)
	if err != nil {
		return 0, err
	}
	if a.Role != opname.RoleSystem {
		return 0, opname.Coded(opname.Forbidden, "auth.operator", "only the system prunes the access log")
	}
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("sqldb: prune access log of organisation %s: %w", orgID, err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT 1 FROM organisations WHERE id = ?`), orgID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("organisation")
	} else if err != nil {
		return fail(err)
	}
	set, problem, err := db.checkLog(ctx, orgID)
	if err != nil {
		return fail(err)
	}
	if problem != "" {
		return 0, &opname.Error{Kind: opname.Conflict, Op: "accesslog.prune", Msg: "not pruned: " + problem}
	}
	if set == nil {
		return 0, nil // nothing was ever anchored
	}
	start, err := db.chainStart(ctx, db.read, orgID)
	if err != nil {
		return fail(err)
	}
	if start.seq != set.start.seq || start.hash != set.start.hash {
		return 0, &opname.Error{Kind: opname.Conflict, Op: "accesslog.prune", Msg: "not pruned: the access log's start does not match the tamper-evident log; run opname accesslog verify"}
	}
	head, err := db.pruneHead(ctx, orgID, set, start, before)
	if err != nil {
		return 0, err
	}
	if head.seq > start.seq {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if err := db.lockLog(ctx, tx, orgID); err != nil {
				return err
			}
			// Another prune may have moved the start meanwhile.
			now, err := db.chainStart(ctx, tx, orgID)
			if err != nil || now.seq >= head.seq {
				return err
			}
			index, err := db.appendTx(ctx, tx, orgID, translog.Entry{Kind: translog.KindAccessLogPruned, Time: db.Now().UTC(), AccessLogSeq: head.seq, AccessLogHash: head.hash})
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO access_log_starts (org_id, seq, hash, log_index) VALUES (?, ?, ?, ?)
				ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, log_index = excluded.log_index`), orgID, head.seq, head.hash, index)
			return err
		})
		if err != nil {
			return fail(err)
		}
	}
	// Delete up to the start, also what an interrupted prune left.
	upTo, err := db.chainStart(ctx, db.read, orgID)
	if err != nil {
		return fail(err)
	}
	var n int64
	for {
		var low sql.NullInt64
		if err := db.read.QueryRowContext(ctx, db.q(`SELECT MIN(seq) FROM access_log WHERE org_id = ?`), orgID).Scan(&low); err != nil {
			return fail(err)
		}
		if !low.Valid || low.Int64 > upTo.seq {
			break
		}
		res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM access_log WHERE org_id = ? AND seq >= ? AND seq < ? AND seq <= ?`), orgID, low.Int64, low.Int64+pruneBatch, upTo.seq)
		if err != nil {
			return fail(err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return fail(err)
		}
		n += k
	}
	if n == 0 {
		return 0, nil
	}
	cutoff := before.UTC().Format(time.RFC3339)
	err = db.Record(ctx, opname.AccessEvent{OrgID: orgID, Action: opname.AccessDelete, ObjectType: "access_log", ObjectID: fmt.Sprint(upTo.seq),
		Purpose: fmt.Sprintf("retention: %d records deleted, up to record %d, before %s", n, upTo.seq, cutoff)})
	if err != nil {
		return n, err
	}
	return n, nil
}

// pruneHead finds where a prune to before may end: the newest anchored
// head after start whose record and every one before it (after start) is
// older than before. It checks each of those records' hash and link, and
// the head's anchored hash; a stretch that does not hold is a Conflict.
// It returns start when no head fits.
func (db *DB) pruneHead(ctx context.Context, orgID string, set *anchorSet, start anchorRef, before time.Time) (anchorRef, error) {
	// The first record from the cut-off on bounds the candidates; times
	// that are out of order by a little are caught in the walk below.
	limit := set.newest.seq
	var first int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT seq FROM access_log WHERE org_id = ? AND time >= ? ORDER BY time, seq LIMIT 1`), orgID, micro(before)).Scan(&first)
	switch {
	case err == nil:
		limit = min(limit, first-1)
	case !errors.Is(err, sql.ErrNoRows):
		return start, fmt.Errorf("sqldb: prune access log: %w", err)
	}
	if limit <= start.seq {
		return start, nil
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+accessColumns+` FROM access_log WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq`), orgID, start.seq, limit)
	if err != nil {
		return start, fmt.Errorf("sqldb: prune access log: %w", err)
	}
	defer rows.Close()
	refuse := func(e opname.AccessEvent, what string) error {
		return &opname.Error{Kind: opname.Conflict, Op: "accesslog.prune", Msg: fmt.Sprintf("not pruned: record %d (%s): %s; run opname accesslog verify", e.Seq, e.ID, what)}
	}
	head := start
	wantSeq, wantPrev := start.seq+1, start.hash
	for rows.Next() {
		e, err := scanAccessRow(rows)
		if err != nil {
			return start, fmt.Errorf("sqldb: prune access log: %w", err)
		}
		switch {
		case e.Seq != wantSeq:
			return start, refuse(e, fmt.Sprintf("record %d is missing", wantSeq))
		case e.PrevHash != wantPrev:
			return start, refuse(e, "it does not link to the record before it")
		case e.ChainHash(e.PrevHash) != e.Hash:
			return start, refuse(e, "its contents do not match its hash")
		}
		if !e.Time.Before(before) {
			break
		}
		if anchored, ok := set.bySeq[e.Seq]; ok {
			if anchored.hash != e.Hash {
				return start, refuse(e, "the tamper-evident log anchored it with another hash")
			}
			head = anchored
		}
		wantSeq, wantPrev = e.Seq+1, e.Hash
	}
	if err := rows.Err(); err != nil {
		return start, fmt.Errorf("sqldb: prune access log: %w", err)
	}
	return head, nil
}

// chainStart is where an organisation's chain starts as the access log
// says: the anchored head of its newest prune, or zero.
func (db *DB) chainStart(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, orgID string) (anchorRef, error) {
	var s anchorRef
	err := q.QueryRowContext(ctx, db.q(`SELECT seq, hash, log_index FROM access_log_starts WHERE org_id = ?`), orgID).Scan(&s.seq, &s.hash, &s.index)
	if errors.Is(err, sql.ErrNoRows) {
		return anchorRef{}, nil
	}
	return s, err
}

// chainStarts returns where each organisation's chain starts, by the
// prunes in its tamper-evident log (anchors), and adds a problem for each
// organisation whose recorded start differs: a start no prune made, or a
// prune whose start was removed.
func (db *DB) chainStarts(ctx context.Context, orgs map[string]string, anchors map[string]*anchorSet, problems map[string]string) (map[string]anchorRef, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT org_id, seq, hash, log_index FROM access_log_starts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	recorded := map[string]anchorRef{}
	for rows.Next() {
		var org string
		var s anchorRef
		if err := rows.Scan(&org, &s.seq, &s.hash, &s.index); err != nil {
			return nil, err
		}
		recorded[org] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	starts := map[string]anchorRef{}
	for org := range orgs {
		if _, broken := problems[org]; broken {
			continue
		}
		var want anchorRef
		if set := anchors[org]; set != nil {
			want = set.start
		}
		have := recorded[org]
		switch {
		case have.seq == 0 && want.seq == 0:
		case want.seq == 0:
			problems[org] = fmt.Sprintf("the access log says it starts after record %d, but the tamper-evident log has no prune: the start was forged", have.seq)
		case have.seq == 0:
			problems[org] = fmt.Sprintf("the tamper-evident log has a prune up to %s, but the access log has no start", want)
		case have.seq != want.seq || have.hash != want.hash || have.index != want.index:
			problems[org] = fmt.Sprintf("the access log says it starts after record %d, but the tamper-evident log's newest prune is up to %s: the start was changed", have.seq, want)
		}
		starts[org] = want
	}
	return starts, nil
}

// AccessLogStart returns the record an organisation's chain starts after
// once pruned, and the entry of its tamper-evident log that records the
// prune; 0 and -1 when it was never pruned.
func (db *DB) AccessLogStart(ctx context.Context, orgID string) (seq, logIndex int64, err error) {
	s, err := db.chainStart(ctx, db.read, orgID)
	if err != nil {
		return 0, -1, fmt.Errorf("sqldb: access log start: %w", err)
	}
	if s.seq == 0 {
		return 0, -1, nil
	}
	return s.seq, s.index, nil
}
