package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
)

// Key rotation reads the organisation's wrapped file keys (the headers of
// recordings and transcripts not erased) a batch at a time and writes
// them back wrapped under the new key. These are system reads of key
// material, not of client data: the rotation itself is logged once.

// WrappedHeader is one recording's age header, by id.
type WrappedHeader struct {
	ID     string
	Header []byte
}

// Headers returns up to limit headers of the organisation's recordings
// that are not erased, with ids after after, in order of id.
func (db *DB) Headers(ctx context.Context, orgID, after string, limit int) ([]WrappedHeader, error) {
	rows, err := db.write.QueryContext(ctx, db.q(`SELECT id, header FROM recordings WHERE org_id = ? AND id > ? AND erased_at IS NULL ORDER BY id LIMIT ?`), orgID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: headers: %w", err)
	}
	defer rows.Close()
	var out []WrappedHeader
	for rows.Next() {
		var id, h string
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("sqldb: headers: %w", err)
		}
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("sqldb: recording %s: header: %w", id, err)
		}
		out = append(out, WrappedHeader{ID: id, Header: b})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: headers: %w", err)
	}
	return out, nil
}

// Header returns a recording's header as it is now; an erased recording's
// is empty. A key rotation may have replaced the one a long job read.
func (db *DB) Header(ctx context.Context, orgID, id string) ([]byte, error) {
	var h string
	err := db.write.QueryRowContext(ctx, db.q(`SELECT header FROM recordings WHERE org_id = ? AND id = ?`), orgID, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("recording")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: header %s: %w", id, err)
	}
	b, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("sqldb: recording %s: header: %w", id, err)
	}
	return b, nil
}

// HeaderChange replaces a recording's header Old with New.
type HeaderChange struct {
	ID       string
	Old, New []byte
}

// ReplaceHeaders writes a batch of re-wrapped headers in one transaction
// and returns how many it wrote. A header that changed meanwhile — the
// recording was erased, or re-wrapped by another run — is left as it is
// (an erased recording stays erased).
func (db *DB) ReplaceHeaders(ctx context.Context, orgID string, changes []HeaderChange) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, c := range changes {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE recordings SET header = ? WHERE org_id = ? AND id = ? AND header = ? AND erased_at IS NULL`),
				base64.StdEncoding.EncodeToString(c.New), orgID, c.ID, base64.StdEncoding.EncodeToString(c.Old))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: replace headers: %w", err)
	}
	return n, nil
}

// ReplaceUpload replaces an upload's state old with new, unless it
// changed meanwhile; it reports whether it did.
func (db *DB) ReplaceUpload(ctx context.Context, id string, old, new []byte) (bool, error) {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE uploads SET state = ? WHERE id = ? AND state = ?`), new, id, old)
	if err != nil {
		return false, fmt.Errorf("sqldb: replace upload %s: %w", id, err)
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}
