package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// AddRecording stores a recording of a client the caller may see, logs the
// access, and appends the recording to the organisation's log: as a
// recording, or, when it is derived from another, as a declared edit.
func (db *DB) AddRecording(ctx context.Context, r *opname.Recording, s opname.Sealed) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil {
		return err
	}
	if r.Kind == "" {
		r.Kind = opname.KindMedia
	}
	var orig *opname.Recording
	switch {
	case r.Kind == opname.KindTranscript:
		if orig, err = db.transcriptOf(ctx, a, r); err != nil {
			return err
		}
	case r.Kind != opname.KindMedia:
		return invalid("kind", r.Kind, "upload.kind", "use media or transcript")
	case !slices.Contains(opname.RecordingSources, r.Source):
		return invalid("source", r.Source, "upload.source", "use client_copy or organisation")
	case a.Role == opname.RoleLinkHolder:
		if err := db.holderCopy(ctx, a, r); err != nil {
			return err
		}
	}
	r.ID, r.OrgID, r.CreatedAt, r.CreatedBy = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000), a.UserID
	entry := translog.Entry{Kind: translog.KindRecording, RecordingID: r.ID, SHA256: r.SHA256, Size: r.Size, Time: r.CreatedAt, AgreementsDigest: r.AgreementsDigest}
	var edit string
	if orig != nil {
		// A transcript's entry names the recording it transcribes by its
		// fingerprint, as an edit names its original.
		entry.Kind, entry.DerivedFrom, entry.AgreementsDigest = translog.KindTranscript, orig.SHA256, ""
	} else if r.DerivedFrom != "" {
		orig, _, err := db.recording(ctx, r.DerivedFrom)
		if err != nil {
			return err
		}
		if orig.ClientID != r.ClientID {
			return invalid("derived_from", r.DerivedFrom, "edit.other_client", "the original belongs to another client")
		}
		if r.Edit == nil {
			return invalid("edit", "", "edit.statement", "an edited version needs a statement of what was changed, why and who was told")
		}
		b, _ := json.Marshal(r.Edit)
		edit = string(b)
		sum := sha256.Sum256(b)
		entry.Kind, entry.DerivedFrom, entry.EditStatement = translog.KindEdit, orig.SHA256, hex.EncodeToString(sum[:])
	}
	var media string
	if r.Media != nil {
		b, _ := json.Marshal(r.Media)
		media = string(b)
	}
	// The log entry and the row commit together: no entry names a
	// recording that is missing, and no recording lacks its entry.
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r.LogIndex, err = db.appendTx(ctx, tx, a.OrgID, entry); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO recordings (id, org_id, client_id, kind, source, media_type, sha256, size, blob_key, payload_size, header, log_index, created_at, created_by, media, derived_from, edit, agreements_digest, request_id, conversation_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, r.OrgID, r.ClientID, r.Kind, r.Source, r.MediaType, r.SHA256, r.Size, s.BlobKey, s.PayloadSize, base64.StdEncoding.EncodeToString(s.Header), r.LogIndex, micro(r.CreatedAt), r.CreatedBy, media, r.DerivedFrom, edit, r.AgreementsDigest, r.RequestID, r.ConversationID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: add recording: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: r.ClientID, ObjectType: objectType(r), ObjectID: r.ID})
}

// objectType is what the access log calls r.
func objectType(r *opname.Recording) string {
	if r.Kind == opname.KindTranscript {
		return "transcript"
	}
	return "recording"
}

// transcriptOf checks a transcript before it is added and returns the
// recording it transcribes: a recording (not a transcript, not erased) of
// the same client that the caller may see. The organisation makes one as
// "organisation"; a link holder only as their own party, of a recording of
// a conversation they took part in.
func (db *DB) transcriptOf(ctx context.Context, a opname.Actor, r *opname.Recording) (*opname.Recording, error) {
	if r.DerivedFrom == "" {
		return nil, invalid("derived_from", "", "transcript.recording", "name the recording the transcript belongs to")
	}
	if !slices.Contains(opname.TranscriptTypes, r.MediaType) {
		return nil, invalid("media_type", r.MediaType, "transcript.type", "use text/plain, application/pdf or text/vtt")
	}
	orig, _, err := db.recording(ctx, r.DerivedFrom)
	if err != nil {
		return nil, err
	}
	switch {
	case orig.ClientID != r.ClientID:
		return nil, invalid("derived_from", r.DerivedFrom, "edit.other_client", "the recording belongs to another client")
	case orig.ErasedAt != nil:
		return nil, opname.Coded(opname.Conflict, "recording.erased_copy", "recording %s was erased; there is nothing to hand over", orig.ID)
	case r.Edit != nil || r.RequestID != "" || r.AgreementsDigest != "":
		return nil, invalid("derived_from", r.DerivedFrom, "transcript.plain", "a transcript has no edit statement, request or agreements of its own")
	}
	r.ConversationID = orig.ConversationID
	if a.Role != opname.RoleLinkHolder {
		if r.Source != "organisation" {
			return nil, invalid("source", r.Source, "upload.source", "staff add transcripts as the organisation")
		}
		return orig, nil
	}
	// The holder sees the recording; whether they took part in it is
	// theirs to know.
	notParty := opname.Coded(opname.Conflict, "transcript.not_party", "you took no part in the conversation of recording %s", orig.ID)
	if r.Source != a.Party {
		return nil, invalid("source", r.Source, "transcript.source", "a link holder adds transcripts as their own party")
	}
	if orig.ConversationID == "" {
		return nil, notParty
	}
	c, err := db.conversation(ctx, orig.ConversationID)
	if err != nil {
		return nil, notParty
	}
	if _, ok := opname.PartyIndex(c, a.Party, ""); !ok {
		return nil, notParty
	}
	return orig, nil
}

// holderCopy checks what a link holder adds: only the client's own
// recording, handed over for a request of the organisation's to have a
// copy of it (the workflow decides when; this holds whatever it decides).
func (db *DB) holderCopy(ctx context.Context, a opname.Actor, r *opname.Recording) error {
	forbidden := opname.Coded(opname.Forbidden, "link.copy_only", "through a link only the client's own copy is given, when the organisation asks for it")
	if a.Party != "client" || r.Source != "client_copy" || r.DerivedFrom != "" || r.RequestID == "" {
		return forbidden
	}
	req, err := db.request(ctx, r.RequestID)
	if err != nil {
		return err
	}
	if req.Act.Action != "copy" || req.ClientID != r.ClientID {
		return forbidden
	}
	return nil
}

const recordingColumns = `id, org_id, client_id, kind, source, media_type, sha256, size, log_index, created_at, created_by, media, derived_from, edit, agreements_digest, request_id, conversation_id, erased_at, fixity_checked_at, fixity_problem`

func scanRecording(row interface{ Scan(...any) error }, extra ...any) (*opname.Recording, error) {
	var r opname.Recording
	var created int64
	var media, edit, problem string
	var erased, checked sql.NullInt64
	if err := row.Scan(append([]any{&r.ID, &r.OrgID, &r.ClientID, &r.Kind, &r.Source, &r.MediaType, &r.SHA256, &r.Size, &r.LogIndex, &created, &r.CreatedBy, &media, &r.DerivedFrom, &edit, &r.AgreementsDigest, &r.RequestID, &r.ConversationID, &erased, &checked, &problem}, extra...)...); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMicro(created)
	if media != "" {
		r.Media = new(opname.MediaInfo)
		if err := json.Unmarshal([]byte(media), r.Media); err != nil {
			return nil, fmt.Errorf("recording %s: media: %w", r.ID, err)
		}
	}
	if edit != "" {
		r.Edit = new(opname.EditStatement)
		if err := json.Unmarshal([]byte(edit), r.Edit); err != nil {
			return nil, fmt.Errorf("recording %s: edit: %w", r.ID, err)
		}
	}
	if erased.Valid {
		t := fromMicro(erased.Int64)
		r.ErasedAt = &t
	}
	if checked.Valid {
		r.Fixity = &opname.FixityCheck{CheckedAt: fromMicro(checked.Int64), Problem: problem}
	}
	return &r, nil
}

// scanSealed scans a recording with how it is sealed.
func scanSealed(row interface{ Scan(...any) error }) (*opname.Recording, *opname.Sealed, error) {
	var s opname.Sealed
	var header string
	r, err := scanRecording(row, &s.BlobKey, &s.PayloadSize, &header)
	if err != nil {
		return nil, nil, err
	}
	if s.Header, err = base64.StdEncoding.DecodeString(header); err != nil {
		return nil, nil, fmt.Errorf("sqldb: recording %s: header: %w", r.ID, err)
	}
	return r, &s, nil
}

// Recording returns a recording of a client the caller may see, and logs
// the read.
func (db *DB) Recording(ctx context.Context, id string) (*opname.Recording, *opname.Sealed, error) {
	r, s, err := db.recording(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return r, s, db.logRead(ctx, r.ClientID, "recording", r.ID)
}

// Transcript returns a transcript of a recording the caller may see, and
// logs the read.
func (db *DB) Transcript(ctx context.Context, id string) (*opname.Recording, *opname.Sealed, error) {
	r, s, err := db.anyRecording(ctx, id, opname.KindTranscript)
	if err != nil {
		return nil, nil, notFound("transcript")
	}
	return r, s, db.logRead(ctx, r.ClientID, "transcript", r.ID)
}

// Transcripts lists the transcripts of a recording the caller may see,
// oldest first, and logs the list.
func (db *DB) Transcripts(ctx context.Context, recordingID string) ([]opname.Recording, error) {
	rec, _, err := db.recording(ctx, recordingID)
	if err != nil {
		return nil, err
	}
	ts, err := db.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE org_id = ? AND derived_from = ? AND kind = ? ORDER BY created_at, id`, rec.OrgID, rec.ID, opname.KindTranscript)
	if err != nil {
		return nil, err
	}
	return ts, db.logList(ctx, rec.ClientID, "transcripts", "", len(ts))
}

// recording reads a recording the caller may see, without logging. A
// transcript is not a recording: its id is not found here.
func (db *DB) recording(ctx context.Context, id string) (*opname.Recording, *opname.Sealed, error) {
	return db.anyRecording(ctx, id, opname.KindMedia)
}

// anyRecording reads a row of kind the caller may see, without logging: a
// transcript as its recording.
func (db *DB) anyRecording(ctx context.Context, id, kind string) (*opname.Recording, *opname.Sealed, error) {
	a, err := orgActor(ctx, anyRole...)
	if err != nil {
		return nil, nil, err
	}
	r, s, err := scanSealed(db.read.QueryRowContext(ctx, db.q(`SELECT `+recordingColumns+`, blob_key, payload_size, header FROM recordings WHERE org_id = ? AND id = ? AND kind = ?`), a.OrgID, id, kind))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("recording")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: recording: %w", err)
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil || !db.holderSees(ctx, a, r) {
		return nil, nil, notFound("recording")
	}
	return r, s, nil
}

// holderSees reports whether the caller may see recording r as a party to
// it: a link holder who is the client sees every recording of theirs;
// anyone else holding a link those of the conversations they take part in
// (a declared edit as its original). Callers who are not link holders see
// what their client access lets them see.
func (db *DB) holderSees(ctx context.Context, a opname.Actor, r *opname.Recording) bool {
	if a.Role == opname.RoleRecipient {
		// A recipient sees the one recording shared with them.
		return r.ID == a.Object
	}
	if a.Role != opname.RoleLinkHolder || a.Party == "client" {
		return true
	}
	conv := r.ConversationID
	if conv == "" && r.DerivedFrom != "" {
		_ = db.read.QueryRowContext(ctx, db.q(`SELECT conversation_id FROM recordings WHERE org_id = ? AND id = ?`), a.OrgID, r.DerivedFrom).Scan(&conv)
	}
	if conv == "" {
		return false
	}
	_, err := db.conversation(ctx, conv)
	return err == nil
}

// ClientRecordings lists a client's recordings, newest first.
func (db *DB) ClientRecordings(ctx context.Context, clientID string) ([]opname.Recording, error) {
	rs, _, err := db.clientRecordings(ctx, clientID, nil, "")
	return rs, err
}

// ClientRecordingsPage lists a page of a client's recordings, newest
// first, as one read.
func (db *DB) ClientRecordingsPage(ctx context.Context, clientID string, p opname.Page) ([]opname.Recording, string, error) {
	l, err := page(p, "recordings", "created_at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	return db.clientRecordings(ctx, clientID, l, listed("", p))
}

// clientRecordings lists a client's recordings: a page of them, or (l
// nil) all.
func (db *DB) clientRecordings(ctx context.Context, clientID string, l *listing, which string) ([]opname.Recording, string, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, "", err
	}
	query, args := `SELECT `+recordingColumns+` FROM recordings WHERE org_id = ? AND client_id = ? AND kind = ?`, []any{a.OrgID, clientID, opname.KindMedia}
	sees := func(r *opname.Recording) bool { return db.holderSees(ctx, a, r) }
	var rs []opname.Recording
	next := ""
	if l != nil {
		read := func(l *listing) ([]opname.Recording, error) {
			q, qargs := l.query(query, args)
			return db.recordings(ctx, q, qargs...)
		}
		at := func(r *opname.Recording) (string, string) { return microKey(micro(r.CreatedAt)), r.ID }
		rs, next, err = visiblePage(l, read, sees, at)
	} else {
		rs, err = db.recordings(ctx, query+` ORDER BY created_at DESC, id DESC`, args...)
		rs = slices.DeleteFunc(rs, func(r opname.Recording) bool { return !sees(&r) })
	}
	if err != nil {
		return nil, "", err
	}
	return rs, next, db.logList(ctx, clientID, "recordings", which, len(rs))
}

// ConversationTranscripts lists the transcripts of a conversation's
// recordings, oldest first, as one read: the conversation's page shows
// them all at once.
func (db *DB) ConversationTranscripts(ctx context.Context, conversationID string) ([]opname.Recording, error) {
	c, err := db.conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	ts, err := db.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings t WHERE org_id = ? AND kind = ? AND EXISTS (SELECT 1 FROM recordings r WHERE r.org_id = t.org_id AND r.id = t.derived_from AND r.conversation_id = ? AND r.kind = ?) ORDER BY created_at, id`,
		c.OrgID, opname.KindTranscript, c.ID, opname.KindMedia)
	if err != nil {
		return nil, err
	}
	return ts, db.logList(ctx, c.ClientID, "transcripts", c.ID, len(ts))
}

func (db *DB) recordings(ctx context.Context, query string, args ...any) ([]opname.Recording, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
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

// AllRecordings lists recordings that are not erased, with how they are
// sealed (system only).
func (db *DB) AllRecordings(ctx context.Context, checkedBefore time.Time, limit int) ([]opname.Recording, []opname.Sealed, error) {
	if _, err := system(ctx); err != nil {
		return nil, nil, err
	}
	query := `SELECT ` + recordingColumns + `, blob_key, payload_size, header FROM recordings WHERE erased_at IS NULL`
	var args []any
	if !checkedBefore.IsZero() {
		query += ` AND (fixity_checked_at IS NULL OR fixity_checked_at < ?) ORDER BY fixity_checked_at, created_at`
		args = append(args, micro(checkedBefore))
	} else {
		query += ` ORDER BY org_id, created_at`
	}
	if limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: all recordings: %w", err)
	}
	defer rows.Close()
	var recs []opname.Recording
	var sealed []opname.Sealed
	for rows.Next() {
		r, s, err := scanSealed(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("sqldb: all recordings: %w", err)
		}
		recs = append(recs, *r)
		sealed = append(sealed, *s)
	}
	return recs, sealed, rows.Err()
}

func system(ctx context.Context) (opname.Actor, error) {
	a, err := actor(ctx)
	if err == nil && a.Role != opname.RoleSystem {
		err = opname.Coded(opname.Forbidden, "auth.system", "only the system may do this")
	}
	return a, err
}

// SetFixity stores the outcome of a fixity check (system only).
func (db *DB) SetFixity(ctx context.Context, id string, c opname.FixityCheck) error {
	a, err := system(ctx)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE recordings SET fixity_checked_at = ?, fixity_problem = ? WHERE org_id = ? AND id = ?`), micro(c.CheckedAt), c.Problem, a.OrgID, id)
	if err != nil {
		return fmt.Errorf("sqldb: set fixity: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("recording")
	}
	return nil
}

// FixityProblems lists a page of the organisation's recordings whose last
// fixity check failed, last checked first, for the privacy officer. It
// shows no client data beyond the recording's id and fingerprint
// (fixityOnly), and so is not logged.
func (db *DB) FixityProblems(ctx context.Context, p opname.Page) ([]opname.Recording, string, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer, opname.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "fixity_problems", "fixity_checked_at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	query, args := l.query(`SELECT `+recordingColumns+` FROM recordings WHERE org_id = ? AND fixity_problem <> '' AND erased_at IS NULL`, []any{a.OrgID})
	rs, err := db.recordings(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	rs, next := cut(l, rs, func(r *opname.Recording) (string, string) {
		var checked int64
		if r.Fixity != nil {
			checked = micro(r.Fixity.CheckedAt)
		}
		return microKey(checked), r.ID
	})
	for i := range rs {
		rs[i] = fixityOnly(rs[i])
	}
	return rs, next, nil
}

// fixityOnly is what a list of fixity problems shows of a recording: its
// id, fingerprint, size, times and check, none of the client data that
// would make the list a read to log (an edit statement says what was cut
// from a client's recording, why and who was told; the conversation and
// request it was made for, what it holds).
func fixityOnly(r opname.Recording) opname.Recording {
	return opname.Recording{ID: r.ID, OrgID: r.OrgID, ClientID: r.ClientID, Kind: r.Kind, Source: r.Source, MediaType: r.MediaType, SHA256: r.SHA256, Size: r.Size,
		LogIndex: r.LogIndex, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, ErasedAt: r.ErasedAt, Fixity: r.Fixity}
}

// EraseRecording deletes a recording's wrapped file key, logs the erasure
// in the organisation's log and the access log, and returns the recording
// with how it was sealed, so that the caller can remove the encrypted
// bytes as well. A recording on legal hold is not erased: the hold must be
// released first (Conflict).
func (db *DB) EraseRecording(ctx context.Context, id, reason string) (*opname.Recording, *opname.Sealed, error) {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, nil, err
	}
	if a.Role == opname.RolePrivacyOfficer {
		// The privacy officer sees no client's file: they erase only a
		// recording a client's erasure request they granted names.
		ok, err := db.grantedErasure(ctx, a.OrgID, id)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, notFound("recording")
		}
	} else if _, _, err := db.recording(ctx, id); err != nil {
		return nil, nil, err
	}
	return db.eraseRecording(ctx, a, id, reason, nil)
}

// eraseRecording is the one crypto-erasure of a recording, by hand
// (EraseRecording, which checks the caller may see it) and by retention
// (destroy, as the privacy officer or the system): the key goes, the
// erasure is in the organisation's log, the transcripts go with it, and
// the access log records delete "recording" with purpose. also, if not
// nil, runs in the same transaction. A held recording is a Conflict.
func (db *DB) eraseRecording(ctx context.Context, a opname.Actor, id, purpose string, also func(*sql.Tx) error) (*opname.Recording, *opname.Sealed, error) {
	r, s, err := scanSealed(db.read.QueryRowContext(ctx, db.q(`SELECT `+recordingColumns+`, blob_key, payload_size, header FROM recordings WHERE org_id = ? AND id = ? AND kind = ?`), a.OrgID, id, opname.KindMedia))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("recording")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: erase recording: %w", err)
	}
	if r.ErasedAt != nil {
		return nil, nil, opname.Coded(opname.Conflict, "recording.erased", "recording %s was erased already", id)
	}
	now := db.Now().UTC().Truncate(1000)
	var erased []opname.Recording
	// The key goes and the erasure is logged in one transaction; a second
	// erasure of the same recording finds it gone and changes nothing.
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.heldTx(ctx, tx, a.OrgID, r.ClientID, r.ID, r.DerivedFrom); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE recordings SET header = '', erased_at = ? WHERE org_id = ? AND id = ? AND erased_at IS NULL`), micro(now), a.OrgID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opname.Coded(opname.Conflict, "recording.erased", "recording %s was erased already", id)
		}
		if _, err = db.appendTx(ctx, tx, a.OrgID, translog.Entry{Kind: translog.KindErasure, RecordingID: r.ID, SHA256: r.SHA256, Size: r.Size, Time: now}); err != nil {
			return err
		}
		// A transcript says what the recording said: it goes with it.
		if erased, err = db.eraseTranscriptsTx(ctx, tx, a.OrgID, r.ID, now); err != nil {
			return err
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if opname.KindOf(err) == opname.Conflict {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: erase recording: %w", err)
	}
	r.ErasedAt = &now
	if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessDelete, ClientID: r.ClientID, ObjectType: "recording", ObjectID: r.ID, Purpose: purpose}); err != nil {
		return nil, nil, err
	}
	for _, t := range erased {
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessDelete, ClientID: t.ClientID, ObjectType: "transcript", ObjectID: t.ID, Purpose: purpose}); err != nil {
			return nil, nil, err
		}
	}
	return r, s, nil
}

// eraseTranscriptsTx erases the transcripts of recording id that are not
// erased yet, each with its entry in the log, and returns them.
func (db *DB) eraseTranscriptsTx(ctx context.Context, tx *sql.Tx, orgID, id string, now time.Time) ([]opname.Recording, error) {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT `+recordingColumns+` FROM recordings WHERE org_id = ? AND derived_from = ? AND kind = ? AND erased_at IS NULL ORDER BY created_at, id`), orgID, id, opname.KindTranscript)
	if err != nil {
		return nil, err
	}
	var ts []opname.Recording
	for rows.Next() {
		t, err := scanRecording(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ts = append(ts, *t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range ts {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE recordings SET header = '', erased_at = ? WHERE org_id = ? AND id = ?`), micro(now), orgID, t.ID); err != nil {
			return nil, err
		}
		if _, err := db.appendTx(ctx, tx, orgID, translog.Entry{Kind: translog.KindErasure, RecordingID: t.ID, SHA256: t.SHA256, Size: t.Size, Time: now}); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// AddCopy logs that a copy of a recording was handed over.
func (db *DB) AddCopy(ctx context.Context, id, to string) (int64, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(opname.CopyRecipients, to) {
		return 0, invalid("to", to, "copy.to", "use client or other")
	}
	r, _, err := db.recording(ctx, id)
	if err != nil {
		return 0, err
	}
	if r.ErasedAt != nil {
		return 0, opname.Coded(opname.Conflict, "recording.erased_copy", "recording %s was erased; there is nothing to hand over", id)
	}
	index, err := db.Append(ctx, a.OrgID, translog.Entry{Kind: translog.KindCopy, RecordingID: r.ID, SHA256: r.SHA256, Size: r.Size, Time: db.Now().UTC().Truncate(1000)})
	if err != nil {
		return 0, err
	}
	return index, db.Record(ctx, opname.AccessEvent{Action: opname.AccessCopy, ClientID: r.ClientID, ObjectType: "recording", ObjectID: r.ID, Purpose: "copy handed to " + to})
}

// SetMedia stores what probing found in a recording, after it was stored
// (system only). An erased recording is not found.
func (db *DB) SetMedia(ctx context.Context, id string, m *opname.MediaInfo) error {
	a, err := system(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	// An erased recording keeps no details of its media: a probe queued
	// before the erasure writes nothing when it ends after it.
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE recordings SET media = ? WHERE org_id = ? AND id = ? AND erased_at IS NULL`), string(b), a.OrgID, id)
	if err != nil {
		return fmt.Errorf("sqldb: set media: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("recording")
	}
	return nil
}
