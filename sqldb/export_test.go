package sqldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/opname/opname/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// FillLog appends n entries to an organisation's empty log in one
// transaction, with the hashes computed in memory, exactly as Append
// stores them. Only benchmarks use it, to build a large log quickly.
func (db *DB) FillLog(ctx context.Context, orgID string, n int64, entry func(i int64) translog.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		origin, signer, _, err := db.logKey(ctx, tx, orgID)
		if err != nil {
			return err
		}
		var size int64
		err = tx.QueryRowContext(ctx, db.q(`SELECT size FROM log_checkpoints WHERE org_id = ?`), orgID).Scan(&size)
		if err == nil && size > 0 {
			return errors.New("FillLog needs an empty log")
		}
		hashes := make(memHashes, 0, 2*n+64)
		putHash, err := tx.PrepareContext(ctx, db.q(`INSERT INTO log_hashes (org_id, idx, hash) VALUES (?, ?, ?)`))
		if err != nil {
			return err
		}
		putEntry, err := tx.PrepareContext(ctx, db.q(`INSERT INTO log_entries (org_id, idx, entry) VALUES (?, ?, ?)`))
		if err != nil {
			return err
		}
		for i := range n {
			e := entry(i)
			e.Origin = origin
			data, err := e.Encode()
			if err != nil {
				return err
			}
			hs, err := tlog.StoredHashes(i, data, hashes)
			if err != nil {
				return err
			}
			for _, h := range hs {
				if _, err := putHash.ExecContext(ctx, orgID, int64(len(hashes)), hex.EncodeToString(h[:])); err != nil {
					return err
				}
				hashes = append(hashes, h)
			}
			if _, err := putEntry.ExecContext(ctx, orgID, i, string(data)); err != nil {
				return err
			}
		}
		root, err := tlog.TreeHash(n, hashes)
		if err != nil {
			return err
		}
		signed, err := translog.Sign(translog.Checkpoint{Origin: origin, Size: n, Root: root}, signer)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO log_checkpoints (org_id, size, signed) VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET size = excluded.size, signed = excluded.signed`), orgID, n, signed)
		return err
	})
}

// Rebind rewrites ? placeholders for the database's dialect, for tests
// that reach the database past opname.
func (db *DB) Rebind(query string) string { return db.q(query) }

// memHashes is a log's stored hashes in memory, by stored hash index.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx >= int64(len(m)) {
			return nil, errors.New("hash not yet stored")
		}
		out[i] = m[idx]
	}
	return out, nil
}

// CountRows runs a counting query, for tests that look at what is stored.
func (db *DB) CountRows(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q(query), args...).Scan(&n)
	return n, err
}

// TokenTTL is how long a token found is believed (tokenTTL).
const TokenTTL = tokenTTL

// Synchronous is the SQLite write connection's synchronous setting: 2 is
// FULL, every commit waits for the disk.
func (db *DB) Synchronous(ctx context.Context) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n)
	return n, err
}
