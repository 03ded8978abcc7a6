package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// AddRecording stores a recording of a client the caller may see, logs the
// access, and appends the recording to the organisation's log.
func (db *DB) AddRecording(ctx context.Context, r *opname.Recording, s opname.Sealed) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil {
		return err
	}
	if !slices.Contains(opname.RecordingSources, r.Source) {
		return invalid("source", r.Source, "use client_copy or organisation")
	}
	r.ID, r.OrgID, r.CreatedAt, r.CreatedBy = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000), a.UserID
	// The log entry first: a row always has its log index, and an entry
	// whose row is missing (a crash in between) names a recording id that
	// does not exist, which the fixity audit reports.
	r.LogIndex, err = db.Append(ctx, a.OrgID, translog.Entry{Kind: translog.KindRecording, RecordingID: r.ID, SHA256: r.SHA256, Size: r.Size, Time: r.CreatedAt})
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO recordings (id, org_id, client_id, source, media_type, sha256, size, blob_key, payload_size, header, log_index, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.OrgID, r.ClientID, r.Source, r.MediaType, r.SHA256, r.Size, s.BlobKey, s.PayloadSize, base64.StdEncoding.EncodeToString(s.Header), r.LogIndex, micro(r.CreatedAt), r.CreatedBy)
	if err != nil {
		return fmt.Errorf("sqldb: add recording: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: r.ClientID, ObjectType: "recording", ObjectID: r.ID})
}

const recordingColumns = `id, org_id, client_id, source, media_type, sha256, size, log_index, created_at, created_by`

func scanRecording(row interface{ Scan(...any) error }, extra ...any) (*opname.Recording, error) {
	var r opname.Recording
	var created int64
	if err := row.Scan(append([]any{&r.ID, &r.OrgID, &r.ClientID, &r.Source, &r.MediaType, &r.SHA256, &r.Size, &r.LogIndex, &created, &r.CreatedBy}, extra...)...); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMicro(created)
	return &r, nil
}

// Recording returns a recording of a client the caller may see.
func (db *DB) Recording(ctx context.Context, id string) (*opname.Recording, *opname.Sealed, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var s opname.Sealed
	var header string
	r, err := scanRecording(db.read.QueryRowContext(ctx, db.q(`SELECT `+recordingColumns+`, blob_key, payload_size, header FROM recordings WHERE org_id = ? AND id = ?`), a.OrgID, id), &s.BlobKey, &s.PayloadSize, &header)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("recording")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: recording: %w", err)
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil {
		return nil, nil, notFound("recording")
	}
	if s.Header, err = base64.StdEncoding.DecodeString(header); err != nil {
		return nil, nil, fmt.Errorf("sqldb: recording %s: header: %w", id, err)
	}
	return r, &s, nil
}

// ClientRecordings lists a client's recordings, newest first.
func (db *DB) ClientRecordings(ctx context.Context, clientID string) ([]opname.Recording, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+recordingColumns+` FROM recordings WHERE org_id = ? AND client_id = ? ORDER BY created_at DESC, id`), a.OrgID, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: recordings: %w", err)
	}
	defer rows.Close()
	out := []opname.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: recordings: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// AllRecordings lists every recording with how it is sealed (system only).
func (db *DB) AllRecordings(ctx context.Context) ([]opname.Recording, []opname.Sealed, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if a.Role != opname.RoleSystem {
		return nil, nil, &opname.Error{Kind: opname.Forbidden, Msg: "only the system audits every recording"}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+recordingColumns+`, blob_key, payload_size, header FROM recordings ORDER BY org_id, created_at`)
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: all recordings: %w", err)
	}
	defer rows.Close()
	var recs []opname.Recording
	var sealed []opname.Sealed
	for rows.Next() {
		var s opname.Sealed
		var header string
		r, err := scanRecording(rows, &s.BlobKey, &s.PayloadSize, &header)
		if err != nil {
			return nil, nil, fmt.Errorf("sqldb: all recordings: %w", err)
		}
		if s.Header, err = base64.StdEncoding.DecodeString(header); err != nil {
			return nil, nil, fmt.Errorf("sqldb: recording %s: header: %w", r.ID, err)
		}
		recs = append(recs, *r)
		sealed = append(sealed, s)
	}
	return recs, sealed, rows.Err()
}
