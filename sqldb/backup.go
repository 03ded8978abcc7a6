package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/opname/opname"
)

// Snapshot writes a consistent copy of the SQLite database to path, which
// must not exist, while other processes go on writing (VACUUM INTO: one
// read transaction, so the copy holds every transaction committed before
// it began and none after). The copy is in WAL mode, as opname's
// databases are, and synced. A PostgreSQL database is backed up with its
// own tools: Snapshot refuses it.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.dialect != dialectSQLite {
		return &opname.Error{Kind: opname.Invalid, Op: "sqldb.snapshot", Msg: "a PostgreSQL database is backed up with pg_dump or pg_basebackup, not by opname"}
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqldb: snapshot into %s: %w", path, err)
	}
	// VACUUM INTO writes a database in rollback mode; opname's are WAL.
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	c, err := sql.Open("sqlite", u)
	if err == nil {
		_, err = c.ExecContext(ctx, `PRAGMA journal_mode = WAL`)
		err = errors.Join(err, c.Close())
	}
	if err == nil {
		err = syncFile(path)
	}
	if err != nil {
		return fmt.Errorf("sqldb: snapshot into %s: %w", path, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// BackedUp is a recording as a backup needs it: where its encrypted bytes
// are, and whether it was erased.
type BackedUp struct {
	ID       string
	OrgID    string
	BlobKey  string
	SHA256   string // of the recording, not of its encrypted bytes
	Size     int64
	ErasedAt *time.Time
}

// BackupList lists every recording, erased or not, with its blob key,
// ordered by organisation and id (system only).
func (db *DB) BackupList(ctx context.Context) ([]BackedUp, error) {
	if _, err := system(ctx); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, org_id, blob_key, sha256, size, erased_at FROM recordings ORDER BY org_id, id`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: backup list: %w", err)
	}
	defer rows.Close()
	var out []BackedUp
	for rows.Next() {
		var b BackedUp
		var erased *int64
		if err := rows.Scan(&b.ID, &b.OrgID, &b.BlobKey, &b.SHA256, &b.Size, &erased); err != nil {
			return nil, fmt.Errorf("sqldb: backup list: %w", err)
		}
		if erased != nil {
			t := fromMicro(*erased)
			b.ErasedAt = &t
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
