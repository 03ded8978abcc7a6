package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
)

// The client's AVG requests (opname.DataRequests): made through a link or
// by staff on the client's behalf, decided by the privacy officer, who sees
// the requests but not the client's file.

var _ opname.DataRequests = (*DB)(nil)

const dataRequestColumns = `id, client_id, kind, what, recording_id, ask, by_role, by_party, by_id, by_name, created_at, status, reasons, done, decided_by, decided_at`

func scanDataRequest(row interface{ Scan(...any) error }) (*opname.DataRequest, error) {
	var r opname.DataRequest
	var created, decided int64
	if err := row.Scan(&r.ID, &r.ClientID, &r.Kind, &r.What, &r.RecordingID, &r.Ask, &r.ByRole, &r.ByParty, &r.By, &r.ByName, &created, &r.Status, &r.Reasons, &r.Done, &r.DecidedBy, &decided); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMicro(created)
	if decided != 0 {
		t := fromMicro(decided)
		r.DecidedAt = &t
	}
	return &r, nil
}

// AddDataRequest records a request of a link holder (for their own client)
// or of staff who may see the client, and logs it.
func (db *DB) AddDataRequest(ctx context.Context, r *opname.DataRequest) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil {
		return err
	}
	r.What, r.Ask, r.RecordingID = strings.TrimSpace(r.What), strings.TrimSpace(r.Ask), strings.TrimSpace(r.RecordingID)
	if !slices.Contains(opname.DataRequestKinds, r.Kind) {
		return invalid("kind", r.Kind, "data.kind", "say whether data should be erased or corrected")
	}
	if r.What == "" {
		return invalid("what", "", "data.what", "say which data the request is about")
	}
	if r.Ask == "" {
		return invalid("ask", "", "data.ask", "say what is asked")
	}
	if err := cmp.Or(opname.Paragraphs.Chars(2000).Check("what", r.What), opname.Paragraphs.Check("ask", r.Ask)); err != nil {
		return err
	}
	if r.RecordingID != "" {
		// Only a recording the asker may see can be named.
		rec, _, err := db.recording(ctx, r.RecordingID)
		if err != nil || rec.ClientID != r.ClientID {
			return invalid("recording_id", r.RecordingID, "data.recording", "no such recording of this client")
		}
	}
	r.ID, r.CreatedAt, r.Status = db.newID(), db.Now().UTC().Truncate(time.Microsecond), opname.DataOpen
	r.ByRole, r.By, r.ByName, r.ByParty = a.Role, a.UserID, a.Name, ""
	if a.Role == opname.RoleLinkHolder {
		r.ByParty = a.Party
	}
	r.Reasons, r.Done, r.DecidedBy, r.DecidedAt = "", "", "", nil
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO data_requests (id, org_id, client_id, kind, what, recording_id, ask, by_role, by_party, by_id, by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, a.OrgID, r.ClientID, r.Kind, r.What, r.RecordingID, r.Ask, string(r.ByRole), r.ByParty, r.By, r.ByName, micro(r.CreatedAt)); err != nil {
		return fmt.Errorf("sqldb: add data request: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: r.ClientID, ObjectType: opname.ObjectDataRequest, ObjectID: r.ID, Purpose: r.Kind})
}

// holderOnly is the condition on data_requests that keeps a link holder
// to what is theirs: the client sees the requests made through a client's
// link (any of theirs: a lost phone's too) and by staff on their behalf;
// anyone else holding a link, a parent, only the requests they made. Staff
// see every request of a client they may see.
func holderOnly(a opname.Actor) (string, []any) {
	switch {
	case a.Role != opname.RoleLinkHolder:
		return "", nil
	case a.Party == "client":
		return ` AND by_party IN ('', 'client')`, nil
	}
	return ` AND by_id = ?`, []any{a.UserID}
}

// ClientDataRequests lists the requests of a client the caller may see,
// newest first, as one read. The client's side marks the decisions it
// shows as told.
func (db *DB) ClientDataRequests(ctx context.Context, clientID string) ([]opname.DataRequest, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return nil, err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, err
	}
	cond, args := holderOnly(a)
	out, err := db.dataRequests(ctx, `WHERE org_id = ? AND client_id = ?`+cond+` ORDER BY created_at DESC, id`, append([]any{a.OrgID, clientID}, args...)...)
	if err != nil {
		return nil, err
	}
	if a.Role == opname.RoleLinkHolder {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE data_requests SET told_at = ? WHERE org_id = ? AND client_id = ? AND status <> 'open' AND told_at = 0`+cond),
			append([]any{micro(db.Now()), a.OrgID, clientID}, args...)...); err != nil {
			return nil, fmt.Errorf("sqldb: data requests: %w", err)
		}
	}
	return out, db.logList(ctx, clientID, opname.ObjectDataRequest, "", len(out))
}

// UntoldDataDecisions counts the decisions on the holder's requests their
// side has not shown yet: the link's first page says there is news.
func (db *DB) UntoldDataDecisions(ctx context.Context) (int, error) {
	a, err := orgActor(ctx, opname.RoleLinkHolder)
	if err != nil {
		return 0, err
	}
	cond, args := holderOnly(a)
	var n int
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM data_requests WHERE org_id = ? AND client_id = ? AND status <> 'open' AND told_at = 0`+cond), append([]any{a.OrgID, a.ClientID}, args...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqldb: data requests: %w", err)
	}
	return n, nil
}

// DataRequest reads one request: for the privacy officer any of the
// organisation's, for others one of a client they may see.
func (db *DB) DataRequest(ctx context.Context, id string) (*opname.DataRequest, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	r, err := db.dataRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return r, db.logRead(ctx, r.ClientID, opname.ObjectDataRequest, r.ID)
}

func (db *DB) dataRequest(ctx context.Context, a opname.Actor, id string) (*opname.DataRequest, error) {
	cond, args := holderOnly(a)
	r, err := scanDataRequest(db.read.QueryRowContext(ctx, db.q(`SELECT `+dataRequestColumns+` FROM data_requests WHERE org_id = ? AND id = ?`+cond), append([]any{a.OrgID, id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("data request")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: data request: %w", err)
	}
	if a.Role != opname.RolePrivacyOfficer {
		if _, err := db.client(ctx, a, r.ClientID); err != nil {
			return nil, notFound("data request")
		}
	}
	return r, nil
}

// OpenDataRequests lists the organisation's open requests, oldest first,
// for the privacy officer; each client's requests are one read of theirs.
func (db *DB) OpenDataRequests(ctx context.Context) ([]opname.DataRequest, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	out, err := db.dataRequests(ctx, `WHERE org_id = ? AND status = 'open' ORDER BY created_at, id`, a.OrgID)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	var clients []string
	for _, r := range out {
		if n[r.ClientID] == 0 {
			clients = append(clients, r.ClientID)
		}
		n[r.ClientID]++
	}
	for _, c := range clients {
		if err := db.logList(ctx, c, opname.ObjectDataRequest, "open", n[c]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) dataRequests(ctx context.Context, where string, args ...any) ([]opname.DataRequest, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+dataRequestColumns+` FROM data_requests `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: data requests: %w", err)
	}
	defer rows.Close()
	out := []opname.DataRequest{}
	for rows.Next() {
		r, err := scanDataRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: data requests: %w", err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: data requests: %w", err)
	}
	return out, nil
}

// DecideDataRequest records the privacy officer's decision and logs it.
func (db *DB) DecideDataRequest(ctx context.Context, id, status, reasons, done string) (*opname.DataRequest, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	reasons, done = strings.TrimSpace(reasons), strings.TrimSpace(done)
	if !slices.Contains(opname.DataDecisions, status) {
		return nil, invalid("decision", status, "data.decision", "choose granted, partly or refused")
	}
	if reasons == "" {
		return nil, invalid("reasons", "", "data.reasons", "say why")
	}
	if done == "" && status != opname.DataRefused {
		return nil, invalid("done", "", "data.done", "say what was done")
	}
	if err := cmp.Or(opname.Paragraphs.Check("reasons", reasons), opname.Paragraphs.Check("done", done)); err != nil {
		return nil, err
	}
	r, err := db.dataRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE data_requests SET status = ?, reasons = ?, done = ?, decided_by = ?, decided_at = ? WHERE org_id = ? AND id = ? AND status = 'open'`),
		status, reasons, done, a.Name, micro(now), a.OrgID, id)
	if err != nil {
		return nil, fmt.Errorf("sqldb: decide data request: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, opname.Coded(opname.Conflict, "data.decided", "request %s was decided already", id)
	}
	r.Status, r.Reasons, r.Done, r.DecidedBy, r.DecidedAt = status, reasons, done, a.Name, &now
	return r, db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: r.ClientID, ObjectType: opname.ObjectDataRequest, ObjectID: r.ID, Purpose: status})
}

// grantedErasure reports whether a granted (or partly granted) erasure
// request of the organisation names recording id: the privacy officer may
// then erase it without seeing the client's file.
func (db *DB) grantedErasure(ctx context.Context, orgID, id string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT 1 FROM data_requests WHERE org_id = ? AND recording_id = ? AND kind = 'erasure' AND status IN ('granted', 'partly') LIMIT 1`), orgID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqldb: data requests: %w", err)
	}
	return true, nil
}

// LogClientExport records an AVG access download of everything of the
// client the caller may see.
func (db *DB) LogClientExport(ctx context.Context, clientID string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return err
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessExport, ClientID: clientID, ObjectType: opname.ObjectClientData, ObjectID: clientID, Purpose: "avg access"})
}
