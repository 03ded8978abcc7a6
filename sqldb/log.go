package sqldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// LogOrigin is the prefix of every log's origin; the organisation's slug
// follows it.
const LogOrigin = "opname.log/"

// querier is what reading a log's hashes needs: a transaction or the pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// hashReader reads a log's stored hashes for tlog.
type hashReader struct {
	ctx   context.Context
	db    *DB
	q     querier
	orgID string
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	args := []any{r.orgID}
	marks := make([]string, len(indexes))
	for i, idx := range indexes {
		marks[i] = "?"
		args = append(args, idx)
	}
	rows, err := r.q.QueryContext(r.ctx, r.db.q(`SELECT idx, hash FROM log_hashes WHERE org_id = ? AND idx IN (`+strings.Join(marks, ", ")+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[int64]tlog.Hash{}
	for rows.Next() {
		var idx int64
		var s string
		if err := rows.Scan(&idx, &s); err != nil {
			return nil, err
		}
		var h tlog.Hash
		if b, err := hex.DecodeString(s); err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("log hash %d is damaged", idx)
		} else {
			copy(h[:], b)
		}
		found[idx] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("log hash %d is missing", idx)
		}
		out[i] = h
	}
	return out, nil
}

// logKey returns an organisation's log key, making it on first use.
func (db *DB) logKey(ctx context.Context, tx *sql.Tx, orgID string) (origin, signer, verifier string, err error) {
	err = tx.QueryRowContext(ctx, db.q(`SELECT origin, signer, verifier FROM log_keys WHERE org_id = ?`), orgID).Scan(&origin, &signer, &verifier)
	if !errors.Is(err, sql.ErrNoRows) {
		return origin, signer, verifier, err
	}
	var slug string
	if err := tx.QueryRowContext(ctx, db.q(`SELECT slug FROM organisations WHERE id = ?`), orgID).Scan(&slug); err != nil {
		return "", "", "", err
	}
	origin = LogOrigin + slug
	signer, verifier, err = translog.NewKey(db.Rand, origin)
	if err != nil {
		return "", "", "", err
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO log_keys (org_id, origin, signer, verifier) VALUES (?, ?, ?, ?)`), orgID, origin, signer, verifier); err != nil {
		return "", "", "", err
	}
	return origin, signer, verifier, nil
}

// openLog gives an organisation's log its key and a signed checkpoint of no
// entries, unless it has them: the key of a log is public from the start,
// so that it can be compared before anything is logged.
func (db *DB) openLog(ctx context.Context, tx *sql.Tx, orgID string) error {
	if err := db.lockLog(ctx, tx, orgID); err != nil {
		return err
	}
	origin, signer, _, err := db.logKey(ctx, tx, orgID)
	if err != nil {
		return err
	}
	root, err := tlog.TreeHash(0, nil)
	if err != nil {
		return err
	}
	signed, err := translog.Sign(translog.Checkpoint{Origin: origin, Size: 0, Root: root}, signer)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO log_checkpoints (org_id, size, signed) VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING`), orgID, signed)
	return err
}

// Append adds an entry to an organisation's log and signs a new checkpoint,
// in one transaction.
func (db *DB) Append(ctx context.Context, orgID string, e translog.Entry) (int64, error) {
	var index int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		index, err = db.appendTx(ctx, tx, orgID, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: log append: %w", err)
	}
	return index, nil
}

// appendTx appends within tx, so that an entry and the row it speaks of
// are committed together.
func (db *DB) appendTx(ctx context.Context, tx *sql.Tx, orgID string, e translog.Entry) (int64, error) {
	var index int64
	if err := db.lockLog(ctx, tx, orgID); err != nil {
		return 0, err
	}
	origin, signer, _, err := db.logKey(ctx, tx, orgID)
	if err != nil {
		return 0, err
	}
	e.Origin = origin
	err = tx.QueryRowContext(ctx, db.q(`SELECT size FROM log_checkpoints WHERE org_id = ?`), orgID).Scan(&index)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	data, err := e.Encode()
	if err != nil {
		return 0, err
	}
	r := hashReader{ctx, db, tx, orgID}
	hashes, err := tlog.StoredHashes(index, data, r)
	if err != nil {
		return 0, err
	}
	first := tlog.StoredHashIndex(0, index)
	for i, h := range hashes {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO log_hashes (org_id, idx, hash) VALUES (?, ?, ?)`), orgID, first+int64(i), hex.EncodeToString(h[:])); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO log_entries (org_id, idx, entry) VALUES (?, ?, ?)`), orgID, index, string(data)); err != nil {
		return 0, err
	}
	root, err := tlog.TreeHash(index+1, r)
	if err != nil {
		return 0, err
	}
	signed, err := translog.Sign(translog.Checkpoint{Origin: origin, Size: index + 1, Root: root}, signer)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO log_checkpoints (org_id, size, signed) VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET size = excluded.size, signed = excluded.signed`), orgID, index+1, signed)
	return index, err
}

// lockLog makes tx the only appender to an organisation's log, across
// servers, until it ends. SQLite has one writer anyway.
func (db *DB) lockLog(ctx context.Context, tx *sql.Tx, orgID string) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "log:"+orgID)
	return err
}

// Receipt proves the entry at index against the latest checkpoint.
func (db *DB) Receipt(ctx context.Context, orgID string, index int64) (*translog.Receipt, error) {
	var entry, signed, verifier string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT e.entry, c.signed, k.verifier FROM log_entries e
		JOIN log_checkpoints c ON c.org_id = e.org_id JOIN log_keys k ON k.org_id = e.org_id
		WHERE e.org_id = ? AND e.idx = ?`), orgID, index).Scan(&entry, &signed, &verifier)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("log entry")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: receipt: %w", err)
	}
	rc, err := translog.NewReceipt([]byte(entry), index, signed, verifier, hashReader{ctx, db, db.read, orgID})
	if err != nil {
		return nil, fmt.Errorf("sqldb: receipt: %w", err)
	}
	return rc, nil
}

// logOf finds an organisation's log by slug, with its size. The log of an
// organisation made before logs were opened with it is opened here.
func (db *DB) logOf(ctx context.Context, slug string) (orgID, signed, verifier string, size int64, err error) {
	read := func() error {
		return db.read.QueryRowContext(ctx, db.q(`SELECT o.id, c.signed, k.verifier, c.size FROM organisations o
		JOIN log_checkpoints c ON c.org_id = o.id JOIN log_keys k ON k.org_id = o.id WHERE o.slug = ?`), slug).Scan(&orgID, &signed, &verifier, &size)
	}
	err = read()
	if errors.Is(err, sql.ErrNoRows) {
		err = db.tx(ctx, func(tx *sql.Tx) error {
			var id string
			if err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM organisations WHERE slug = ?`), slug).Scan(&id); err != nil {
				return err
			}
			return db.openLog(ctx, tx, id)
		})
		if err == nil {
			err = read()
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", 0, notFound("log")
	}
	if err != nil {
		return "", "", "", 0, fmt.Errorf("sqldb: log: %w", err)
	}
	return orgID, signed, verifier, size, nil
}

// LatestCheckpoint returns an organisation's latest signed checkpoint.
func (db *DB) LatestCheckpoint(ctx context.Context, slug string) (string, string, error) {
	_, signed, verifier, _, err := db.logOf(ctx, slug)
	return signed, verifier, err
}

// InclusionProof proves entry index in the tree of size entries.
func (db *DB) InclusionProof(ctx context.Context, slug string, index, size int64) ([]string, error) {
	orgID, _, _, latest, err := db.logOf(ctx, slug)
	if err != nil {
		return nil, err
	}
	if size < 1 || size > latest || index < 0 || index >= size {
		return nil, opname.Coded(opname.Invalid, "log.index", "index and size: need 0 ≤ index < size ≤ %d (got index %d, size %d)", latest, index, size)
	}
	p, err := tlog.ProveRecord(size, index, hashReader{ctx, db, db.read, orgID})
	if err != nil {
		return nil, fmt.Errorf("sqldb: inclusion proof: %w", err)
	}
	return translog.EncodeProof(p), nil
}

// ConsistencyProof proves the tree of size to extends that of size from.
func (db *DB) ConsistencyProof(ctx context.Context, slug string, from, to int64) ([]string, error) {
	orgID, _, _, latest, err := db.logOf(ctx, slug)
	if err != nil {
		return nil, err
	}
	if from < 1 || from > to || to > latest {
		return nil, opname.Coded(opname.Invalid, "log.range", "from and to: need 1 ≤ from ≤ to ≤ %d (got from %d, to %d)", latest, from, to)
	}
	p, err := tlog.ProveTree(to, from, hashReader{ctx, db, db.read, orgID})
	if err != nil {
		return nil, fmt.Errorf("sqldb: consistency proof: %w", err)
	}
	return translog.EncodeProof(p), nil
}
