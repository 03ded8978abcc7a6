package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/opname/opname"
)

// Resumable uploads under way are kept here, so that any server on the
// database can continue any of them. The state is package tusd's own
// encoding; the database only keeps it, and when it last changed. These
// are system rows: the web layer checks who owns an upload.

// SaveUpload stores an upload's state, made or changed now. It MUST NOT
// return before the state is committed.
func (db *DB) SaveUpload(ctx context.Context, id string, state []byte) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO uploads (id, state, changed_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at`), id, state, micro(db.Now()))
	if err != nil {
		return fmt.Errorf("sqldb: save upload %s: %w", id, err)
	}
	return nil
}

// Upload returns an upload's state and when it last changed; an unknown
// upload is NotFound.
func (db *DB) Upload(ctx context.Context, id string) ([]byte, time.Time, error) {
	var state []byte
	var changed int64
	err := db.write.QueryRowContext(ctx, db.q(`SELECT state, changed_at FROM uploads WHERE id = ?`), id).Scan(&state, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, &opname.Error{Kind: opname.NotFound, Code: "upload.not_found", Msg: "upload not found"}
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("sqldb: upload %s: %w", id, err)
	}
	return state, fromMicro(changed), nil
}

// DeleteUpload removes an upload's state; an unknown upload is no error.
func (db *DB) DeleteUpload(ctx context.Context, id string) error {
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM uploads WHERE id = ?`), id); err != nil {
		return fmt.Errorf("sqldb: delete upload %s: %w", id, err)
	}
	return nil
}

// Uploads calls fn with every upload under way.
func (db *DB) Uploads(ctx context.Context, fn func(id string, state []byte, changed time.Time) error) error {
	rows, err := db.write.QueryContext(ctx, `SELECT id, state, changed_at FROM uploads ORDER BY changed_at`)
	if err != nil {
		return fmt.Errorf("sqldb: uploads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var state []byte
		var changed int64
		if err := rows.Scan(&id, &state, &changed); err != nil {
			return fmt.Errorf("sqldb: uploads: %w", err)
		}
		if err := fn(id, state, fromMicro(changed)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SharedLocks reports whether LockUpload holds across servers: with
// PostgreSQL it does; SQLite is one server's, which locks in its process.
func (db *DB) SharedLocks() bool { return db.dialect == dialectPostgres }

// LockUpload takes an upload's lock for every server on the database (a
// PostgreSQL advisory lock on a connection of its own), waiting until ctx
// ends. A server that dies loses its connection and so its locks.
func (db *DB) LockUpload(ctx context.Context, id string) (unlock func(), err error) {
	if db.dialect != dialectPostgres {
		return nil, errors.ErrUnsupported
	}
	sum := sha256.Sum256([]byte("opname upload " + id))
	key := int64(binary.BigEndian.Uint64(sum[:8]))
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqldb: lock upload %s: %w", id, err)
	}
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 250*time.Millisecond) {
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			conn.Close()
			return nil, fmt.Errorf("sqldb: lock upload %s: %w", id, err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// A connection in doubt is not reused: closing it ends the
			// session, and with it the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}
