package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/opname/opname"
)

// accessWriter appends access events in batches: many requests that each
// wait for their event to be durable share one transaction (group commit),
// so logging every read costs one fsync per batch, not one per read.
//
// On SQLite the batches are also pipelined: a batch is committed without
// waiting for the disk, and a second goroutine makes the write-ahead log
// durable (fsync) before it lets the batch's callers go on. While it
// waits for the disk, the next batch is committed, and no further one:
// one commit per fsync keeps the batches large, which costs less than
// many small commits.
type accessWriter struct {
	db      *DB
	in      chan *pendingEvents
	synced  chan []*pendingEvents // to the syncer, unbuffered; nil without one
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
	// heads are the organisations' chain heads as this writer last wrote
	// them (PostgreSQL): a batch extends a head it knows in one statement,
	// which checks that nobody else moved it.
	heads map[string]chainHead
}

type chainHead struct {
	seq  int64
	hash string
}

type pendingEvents struct {
	events []opname.AccessEvent
	done   chan error
}

// maxBatch bounds how many requests' events go into one transaction.
const maxBatch = 256

func newAccessWriter(db *DB) *accessWriter {
	w := &accessWriter{db: db, in: make(chan *pendingEvents, maxBatch), stop: make(chan struct{}), heads: map[string]chainHead{}}
	w.stopped.Add(1)
	if db.wal != "" {
		w.synced = make(chan []*pendingEvents)
		w.stopped.Add(1)
		go w.syncer()
	}
	go w.run()
	return w
}

func (w *accessWriter) run() {
	defer w.stopped.Done()
	if w.synced != nil {
		defer close(w.synced)
	}
	for {
		var first *pendingEvents
		select {
		case first = <-w.in:
		case <-w.stop:
			return
		}
		batch := []*pendingEvents{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case p := <-w.in:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		err := w.append(batch)
		if err == nil && w.synced != nil {
			w.synced <- batch
			continue
		}
		release(batch, err)
	}
}

// syncer makes committed batches durable, as many at once as have come
// while it waited for the disk, and then lets their callers go on.
func (w *accessWriter) syncer() {
	defer w.stopped.Done()
	for first := range w.synced {
		batches := [][]*pendingEvents{first}
	more:
		for {
			select {
			case b, ok := <-w.synced:
				if !ok {
					break more
				}
				batches = append(batches, b)
			default:
				break more
			}
		}
		err := w.db.syncWAL()
		for _, b := range batches {
			release(b, err)
		}
	}
}

func release(batch []*pendingEvents, err error) {
	for _, p := range batch {
		p.done <- err
	}
}

func (w *accessWriter) close() {
	w.once.Do(func() { close(w.stop) })
	w.stopped.Wait()
}

// submit queues events and waits until they are durable.
func (w *accessWriter) submit(ctx context.Context, events []opname.AccessEvent) error {
	p := &pendingEvents{events: events, done: make(chan error, 1)}
	select {
	case w.in <- p:
	case <-w.stop:
		return errors.New("sqldb: access log: closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the events are written whatever the caller does: wait.
	return <-p.done
}

// syncWAL makes SQLite's write-ahead log durable: every transaction
// committed before it survives a power loss. (An fsync of any descriptor
// of the file writes all of the file's data.)
func (db *DB) syncWAL() error {
	f, err := os.Open(db.wal)
	if err != nil {
		return fmt.Errorf("sqldb: access log: sync: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqldb: access log: sync: %w", err)
	}
	return nil
}

// append writes a batch, extending each organisation's hash chain from
// its head. On PostgreSQL a batch of one organisation whose head this
// writer knows is one statement (one round trip); otherwise the batch is
// one transaction: per organisation one read and one update of its head,
// and the records in one statement (PostgreSQL) or one prepared statement
// run per record (SQLite, where no round trip is saved). On SQLite the
// transaction is committed without waiting for the disk: the syncer
// waits.
func (w *accessWriter) append(batch []*pendingEvents) error {
	db := w.db
	ctx := context.Background()
	var events []*opname.AccessEvent
	for _, p := range batch {
		for i := range p.events {
			events = append(events, &p.events[i])
		}
	}
	if db.dialect == dialectPostgres {
		if done, err := w.appendKnown(ctx, events); done || err != nil {
			return err
		}
		clear(w.heads)
		heads, err := w.appendInTx(ctx, db.logPool.BeginTx, events)
		if err == nil {
			maps.Copy(w.heads, heads)
		}
		return err
	}
	db.prepareWrites(ctx, headQuery, insertAccess, updateHead)
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return err
	}
	defer func() {
		// Every other transaction waits for the disk, as before; a
		// connection that cannot be set back is not used again.
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	_, err = w.appendInTx(ctx, conn.BeginTx, events)
	return err
}

// appendInTx appends events in a transaction begun with begin and returns
// the organisations' heads after it.
func (w *accessWriter) appendInTx(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), events []*opname.AccessEvent) (map[string]chainHead, error) {
	db := w.db
	tx, err := begin(ctx, nil)
	if err != nil {
		return nil, err
	}
	heads := map[string]chainHead{}
	for _, e := range events {
		h, ok := heads[e.OrgID]
		if !ok {
			if h.seq, h.hash, err = db.logHead(ctx, tx, e.OrgID); err != nil {
				_ = tx.Rollback()
				return nil, fmt.Errorf("access log head: %w", err)
			}
		}
		heads[e.OrgID] = chain(e, h)
	}
	if err := db.insertAccess(ctx, tx, events); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("access log append: %w", err)
	}
	for org, h := range heads {
		if _, err := db.hotExec(ctx, tx, updateHead, h.seq, h.hash, org); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("access log head: %w", err)
		}
	}
	return heads, tx.Commit()
}

// chain makes e the record after head h and returns the new head.
func chain(e *opname.AccessEvent, h chainHead) chainHead {
	e.Seq, e.PrevHash = h.seq+1, h.hash
	e.Hash = e.ChainHash(h.hash)
	return chainHead{e.Seq, e.Hash}
}

// appendKnown appends the events of one organisation whose head this
// writer knows in one statement, which moves the head only if it is still
// where this writer left it. done is false when it could not: events of
// several organisations, an unknown head, or one another server moved.
func (w *accessWriter) appendKnown(ctx context.Context, events []*opname.AccessEvent) (done bool, err error) {
	org := events[0].OrgID
	from, ok := w.heads[org]
	if !ok || slices.ContainsFunc(events, func(e *opname.AccessEvent) bool { return e.OrgID != org }) {
		return false, nil
	}
	h := from
	for _, e := range events {
		h = chain(e, h)
	}
	args := append(accessArrays(events), h.seq, h.hash, org, from.seq, from.hash)
	res, err := w.db.logPool.ExecContext(ctx, `WITH head AS (
			UPDATE access_log_heads SET seq = $18, hash = $19 WHERE org_id = $20 AND seq = $21 AND hash = $22 RETURNING org_id
		)
		INSERT INTO access_log (`+accessColumns+`) SELECT u.* FROM head, `+accessUnnest+` AS u`, args...)
	if err != nil {
		delete(w.heads, org)
		return false, fmt.Errorf("access log append: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(events)) {
		return false, nil
	}
	w.heads[org] = h
	return true, nil
}

// logHead reads an organisation's chain head in tx, making it when the
// organisation has none yet; on PostgreSQL it locks the head, since other
// servers append to the same chains.
func (db *DB) logHead(ctx context.Context, tx *sql.Tx, orgID string) (seq int64, hash string, err error) {
	query := headQuery
	if db.dialect == dialectPostgres {
		query += ` FOR UPDATE`
	}
	err = db.hotTxRow(ctx, tx, query, orgID).Scan(&seq, &hash)
	if !errors.Is(err, sql.ErrNoRows) {
		return seq, hash, err
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO access_log_heads (org_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (org_id) DO NOTHING`), orgID); err != nil {
		return 0, "", err
	}
	err = db.hotTxRow(ctx, tx, query, orgID).Scan(&seq, &hash)
	return seq, hash, err
}

const (
	headQuery  = `SELECT seq, hash FROM access_log_heads WHERE org_id = ?`
	updateHead = `UPDATE access_log_heads SET seq = ?, hash = ? WHERE org_id = ?`
)

const insertAccess = `INSERT INTO access_log (` + accessColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// accessUnnest is the rows of accessArrays as a table, on PostgreSQL.
const accessUnnest = `unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])`

// insertAccess writes records whose chain fields are set.
func (db *DB) insertAccess(ctx context.Context, tx *sql.Tx, events []*opname.AccessEvent) error {
	if db.dialect == dialectPostgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO access_log (`+accessColumns+`) SELECT * FROM `+accessUnnest, accessArrays(events)...)
		return err
	}
	// One statement of the transaction for all records, not one each.
	insert, err := db.hotTxStmt(ctx, tx, insertAccess)
	if err != nil {
		return err
	}
	defer insert.Close()
	for _, e := range events {
		if _, err := insert.ExecContext(ctx, e.ID, e.OrgID, e.Seq, micro(e.Time), string(e.Action), e.Outcome, e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID, e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.PrevHash, e.Hash); err != nil {
			return err
		}
	}
	return nil
}

// accessArrays is the records as 17 arrays, a column each in the order of
// accessColumns, for accessUnnest.
func accessArrays(events []*opname.AccessEvent) []any {
	n := len(events)
	text := func() []string { return make([]string, n) }
	id, org, action, outcome, user, userName, role, behalf, client, objType, objID, purpose, addr, prev, hash :=
		text(), text(), text(), text(), text(), text(), text(), text(), text(), text(), text(), text(), text(), text(), text()
	seq, at := make([]int64, n), make([]int64, n)
	for i, e := range events {
		id[i], org[i], seq[i], at[i], action[i], outcome[i] = e.ID, e.OrgID, e.Seq, micro(e.Time), string(e.Action), e.Outcome
		user[i], userName[i], role[i], behalf[i], client[i] = e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID
		objType[i], objID[i], purpose[i], addr[i], prev[i], hash[i] = e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.PrevHash, e.Hash
	}
	return []any{id, org, seq, at, action, outcome, user, userName, role, behalf, client, objType, objID, purpose, addr, prev, hash}
}

// Record appends events for the actor in ctx and returns once they are
// durable. Fields the caller leaves empty are filled from the actor.
func (db *DB) Record(ctx context.Context, events ...opname.AccessEvent) error {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return errNoActor
	}
	now := db.Now().UTC().Truncate(time.Microsecond) // as stored
	for i := range events {
		e := &events[i]
		e.ID = db.newID()
		e.Time = now
		if e.OrgID == "" {
			e.OrgID = a.OrgID
		}
		if e.UserID == "" {
			e.UserID, e.UserName, e.UserRole = a.UserID, a.Name, a.Role
		}
		if e.OnBehalfOf == "" {
			e.OnBehalfOf = a.OnBehalfOf
		}
		if e.SourceAddr == "" {
			e.SourceAddr = a.Addr
		}
		if e.Outcome == "" {
			e.Outcome = "success"
		}
		if e.OrgID == "" {
			return fmt.Errorf("sqldb: access log: event %s %s without organisation", e.Action, e.ObjectType)
		}
	}
	if err := db.log.submit(ctx, events); err != nil {
		return fmt.Errorf("sqldb: access log: %w", err)
	}
	return nil
}

const accessColumns = `id, org_id, seq, time, action, outcome, user_id, user_name, user_role, on_behalf_of, client_id, object_type, object_id, purpose, source_addr, prev_hash, hash`

// namedAccess selects the access log (as l) with each record's client's
// name, for scanNamedAccess; the organisation's own clients only.
const namedAccess = `SELECT l.id, l.org_id, l.seq, l.time, l.action, l.outcome, l.user_id, l.user_name, l.user_role, l.on_behalf_of, l.client_id, l.object_type, l.object_id, l.purpose, l.source_addr, l.prev_hash, l.hash, COALESCE(c.name, '')
	FROM access_log l LEFT JOIN clients c ON c.org_id = l.org_id AND c.id = l.client_id`

// scanNamedAccess reads the rows of a namedAccess query.
func scanNamedAccess(rows *sql.Rows) ([]opname.AccessEvent, error) {
	defer rows.Close()
	var out []opname.AccessEvent
	for rows.Next() {
		var name string
		e, err := scanAccessRow(rows, &name)
		if err != nil {
			return nil, err
		}
		e.ClientName = name
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanAccessRow reads a row of accessColumns, then extra.
func scanAccessRow(rows *sql.Rows, extra ...any) (opname.AccessEvent, error) {
	var e opname.AccessEvent
	var t int64
	var action, role string
	dest := append([]any{&e.ID, &e.OrgID, &e.Seq, &t, &action, &e.Outcome, &e.UserID, &e.UserName, &role, &e.OnBehalfOf, &e.ClientID, &e.ObjectType, &e.ObjectID, &e.Purpose, &e.SourceAddr, &e.PrevHash, &e.Hash}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return e, err
	}
	e.Time, e.Action, e.UserRole = fromMicro(t), opname.AccessAction(action), opname.Role(role)
	return e, nil
}

// Search returns a page of the caller's organisation's events, newest
// first, each with its client's name (see SearchPage).
func (db *DB) Search(ctx context.Context, f opname.AccessFilter) ([]opname.AccessEvent, error) {
	p, err := db.SearchPage(ctx, f)
	if err != nil {
		return nil, err
	}
	return p.Events, nil
}

// SearchPage returns the caller's organisation's events, newest first
// (by time, then by sequence number), a page at a time, each with its
// client's name. Only a privacy officer may search; each page is itself
// logged, as a read of each client it names. Every filter has an index
// that gives this order, so a first page costs the same at any size of
// the log.
func (db *DB) SearchPage(ctx context.Context, f opname.AccessFilter) (*opname.AccessPage, error) {
	a, err := actor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	where, args, named, err := db.accessWhere(ctx, a.OrgID, f)
	if err != nil {
		return nil, err
	}
	if f.Cursor != "" {
		c, err := openCursor(f.Cursor, cursorSearch, a.OrgID)
		if err != nil {
			return nil, err
		}
		// The plain bound lets every planner start in the index.
		where += ` AND l.time <= ? AND (l.time, l.seq) < (?, ?)`
		args = append(args, c.time, c.time, c.seq)
	}
	limit := pageSize(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(namedAccess+` WHERE `+where+` ORDER BY `+newestFirst(named)+` LIMIT `+fmt.Sprint(limit+1)), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: access log search: %w", err)
	}
	events, err := scanNamedAccess(rows)
	if err != nil {
		return nil, fmt.Errorf("sqldb: access log search: %w", err)
	}
	page := &opname.AccessPage{Events: events}
	if len(events) > limit {
		last := events[limit-1]
		page.Events, page.Next = events[:limit], sealCursor(cursorSearch, a.OrgID, micro(last.Time), last.Seq)
	}
	if err := db.Record(ctx, audited(opname.AccessRead, named)...); err != nil {
		return nil, err
	}
	return page, nil
}

// ExportAccess calls each with every event of the caller's organisation
// that fits f, newest first, as the rows are read. The export is logged
// first: as an export of each client f names, or of the log.
func (db *DB) ExportAccess(ctx context.Context, f opname.AccessFilter, each func(opname.AccessEvent) error) error {
	a, err := actor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return err
	}
	where, args, named, err := db.accessWhere(ctx, a.OrgID, f)
	if err != nil {
		return err
	}
	if err := db.Record(ctx, audited(opname.AccessExport, named)...); err != nil {
		return err
	}
	rows, err := db.read.QueryContext(ctx, db.q(namedAccess+` WHERE `+where+` ORDER BY `+newestFirst(named)), args...)
	if err != nil {
		return fmt.Errorf("sqldb: access log export: %w", err)
	}
	return eachNamedAccess(rows, each)
}

// newestFirst is the order of a search that names clients named. With
// several, "+" keeps SQLite from walking the whole log in the time index
// in search of their records: their index by client, sorted, is far less.
func newestFirst(named []string) string {
	if len(named) > 1 {
		return `+l.time DESC, l.seq DESC`
	}
	return `l.time DESC, l.seq DESC`
}

// audited is the record of a search or an export of the access log: one
// for each client it named, or one without a client.
func audited(action opname.AccessAction, named []string) []opname.AccessEvent {
	if len(named) == 0 {
		return []opname.AccessEvent{{Action: action, ObjectType: "access_log", Purpose: "audit"}}
	}
	out := make([]opname.AccessEvent, len(named))
	for i, id := range named {
		out[i] = opname.AccessEvent{Action: action, ObjectType: "access_log", ClientID: id, Purpose: "audit"}
	}
	return out
}

// accessWhere is the condition on the access log (as l) of a search of
// the organisation's log with f, its arguments, and the ids of the
// clients f names.
func (db *DB) accessWhere(ctx context.Context, orgID string, f opname.AccessFilter) (string, []any, []string, error) {
	where := []string{"l.org_id = ?"}
	args := []any{orgID}
	add := func(cond string, v ...any) {
		where = append(where, cond)
		args = append(args, v...)
	}
	var named []string
	if f.ClientID != "" || strings.TrimSpace(f.Client) != "" {
		var err error
		if named, err = db.namedClients(ctx, orgID, f); err != nil {
			return "", nil, nil, err
		}
		ids := make([]any, len(named))
		for i, id := range named {
			ids[i] = id
		}
		// No client fits: an empty list, which IN cannot be.
		cond := "1 = 0"
		if len(ids) > 0 {
			cond = "l.client_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		}
		add(cond, ids...)
	}
	if f.UserID != "" {
		add("l.user_id = ?", f.UserID)
	}
	if f.Action != "" {
		add("l.action = ?", string(f.Action))
	}
	if !f.Since.IsZero() {
		add("l.time >= ?", micro(f.Since))
	}
	if !f.Until.IsZero() {
		add("l.time < ?", micro(f.Until))
	}
	return strings.Join(where, " AND "), args, named, nil
}

// pageSize is the size of a page asked for as limit.
func pageSize(limit int) int {
	if limit <= 0 {
		return opname.AccessPageSize
	}
	return min(limit, opname.AccessPageMax)
}

// maxNamed bounds the clients one search of the access log names.
const maxNamed = 100

// namedClients returns the ids of the organisation's clients a search
// names: the one with f.ClientID, those whose name or dossier reference
// holds f.Client, or those that fit both.
func (db *DB) namedClients(ctx context.Context, orgID string, f opname.AccessFilter) ([]string, error) {
	query := `SELECT id FROM clients WHERE org_id = ?`
	args := []any{orgID}
	if f.ClientID != "" {
		query += ` AND id = ?`
		args = append(args, f.ClientID)
	}
	if text := strings.TrimSpace(f.Client); text != "" {
		query += ` AND (` + likeClient + `)`
		args = append(args, contains(text), contains(text))
	}
	rows, err := db.read.QueryContext(ctx, db.q(query+` ORDER BY id LIMIT `+fmt.Sprint(maxNamed+1)), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: access log search: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqldb: access log search: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: access log search: %w", err)
	}
	if len(ids) > maxNamed {
		return nil, invalid("client", f.Client, "", fmt.Sprintf("more than %d clients fit; give more of the name or the dossier reference", maxNamed))
	}
	return ids, nil
}

// ClientOverview returns who accessed one client's data, newest first:
// the first AccessPageMax records of ClientOverviewPage.
func (db *DB) ClientOverview(ctx context.Context, clientID string) ([]opname.AccessEvent, error) {
	p, err := db.ClientOverviewPage(ctx, clientID, "", opname.AccessPageMax)
	if err != nil {
		return nil, err
	}
	return p.Events, nil
}

// ClientOverviewPage returns a page of who accessed one client's data,
// newest first (by time, then sequence number, as SearchPage): for the
// client's own overview.
// Whoever may see the client may see it; each page is logged.
func (db *DB) ClientOverviewPage(ctx context.Context, clientID, cursor string, limit int) (*opname.AccessPage, error) {
	a, err := db.overviewActor(ctx, clientID)
	if err != nil {
		return nil, err
	}
	query, args := namedAccess+` WHERE l.org_id = ? AND l.client_id = ?`, []any{a.OrgID, clientID}
	only, onlyArgs, err := db.holderRecords(ctx, a, clientID)
	if err != nil {
		return nil, err
	}
	query, args = query+only, append(args, onlyArgs...)
	if cursor != "" {
		c, err := openCursor(cursor, cursorOverview+clientID, a.OrgID)
		if err != nil {
			return nil, err
		}
		query += ` AND l.time <= ? AND (l.time, l.seq) < (?, ?)`
		args = append(args, c.time, c.time, c.seq)
	}
	limit = pageSize(limit)
	rows, err := db.read.QueryContext(ctx, db.q(query+` ORDER BY l.time DESC, l.seq DESC LIMIT `+fmt.Sprint(limit+1)), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: client overview: %w", err)
	}
	events, err := scanNamedAccess(rows)
	if err != nil {
		return nil, fmt.Errorf("sqldb: client overview: %w", err)
	}
	if a.Role == opname.RolePrivacyOfficer && len(events) == 0 && cursor == "" {
		return nil, notFound("client")
	}
	page := &opname.AccessPage{Events: events}
	if len(events) > limit {
		last := events[limit-1]
		page.Events, page.Next = events[:limit], sealCursor(cursorOverview+clientID, a.OrgID, micro(last.Time), last.Seq)
	}
	if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "access_overview", ClientID: clientID}); err != nil {
		return nil, err
	}
	return page, nil
}

// ClientAccessEach calls each with every record about one client, oldest
// first (by time, then sequence number), as the rows are read; it is logged, first, as ClientOverview is.
func (db *DB) ClientAccessEach(ctx context.Context, clientID string, each func(opname.AccessEvent) error) error {
	a, err := db.overviewActor(ctx, clientID)
	if err != nil {
		return err
	}
	if a.Role == opname.RolePrivacyOfficer {
		// A privacy officer sees no clients, only their records.
		var one int
		err := db.read.QueryRowContext(ctx, db.q(`SELECT 1 FROM access_log WHERE org_id = ? AND client_id = ? LIMIT 1`), a.OrgID, clientID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("client")
		}
		if err != nil {
			return fmt.Errorf("sqldb: client overview: %w", err)
		}
	}
	if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "access_overview", ClientID: clientID}); err != nil {
		return err
	}
	rows, err := db.read.QueryContext(ctx, db.q(namedAccess+` WHERE l.org_id = ? AND l.client_id = ? ORDER BY l.time, l.seq`), a.OrgID, clientID)
	if err != nil {
		return fmt.Errorf("sqldb: client overview: %w", err)
	}
	return eachNamedAccess(rows, each)
}

// holderRecords is the condition (and its arguments) that keeps a
// client's records to those a link holder who is not the client may see:
// their own acts, the client's own record, and what concerns the
// conversations they take part in — the conversations, their requests,
// their recordings and what derives from those. "" for everyone else.
func (db *DB) holderRecords(ctx context.Context, a opname.Actor, clientID string) (string, []any, error) {
	if a.Role != opname.RoleLinkHolder || a.Party == "client" {
		return "", nil, nil
	}
	cs, err := db.conversations(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE org_id = ? AND client_id = ?`, a.OrgID, clientID)
	if err != nil {
		return "", nil, fmt.Errorf("sqldb: client overview: %w", err)
	}
	ids := []any{""} // no id is empty: IN is never empty
	for _, c := range cs {
		if takesPart(a, &c) {
			ids = append(ids, c.ID)
		}
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	cond := ` AND (l.user_id = ? OR l.object_type = 'client'` +
		` OR l.object_type = 'conversation' AND l.object_id IN ` + in +
		` OR l.object_type = 'request' AND l.object_id IN (SELECT id FROM requests WHERE org_id = ? AND conversation_id IN ` + in + `)` +
		` OR l.object_type IN ('recording', 'transcript') AND l.object_id IN (SELECT id FROM recordings WHERE org_id = ? AND (conversation_id IN ` + in +
		` OR derived_from IN (SELECT id FROM recordings WHERE org_id = ? AND conversation_id IN ` + in + `))))`
	args := append([]any{a.UserID}, ids...)
	args = append(append(args, a.OrgID), ids...)
	args = append(append(args, a.OrgID), ids...)
	args = append(append(args, a.OrgID), ids...)
	return cond, args, nil
}

// overviewActor is the actor in ctx if it may see the client's overview:
// whoever may see the client, and the privacy officer.
func (db *DB) overviewActor(ctx context.Context, clientID string) (opname.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != opname.RolePrivacyOfficer {
		if _, err := db.client(ctx, a, clientID); err != nil {
			return a, err
		}
	}
	return a, nil
}

// eachNamedAccess calls each with every row of a namedAccess query, and
// closes the rows.
func eachNamedAccess(rows *sql.Rows, each func(opname.AccessEvent) error) error {
	defer rows.Close()
	for rows.Next() {
		var name string
		e, err := scanAccessRow(rows, &name)
		if err != nil {
			return fmt.Errorf("sqldb: access log: %w", err)
		}
		e.ClientName = name
		if err := each(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqldb: access log: %w", err)
	}
	return nil
}

// Verify checks every organisation's access log: each record's hash and
// link to the one before; that the chain ends at its head; that the
// organisation's tamper-evident log matches its signed checkpoint; and that
// the chain still holds every head anchored in that log, with the anchored
// hash. Then it anchors the head of each intact chain, so that the next
// Verify checks against it. It returns the number of records checked, or a
// Conflict naming each organisation with a problem and its first problem,
// one line each.
func (db *DB) Verify(ctx context.Context) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("sqldb: verify access log: %w", err) }
	orgs, err := db.orgSlugs(ctx)
	if err != nil {
		return fail(err)
	}
	problems := map[string]string{} // the first problem of each organisation
	anchors := map[string]*anchorSet{}
	for id := range orgs {
		set, problem, err := db.checkLog(ctx, id)
		if err != nil {
			return fail(err)
		}
		if problem != "" {
			problems[id] = problem
		}
		anchors[id] = set
	}
	starts, err := db.chainStarts(ctx, orgs, anchors, problems)
	if err != nil {
		return fail(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log ORDER BY org_id, seq`)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	tails := map[string]opname.AccessEvent{}
	n := 0
	for rows.Next() {
		e, err := scanAccessRow(rows)
		if err != nil {
			return fail(err)
		}
		n++
		if _, broken := problems[e.OrgID]; broken {
			continue
		}
		start := starts[e.OrgID]
		prev, seen := tails[e.OrgID]
		wantSeq, wantPrev := int64(1), ""
		switch {
		case seen:
			wantSeq, wantPrev = prev.Seq+1, prev.Hash
		case start.seq > 0 && e.Seq <= start.seq:
			// What an interrupted prune left: the first one's
			// predecessor is gone, but the start's anchored hash
			// still ties them to the chain.
			wantSeq, wantPrev = e.Seq, e.PrevHash
		case start.seq > 0:
			wantSeq, wantPrev = start.seq+1, start.hash
		}
		record := fmt.Sprintf("record %d (%s): ", e.Seq, e.ID)
		switch {
		case e.Seq != wantSeq && !seen && start.seq > 0:
			problems[e.OrgID] = record + fmt.Sprintf("record %d is missing: the chain starts after the pruned %s", wantSeq, start)
		case e.Seq != wantSeq:
			problems[e.OrgID] = record + fmt.Sprintf("record %d is missing", wantSeq)
		case e.PrevHash != wantPrev && !seen && start.seq > 0:
			problems[e.OrgID] = record + fmt.Sprintf("it does not link to %s, where the chain starts after the prune", start)
		case e.PrevHash != wantPrev:
			problems[e.OrgID] = record + "it does not link to the record before it"
		case e.ChainHash(e.PrevHash) != e.Hash:
			problems[e.OrgID] = record + "its contents do not match its hash"
		}
		if _, broken := problems[e.OrgID]; !broken && anchors[e.OrgID] != nil {
			if a, ok := anchors[e.OrgID].bySeq[e.Seq]; ok && a.hash != e.Hash {
				problems[e.OrgID] = record + fmt.Sprintf("the tamper-evident log anchored %s with another hash: this record or one before it was rewritten", a)
			}
		}
		tails[e.OrgID] = e
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()
	heads, err := db.read.QueryContext(ctx, `SELECT org_id, seq, hash FROM access_log_heads`)
	if err != nil {
		return fail(err)
	}
	defer heads.Close()
	headed := map[string]bool{}
	for heads.Next() {
		var org, hash string
		var seq int64
		if err := heads.Scan(&org, &seq, &hash); err != nil {
			return fail(err)
		}
		headed[org] = true
		if _, broken := problems[org]; broken {
			continue
		}
		switch t := tails[org]; {
		case t.Seq < seq:
			problems[org] = fmt.Sprintf("the chain ends at record %d but its head says %d: records were removed from the end", t.Seq, seq)
		case t.Seq != seq || t.Hash != hash:
			problems[org] = fmt.Sprintf("the chain ends at record %d but its head says %d with hash %s: the head was changed", t.Seq, seq, hash)
		}
	}
	if err := heads.Err(); err != nil {
		return fail(err)
	}
	for org, t := range tails {
		if _, broken := problems[org]; !broken && !headed[org] {
			problems[org] = fmt.Sprintf("the chain ends at record %d but has no head", t.Seq)
		}
	}
	for org, set := range anchors {
		if _, broken := problems[org]; broken || set == nil || set.newest.seq == 0 {
			continue
		}
		if t, ok := tails[org]; !ok {
			problems[org] = fmt.Sprintf("the access log has no records, but the tamper-evident log anchored %s: the chain was deleted", set.newest)
		} else if t.Seq < set.newest.seq {
			missing := fmt.Sprintf("records %d to %d are", t.Seq+1, set.newest.seq)
			if t.Seq+1 == set.newest.seq {
				missing = fmt.Sprintf("record %d is", set.newest.seq)
			}
			problems[org] = fmt.Sprintf("%s missing from the end: the tamper-evident log anchored %s, the chain ends at record %d", missing, set.newest, t.Seq)
		}
	}
	for org, t := range tails {
		if _, broken := problems[org]; !broken {
			if err := db.anchor(ctx, org, t.Seq, t.Hash); err != nil {
				return 0, err
			}
		}
	}
	if len(problems) > 0 {
		var lines []string
		for org, p := range problems {
			name := orgs[org]
			if name == "" {
				name = org
			}
			lines = append(lines, "organisation "+name+": "+p)
		}
		sort.Strings(lines)
		return 0, &opname.Error{Kind: opname.Conflict, Op: "accesslog.verify", Msg: strings.Join(lines, "\n")}
	}
	return n, nil
}

// orgSlugs returns every organisation's slug by id.
func (db *DB) orgSlugs(ctx context.Context) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, slug FROM organisations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, slug string
		if err := rows.Scan(&id, &slug); err != nil {
			return nil, err
		}
		out[id] = slug
	}
	return out, rows.Err()
}
