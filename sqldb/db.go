// Package sqldb stores opname's data in SQLite (the default, a file in the
// data folder) or PostgreSQL (several servers sharing one database). Both
// run the same queries through database/sql; what differs — connection
// settings, placeholders, migrations, error codes — is in the dialect.
//
// Every query is scoped to the organisation of the actor in the context;
// a thing of another organisation is NotFound.
package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations
var migrations embed.FS

type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// DB is opname's database. It implements opname.Organisations, Users,
// Clients, Auth and AccessLog.
type DB struct {
	dialect dialect
	// write takes every transaction. With SQLite it is one connection whose
	// transactions begin IMMEDIATE, so a read-then-write never fails with
	// SQLITE_BUSY; with PostgreSQL write and read are the same pool.
	write *sql.DB
	read  *sql.DB

	// Now and Rand are the clock and the random source; tests set them.
	Now  func() time.Time
	Rand io.Reader
	// PasswordMatches checks a password against its argon2id hash. Sign-in
	// calls it through here so that tests can count the computations.
	PasswordMatches func(hash, password string) bool
	// PasswordCost is the cost of new password and PIN hashes, and of the
	// check sign-in makes for an account that does not exist. The zero
	// value is opname's default; only tests set a lower one.
	PasswordCost opname.PasswordCost
	// Secrets seals the secrets the database keeps for the server (an
	// identity provider's client secret). Without it they are stored as
	// given; set it before use.
	Secrets opname.SecretBox

	log      *accessWriter
	prepared prepared
	// wal is the SQLite write-ahead log's path, which the access log's
	// writer makes durable itself (see accessWriter).
	wal string
	// logPool is the access log writer's own connections (PostgreSQL).
	logPool    *sql.DB
	tokenCache tokenCache
	// shipped compiles the shipped policies once, when first needed: an
	// organisation's retention rules default to its policy's, and a
	// stored policy text is compiled against them.
	shipped func() (*policy.Library, error)
}

// Open opens the database at dsn: a postgres:// URL, or the path of a SQLite
// file (created if missing). It does not migrate; call Migrate or
// CheckSchema before use.
func Open(dsn string) (*DB, error) {
	db := &DB{Now: time.Now, Rand: rand.Reader, PasswordMatches: opname.PasswordMatches, shipped: sync.OnceValues(policy.Shipped)}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = dialectPostgres
		db.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqldb: open postgres: %w", err)
		}
		db.write.SetMaxOpenConns(32)
		db.write.SetMaxIdleConns(32)
		db.read = db.write
		// The access log's writer, on whom every read waits, never waits
		// for a connection behind the reads.
		if db.logPool, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("sqldb: open postgres: %w", err)
		}
		db.logPool.SetMaxOpenConns(2)
		db.logPool.SetMaxIdleConns(2)
	default:
		db.dialect = dialectSQLite
		// FULL: a transaction acknowledged to a person survives power loss.
		pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
		u := "file:" + (&url.URL{Path: dsn}).EscapedPath()
		if db.write, err = sql.Open("sqlite", u+"?"+pragmas+"&_txlock=immediate"); err != nil {
			return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
		}
		db.write.SetMaxOpenConns(1)
		if db.read, err = sql.Open("sqlite", u+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
			return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
		}
		db.read.SetMaxOpenConns(8)
		db.read.SetMaxIdleConns(8)
		db.wal = dsn + "-wal"
	}
	db.log = newAccessWriter(db)
	return db, nil
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// Close stops the access log writer and closes the database.
func (db *DB) Close() error {
	db.log.close()
	db.prepared.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.logPool != nil {
		err = errors.Join(err, db.logPool.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqldb: ping: %w", err)
	}
	return nil
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := path.Join("migrations", string(db.dialect))
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqldb: migration %s: name must be NNNN_what.sql", e.Name())
		}
		text, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqldb: migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{v, e.Name(), string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion returns the version the database is at (0 when new) and the
// newest version this program knows. It only reads: a database it finds
// empty stays empty.
func (db *DB) SchemaVersion(ctx context.Context) (have, known int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.dialect == dialectPostgres {
		exists = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := db.read.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, 0, fmt.Errorf("sqldb: schema version: %w", err)
	}
	if n == 0 {
		return 0, known, nil
	}
	row := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`)
	if err := row.Scan(&have); err != nil {
		return 0, 0, fmt.Errorf("sqldb: schema version: %w", err)
	}
	return have, known, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction, and refuses a database whose schema is newer than this
// program knows.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	have, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have > known {
		return newerSchema(have, known)
	}
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	pending := slices.DeleteFunc(ms, func(m migration) bool { return m.version <= have })
	if len(pending) == 0 {
		return nil
	}
	// Every pending migration in one transaction: a new database is made
	// with one commit, and a failed migration leaves the schema as it was.
	var current migration
	err = db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range pending {
			current = m
			if db.dialect == dialectPostgres {
				// Two servers starting at once must not both migrate.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7410001)`); err != nil {
					return err
				}
				var done bool
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
					return err
				}
				if done {
					continue
				}
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), m.version, m.name, db.Now().UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", current.name, err)
	}
	return nil
}

// CheckSchema returns an error unless the database is exactly at the schema
// version this program knows.
func (db *DB) CheckSchema(ctx context.Context) error {
	have, known, err := db.SchemaVersion(ctx)
	switch {
	case err != nil:
		return err
	case have > known:
		return newerSchema(have, known)
	case have < known:
		return &opname.Error{Kind: opname.Invalid, Op: "sqldb.check", Msg: fmt.Sprintf("the database is at schema version %d, this program needs %d: run 'opname migrate'", have, known)}
	}
	return nil
}

func newerSchema(have, known int) error {
	return &opname.Error{Kind: opname.Invalid, Op: "sqldb.check", Msg: fmt.Sprintf("the database is at schema version %d, newer than this program knows (%d): run a newer opname", have, known)}
}

// q rewrites ? placeholders for the dialect.
func (db *DB) q(query string) string {
	if db.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tx runs fn in a write transaction and commits it.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// newID returns a random identifier: 26 characters of lower-case base32.
func (db *DB) newID() string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(db.Rand, b); err != nil {
		panic(fmt.Sprintf("sqldb: random source failed: %v", err))
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// isUnique reports whether err is a unique-constraint violation, by the
// driver's error code.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

func micro(t time.Time) int64 { return t.UnixMicro() }

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
