package sqldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opname/opname/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// Anchoring: the access log's hash chain shows a changed or removed record
// in its middle, but not records removed from its end with the head moved
// back, nor a chain rewritten whole. So each organisation's access-log head
// goes into its tamper-evident log, whose signed checkpoints are handed out
// in receipts and published; Verify then requires every anchored head to be
// in the chain.

// AnchorAccessLog writes each organisation's access-log head into its
// tamper-evident log, where the head moved since it was last anchored, and
// returns how many it anchored. The server runs it at an interval.
func (db *DB) AnchorAccessLog(ctx context.Context) (int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT org_id FROM access_log_heads WHERE seq > 0 ORDER BY org_id`)
	if err != nil {
		return 0, fmt.Errorf("sqldb: anchor access log: %w", err)
	}
	var orgs []string
	for rows.Next() {
		var org string
		if err := rows.Scan(&org); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqldb: anchor access log: %w", err)
		}
		orgs = append(orgs, org)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqldb: anchor access log: %w", err)
	}
	n := 0
	for _, org := range orgs {
		// One transaction per organisation keeps the writer's wait short.
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var seq int64
			var hash string
			if err := tx.QueryRowContext(ctx, db.q(`SELECT seq, hash FROM access_log_heads WHERE org_id = ?`), org).Scan(&seq, &hash); err != nil {
				return err
			}
			wrote, err := db.anchorTx(ctx, tx, org, seq, hash)
			if wrote {
				n++
			}
			return err
		})
		if err != nil {
			return n, fmt.Errorf("sqldb: anchor access log of organisation %s: %w", org, err)
		}
	}
	return n, nil
}

// anchor writes a verified access-log head into the organisation's
// tamper-evident log, unless it is the head anchored last.
func (db *DB) anchor(ctx context.Context, orgID string, seq int64, hash string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := db.anchorTx(ctx, tx, orgID, seq, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: anchor access log of organisation %s: %w", orgID, err)
	}
	return nil
}

func (db *DB) anchorTx(ctx context.Context, tx *sql.Tx, orgID string, seq int64, hash string) (bool, error) {
	if err := db.lockLog(ctx, tx, orgID); err != nil {
		return false, err
	}
	var lastSeq int64
	var lastHash string
	err := tx.QueryRowContext(ctx, db.q(`SELECT seq, hash FROM access_log_anchors WHERE org_id = ?`), orgID).Scan(&lastSeq, &lastHash)
	switch {
	case err == nil && lastSeq == seq && lastHash == hash:
		return false, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	index, err := db.appendTx(ctx, tx, orgID, translog.Entry{Kind: translog.KindAccessLogAnchor, Time: db.Now().UTC(), AccessLogSeq: seq, AccessLogHash: hash})
	if err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO access_log_anchors (org_id, seq, hash, log_index) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, log_index = excluded.log_index`), orgID, seq, hash, index)
	return err == nil, err
}

// anchorPrefix is how an anchor's entry begins: Entry.Encode writes the
// kind first.
const anchorPrefix = `{"kind":"` + translog.KindAccessLogAnchor + `"`

// prunedPrefix is how a prune's entry begins.
const prunedPrefix = `{"kind":"` + translog.KindAccessLogPruned + `"`

// anchorRef is an access-log head anchored in a tamper-evident log.
type anchorRef struct {
	seq   int64
	hash  string
	index int64 // the entry's index in the tamper-evident log
	time  time.Time
}

func (a anchorRef) String() string {
	return fmt.Sprintf("record %d on %s (entry %d of the tamper-evident log)", a.seq, a.time.In(dutchTime).Format("2006-01-02 15:04:05 MST"), a.index)
}

// dutchTime is the zone of the people who read the findings; without the
// zone database they are in UTC.
var dutchTime = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.UTC
}()

// anchorSet is an organisation's anchored heads, by sequence number.
type anchorSet struct {
	bySeq  map[int64]anchorRef
	newest anchorRef // the highest sequence number anchored
	// start is the anchored head the newest prune starts the chain
	// from; its seq is 0 when the chain was never pruned.
	start anchorRef
}

// checkLog checks an organisation's tamper-evident log against its latest
// signed checkpoint — the signature, the size, the root hash recomputed
// from the entries, and the stored hashes that proofs are made of — and
// returns the access-log heads anchored in it. A log that does not match
// its checkpoint is a finding; an unreadable database is an error.
func (db *DB) checkLog(ctx context.Context, orgID string) (*anchorSet, string, error) {
	var signed, verifier string
	var size int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT c.signed, c.size, k.verifier FROM log_checkpoints c JOIN log_keys k ON k.org_id = c.org_id WHERE c.org_id = ?`), orgID).Scan(&signed, &size, &verifier)
	if errors.Is(err, sql.ErrNoRows) {
		var entries int64
		if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM log_entries WHERE org_id = ?`), orgID).Scan(&entries); err != nil {
			return nil, "", err
		}
		if entries > 0 {
			return nil, fmt.Sprintf("the tamper-evident log has %d entries but no signed checkpoint", entries), nil
		}
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	c, err := translog.OpenCheckpoint(signed, verifier)
	if err != nil {
		return nil, "the tamper-evident log's signed checkpoint does not open: " + err.Error(), nil
	}
	if c.Size != size {
		return nil, fmt.Sprintf("the tamper-evident log's signed checkpoint has %d entries, the database says %d", c.Size, size), nil
	}
	mismatch := func(format string, args ...any) string {
		return "the tamper-evident log does not match its signed checkpoint: " + fmt.Sprintf(format, args...)
	}
	entries, err := db.read.QueryContext(ctx, db.q(`SELECT idx, entry FROM log_entries WHERE org_id = ? AND idx < ? ORDER BY idx`), orgID, c.Size)
	if err != nil {
		return nil, "", err
	}
	defer entries.Close()
	hashes, err := db.read.QueryContext(ctx, db.q(`SELECT idx, hash FROM log_hashes WHERE org_id = ? AND idx < ? ORDER BY idx`), orgID, tlog.StoredHashIndex(0, c.Size))
	if err != nil {
		return nil, "", err
	}
	defer hashes.Close()
	set := &anchorSet{bySeq: map[int64]anchorRef{}}
	var tree treeBuilder
	for entries.Next() {
		var idx int64
		var data string
		if err := entries.Scan(&idx, &data); err != nil {
			return nil, "", err
		}
		if idx != tree.n {
			return nil, mismatch("entry %d is missing", tree.n), nil
		}
		for i, h := range tree.add([]byte(data)) {
			want := tlog.StoredHashIndex(0, idx) + int64(i)
			var at int64
			var stored string
			if !hashes.Next() {
				if err := hashes.Err(); err != nil {
					return nil, "", err
				}
				return nil, mismatch("stored hash %d is missing", want), nil
			}
			if err := hashes.Scan(&at, &stored); err != nil {
				return nil, "", err
			}
			if at != want || stored != hex.EncodeToString(h[:]) {
				return nil, mismatch("stored hash %d does not match entry %d", want, idx), nil
			}
		}
		pruned := strings.HasPrefix(data, prunedPrefix)
		if !pruned && !strings.HasPrefix(data, anchorPrefix) {
			continue // most entries: decoding them all would double the cost
		}
		var e translog.Entry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, mismatch("entry %d is not readable", idx), nil
		}
		a := anchorRef{seq: e.AccessLogSeq, hash: e.AccessLogHash, index: idx, time: e.Time}
		if pruned {
			// A prune starts the chain at a head anchored before it,
			// and never earlier than the prune before.
			if at, ok := set.bySeq[a.seq]; !ok || at.hash != a.hash {
				return nil, fmt.Sprintf("the tamper-evident log has a prune up to record %d (entry %d) that was not anchored before it", a.seq, idx), nil
			}
			if a.seq < set.start.seq {
				return nil, fmt.Sprintf("the tamper-evident log has a prune up to record %d (entry %d) after one up to record %d", a.seq, idx, set.start.seq), nil
			}
			set.start = a
			continue
		}
		if prev, ok := set.bySeq[a.seq]; ok && prev.hash != a.hash {
			return nil, fmt.Sprintf("the tamper-evident log anchored %s and again %s with another hash: the access log was rewritten in between", prev, a), nil
		}
		set.bySeq[a.seq] = a
		if a.seq > set.newest.seq {
			set.newest = a
		}
	}
	if err := entries.Err(); err != nil {
		return nil, "", err
	}
	if tree.n != c.Size {
		return nil, mismatch("entries %d to %d are missing", tree.n, c.Size-1), nil
	}
	if tree.root() != c.Root {
		return nil, mismatch("the root hash of its entries differs: entries were changed"), nil
	}
	return set, "", nil
}

// treeBuilder computes a Merkle tree one entry at a time, as
// golang.org/x/mod/sumdb/tlog stores it, keeping only the hashes of the
// complete subtrees that the next entries build on.
type treeBuilder struct {
	n     int64       // entries added
	stack []tlog.Hash // complete subtrees, largest first
}

// add adds an entry and returns the hashes tlog stores for it, in the
// order of their stored index: the entry's, then those of the subtrees it
// completes.
func (b *treeBuilder) add(data []byte) []tlog.Hash {
	h := tlog.RecordHash(data)
	out := []tlog.Hash{h}
	b.stack = append(b.stack, h)
	for n := b.n; n&1 == 1; n >>= 1 {
		k := len(b.stack)
		h = tlog.NodeHash(b.stack[k-2], b.stack[k-1])
		b.stack = append(b.stack[:k-2], h)
		out = append(out, h)
	}
	b.n++
	return out
}

// root is the tree's root hash (RFC 6962).
func (b *treeBuilder) root() tlog.Hash {
	if len(b.stack) == 0 {
		empty, _ := tlog.TreeHash(0, nil) // SHA-256 of nothing
		return empty
	}
	h := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(b.stack[i], h)
	}
	return h
}
