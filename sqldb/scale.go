package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/opname/opname"
)

// Bulk writes for the scale data generator (opname demo --scale): rows
// as the application would have written them over a long time, in big
// transactions, so that millions of rows take minutes. Only the system
// actor may call them.

// BulkClients adds clients to the organisation in ctx in one transaction,
// each assigned to the staff member at the same index of staff (none for
// ""), and sets their ids and times. It logs nothing: the generator
// writes the clients' creation into the access log with BulkAccess.
func (db *DB) BulkClients(ctx context.Context, clients []opname.Client, staff []string) error {
	a, err := orgActor(ctx, opname.RoleSystem)
	if err != nil {
		return err
	}
	if a.Role != opname.RoleSystem {
		return opname.Coded(opname.Forbidden, "auth.role", "your role may not do this")
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		const cols = 6
		rows := make([]any, 0, len(clients)*cols)
		var assigned []any
		for i := range clients {
			c := &clients[i]
			c.ID, c.OrgID = db.newID(), a.OrgID
			if c.CreatedAt.IsZero() {
				c.CreatedAt = db.Now().UTC()
			}
			rows = append(rows, c.ID, c.OrgID, c.Name, c.DossierRef, c.Contact, micro(c.CreatedAt))
			if i < len(staff) && staff[i] != "" {
				assigned = append(assigned, a.OrgID, c.ID, staff[i])
			}
		}
		if err := db.insertRows(ctx, tx, `INSERT INTO clients (id, org_id, name, dossier_ref, contact, created_at) VALUES `, cols, rows); err != nil {
			return fmt.Errorf("sqldb: bulk clients: %w", err)
		}
		if err := db.insertRows(ctx, tx, `INSERT INTO assignments (org_id, client_id, user_id) VALUES `, 3, assigned); err != nil {
			return fmt.Errorf("sqldb: bulk clients: assignments: %w", err)
		}
		return nil
	})
}

// insertRows inserts rows of cols values each with multi-row INSERTs of
// at most 500 rows.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, insert string, cols int, values []any) error {
	const perStatement = 500
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for len(values) > 0 {
		n := min(len(values)/cols, perStatement)
		chunk := values[:n*cols]
		values = values[n*cols:]
		var err error
		if n == perStatement {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, db.q(insert+row+strings.Repeat(", "+row, n-1))); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, chunk...)
		} else {
			_, err = tx.ExecContext(ctx, db.q(insert+row+strings.Repeat(", "+row, n-1)), chunk...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// BulkAccess appends events, with the times they carry, to the chain of
// the organisation in ctx in one transaction, as Record would have one by
// one: each gets an id (unless it has one), the next sequence number and
// its chain hash. The events MUST be in the order they happened. PostgreSQL takes them by
// COPY, SQLite by multi-row INSERTs.
func (db *DB) BulkAccess(ctx context.Context, events []opname.AccessEvent) error {
	a, err := orgActor(ctx, opname.RoleSystem)
	if err != nil {
		return err
	}
	if a.Role != opname.RoleSystem {
		return opname.Coded(opname.Forbidden, "auth.role", "your role may not do this")
	}
	for i := range events {
		e := &events[i]
		if e.ID == "" {
			e.ID = db.newID()
		}
		e.OrgID = a.OrgID
		if e.Outcome == "" {
			e.Outcome = "success"
		}
	}
	// chain gives each event its place after the head, and returns the
	// new head.
	chain := func(seq int64, hash string) (int64, string) {
		for i := range events {
			e := &events[i]
			seq++
			e.Seq, e.PrevHash = seq, hash
			e.Hash = e.ChainHash(hash)
			hash = e.Hash
		}
		return seq, hash
	}
	if db.dialect == dialectPostgres {
		return db.bulkAccessPostgres(ctx, a.OrgID, events, chain)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		// A larger page cache (1 GiB) keeps the indexes' pages at hand.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
			return err
		}
		seq, hash, err := lockedHead(ctx, tx, db, a.OrgID)
		if err != nil {
			return err
		}
		seq, hash = chain(seq, hash)
		values := make([]any, 0, len(events)*17)
		for i := range events {
			e := &events[i]
			values = append(values, e.ID, e.OrgID, e.Seq, micro(e.Time), string(e.Action), e.Outcome, e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID, e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.PrevHash, e.Hash)
		}
		if err := db.insertRows(ctx, tx, `INSERT INTO access_log (`+accessColumns+`) VALUES `, 17, values); err != nil {
			return fmt.Errorf("sqldb: bulk access log: %w", err)
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE access_log_heads SET seq = ?, hash = ? WHERE org_id = ?`), seq, hash, a.OrgID)
		return err
	})
}

// lockedHead is an organisation's access-log head, made when missing and
// locked for the transaction.
func lockedHead(ctx context.Context, tx *sql.Tx, db *DB, org string) (int64, string, error) {
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO access_log_heads (org_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (org_id) DO NOTHING`), org); err != nil {
		return 0, "", fmt.Errorf("sqldb: access log head: %w", err)
	}
	lock := ""
	if db.dialect == dialectPostgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var hash string
	if err := tx.QueryRowContext(ctx, db.q(`SELECT seq, hash FROM access_log_heads WHERE org_id = ?`+lock), org).Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("sqldb: access log head: %w", err)
	}
	return seq, hash, nil
}

// bulkAccessPostgres writes events with COPY, in a transaction of the
// driver's own on one connection.
func (db *DB) bulkAccessPostgres(ctx context.Context, org string, events []opname.AccessEvent, chain func(int64, string) (int64, string)) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: bulk access log: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		dc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		tx, err := dc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO access_log_heads (org_id, seq, hash) VALUES ($1, 0, '') ON CONFLICT (org_id) DO NOTHING`, org); err != nil {
			return err
		}
		var seq int64
		var hash string
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM access_log_heads WHERE org_id = $1 FOR UPDATE`, org).Scan(&seq, &hash); err != nil {
			return err
		}
		seq, hash = chain(seq, hash)
		cols := strings.Split(accessColumns, ", ")
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"access_log"}, cols, pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
			e := &events[i]
			return []any{e.ID, e.OrgID, e.Seq, micro(e.Time), string(e.Action), e.Outcome, e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID, e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.PrevHash, e.Hash}, nil
		}))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE access_log_heads SET seq = $1, hash = $2 WHERE org_id = $3`, seq, hash, org); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return fmt.Errorf("sqldb: bulk access log: %w", err)
	}
	return nil
}

// WithoutAccessIndexes runs fn with the access log's search indexes
// dropped, and then builds them again from their own definitions: a
// bulk load into a log of millions of records is many times faster
// without them (each record would touch a page of the index by client at
// random), and one sort builds each index at the end. Searches are slow
// meanwhile: run it on a database no one uses. Only the system actor may.
func (db *DB) WithoutAccessIndexes(ctx context.Context, fn func() error) (err error) {
	a, err := actor(ctx, opname.RoleSystem)
	if err != nil {
		return err
	}
	if a.Role != opname.RoleSystem {
		return opname.Coded(opname.Forbidden, "auth.role", "your role may not do this")
	}
	// The indexes of constraints (the id, the sequence number) stay.
	query := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_log' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`
	if db.dialect == dialectPostgres {
		query = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'access_log' AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname`
	}
	rows, err := db.write.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("sqldb: access log indexes: %w", err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return fmt.Errorf("sqldb: access log indexes: %w", err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqldb: access log indexes: %w", err)
	}
	for _, name := range names {
		if _, err := db.write.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return fmt.Errorf("sqldb: drop index %s: %w", name, err)
		}
	}
	if db.dialect == dialectSQLite {
		// What a bulk load writes need not survive a power cut: it is
		// made again. The one write connection keeps the setting.
		if _, err := db.write.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
			return fmt.Errorf("sqldb: access log bulk load: %w", err)
		}
		defer func() {
			if _, serr := db.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); serr != nil {
				err = errors.Join(err, fmt.Errorf("sqldb: access log bulk load: %w", serr))
			}
		}()
	}
	defer func() {
		// Built again whatever fn did, also when ctx ended.
		for i, def := range defs {
			if _, cerr := db.write.ExecContext(context.WithoutCancel(ctx), def); cerr != nil {
				err = errors.Join(err, fmt.Errorf("sqldb: build index %s again: %w", names[i], cerr))
			}
		}
	}()
	return fn()
}
