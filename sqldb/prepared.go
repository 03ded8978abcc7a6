package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// prepared keeps the statements of the queries nearly every request makes
// (the token, the client, the access log), prepared once per connection.
// The SQLite driver would otherwise parse and plan each query on every
// call, which cost more than running it; PostgreSQL's driver keeps
// prepared statements per connection itself, so there queries go to the
// pool as they are.
type prepared struct {
	stmts sync.Map // preparedKey → *sql.Stmt
}

type preparedKey struct {
	pool  *sql.DB
	query string
}

// stmt returns query prepared on pool, preparing it the first time.
func (p *prepared) stmt(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	k := preparedKey{pool, query}
	if s, ok := p.stmts.Load(k); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if had, loaded := p.stmts.LoadOrStore(k, s); loaded {
		_ = s.Close()
		return had.(*sql.Stmt), nil
	}
	return s, nil
}

func (p *prepared) close() {
	p.stmts.Range(func(k, s any) bool {
		_ = s.(*sql.Stmt).Close()
		p.stmts.Delete(k)
		return true
	})
}

// hotRow runs a query of one row on the read pool; query has ?
// placeholders. Only for the few queries of every request: each is kept
// prepared.
func (db *DB) hotRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.dialect == dialectPostgres {
		return db.read.QueryRowContext(ctx, db.q(query), args...)
	}
	s, err := db.prepared.stmt(ctx, db.read, query)
	if err != nil {
		// The error comes back from Scan.
		return db.read.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// hotExec runs a statement of the access log's writer in tx, prepared on
// SQLite when prepareWrites prepared it beforehand. It never prepares in
// tx: the SQLite write pool has one connection, which tx holds.
func (db *DB) hotExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s, ok := db.prepared.stmts.Load(preparedKey{db.write, query}); ok && db.dialect != dialectPostgres {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.q(query), args...)
}

// hotTxStmt is query as a statement of tx, for running it many times:
// prepared on SQLite when prepareWrites prepared it beforehand, else
// prepared in tx. Close it when done.
func (db *DB) hotTxStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s, ok := db.prepared.stmts.Load(preparedKey{db.write, query}); ok && db.dialect != dialectPostgres {
		return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, db.q(query))
}

// hotTxRow is hotRow in tx, like hotExec.
func (db *DB) hotTxRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s, ok := db.prepared.stmts.Load(preparedKey{db.write, query}); ok && db.dialect != dialectPostgres {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, db.q(query), args...)
}

// prepareWrites prepares queries for hotExec and hotTxRow, outside any
// transaction; on PostgreSQL it does nothing. A query that does not
// prepare (a database not yet migrated) runs unprepared, and fails there.
func (db *DB) prepareWrites(ctx context.Context, queries ...string) {
	if db.dialect == dialectPostgres {
		return
	}
	for _, q := range queries {
		_, _ = db.prepared.stmt(ctx, db.write, q)
	}
}
