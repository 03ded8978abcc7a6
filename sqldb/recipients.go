package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// Recipient links (see opname.RecipientLink). Like a client link, the
// secret is kept as its hash and opening one takes the same steps for
// every secret: a link that never existed, expired, was stopped or has no
// downloads left all answer the same NotFound, and each counts as a failure
// from the caller's address.

var errRecipientUnknown = opname.Coded(opname.NotFound, "recipient.gone", "this link does not work (any more)")

func recipientThrottleKeys(addr string) throttleKeys {
	return throttleKeysFor("", "recipient-links", addr)
}

const recipientColumns = `id, org_id, client_id, request_id, what, object_id, recipient, recipient_name, created_at, created_by, expires_at, max_downloads, downloads, code_hash <> '', revoked_at, revoked_by, log_index`

func scanRecipient(row interface{ Scan(...any) error }, extra ...any) (*opname.RecipientLink, error) {
	var l opname.RecipientLink
	var created, expires, revoked int64
	dest := append([]any{&l.ID, &l.OrgID, &l.ClientID, &l.RequestID, &l.What, &l.ObjectID, &l.Recipient, &l.To, &created, &l.CreatedBy, &expires,
		&l.MaxDownloads, &l.Downloads, &l.CodeRequired, &revoked, &l.RevokedBy, &l.LogIndex}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt = fromMicro(created), fromMicro(expires)
	if revoked != 0 {
		t := fromMicro(revoked)
		l.RevokedAt = &t
	}
	return &l, nil
}

// CreateRecipientLink gives a recipient link for a share request the
// workflow found ready, and appends the share to the organisation's log in
// the same transaction. It returns the link's secret and, when asked for,
// the code to send separately; both are shown once and kept as hashes.
func (db *DB) CreateRecipientLink(ctx context.Context, l *opname.RecipientLink, o opname.RecipientOptions) (secret, code string, err error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return "", "", err
	}
	if err := o.Check(); err != nil {
		return "", "", err
	}
	req, err := db.request(ctx, l.RequestID)
	if err != nil {
		return "", "", err
	}
	if req.Act.Action != "share" || req.Act.Share == nil || !opname.Deliverable(req.Act.Share.What) {
		return "", "", opname.Coded(opname.Conflict, "recipient.not_share", "only a request to share a recording or a transcript gets a recipient link")
	}
	rec, _, err := db.sharedFile(ctx, req.Act.Share)
	if err != nil {
		return "", "", err
	}
	if rec.ErasedAt != nil || rec.ClientID != req.ClientID {
		return "", "", opname.Coded(opname.Conflict, "recipient.erased", "the recording to share was erased")
	}
	raw := make([]byte, 17)
	if _, err := io.ReadFull(db.Rand, raw); err != nil {
		return "", "", fmt.Errorf("sqldb: recipient link: %w", err)
	}
	secret = opname.LinkCode(raw)
	var codeHash string
	if o.WithCode {
		raw := make([]byte, 5)
		if _, err := io.ReadFull(db.Rand, raw); err != nil {
			return "", "", fmt.Errorf("sqldb: recipient code: %w", err)
		}
		code = opname.RecipientCode(raw)
		codeHash = hashSecret(opname.NormalRecipientCode(code))
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	*l = opname.RecipientLink{ID: opname.RecipientLinkIDPrefix + db.newID(), OrgID: a.OrgID, ClientID: req.ClientID, RequestID: req.ID,
		What: req.Act.Share.What, ObjectID: rec.ID, Recipient: req.Act.Recipient, To: req.Act.Share.To, CreatedAt: now, CreatedBy: a.UserID,
		ExpiresAt: now.AddDate(0, 0, o.Days), MaxDownloads: o.MaxDownloads, CodeRequired: o.WithCode}
	entry := translog.Entry{Kind: translog.KindShare, RecordingID: rec.ID, SHA256: rec.SHA256, Size: rec.Size, Time: now, Recipient: l.Recipient, ShareID: l.ID}
	if err := db.addShare(ctx, l, entry, hashSecret(secret), codeHash, "link"); err != nil {
		return "", "", fmt.Errorf("sqldb: create recipient link: %w", err)
	}
	return secret, code, db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: l.ClientID, ObjectType: "recipient_link", ObjectID: l.ID, Purpose: l.Recipient})
}

// LogBundle enters an evidence bundle of a share request in the
// organisation's log as a share of its recording (kind of recipient, never
// a name), before the bundle is sent: making one is itself a share. A
// bundle of agreements or a decision names the request instead.
func (db *DB) LogBundle(ctx context.Context, requestID string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	req, err := db.request(ctx, requestID)
	if err != nil {
		return err
	}
	if req.Act.Action != "share" || req.Act.Share == nil {
		return opname.Coded(opname.Conflict, "recipient.not_share", "only a request to share gets a recipient link")
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	l := opname.RecipientLink{ID: opname.RecipientLinkIDPrefix + db.newID(), OrgID: a.OrgID, ClientID: req.ClientID, RequestID: req.ID, What: req.Act.Share.What,
		ObjectID: req.ID, Recipient: req.Act.Recipient, To: req.Act.Share.To, CreatedAt: now, CreatedBy: a.UserID, ExpiresAt: now, MaxDownloads: 1, Downloads: 1}
	entry := translog.Entry{Kind: translog.KindShare, RecordingID: req.ID, Time: now, Recipient: l.Recipient, ShareID: l.ID}
	if opname.Deliverable(l.What) {
		rec, _, err := db.sharedFile(ctx, req.Act.Share)
		if err != nil {
			return err
		}
		l.ObjectID, entry.RecordingID, entry.SHA256, entry.Size = rec.ID, rec.ID, rec.SHA256, rec.Size
	}
	if err := db.addShare(ctx, &l, entry, "bundle:"+l.ID, "", "bundle"); err != nil {
		return fmt.Errorf("sqldb: log bundle: %w", err)
	}
	return nil
}

// addShare appends a share's entry to the organisation's log and stores
// its row in the same transaction: no share is logged without its row, or
// kept without its entry. A bundle (via "bundle") is given and ended at
// once: one download made, its end the share's own entry.
func (db *DB) addShare(ctx context.Context, l *opname.RecipientLink, entry translog.Entry, hash, codeHash, via string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if l.LogIndex, err = db.appendTx(ctx, tx, l.OrgID, entry); err != nil {
			return err
		}
		end := int64(-1)
		if via == "bundle" {
			end = l.LogIndex
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO recipient_links (id, hash, org_id, client_id, request_id, what, object_id, object_sha256, recipient, recipient_name, created_at, created_by, expires_at, max_downloads, downloads, code_hash, log_index, end_log_index, via)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			l.ID, hash, l.OrgID, l.ClientID, l.RequestID, l.What, l.ObjectID, entry.SHA256, l.Recipient, l.To, micro(l.CreatedAt), l.CreatedBy, micro(l.ExpiresAt),
			l.MaxDownloads, l.Downloads, codeHash, l.LogIndex, end, via)
		return err
	})
}

// sharedFile reads the recording or transcript a share passes on, without
// logging: its reading is part of giving it.
func (db *DB) sharedFile(ctx context.Context, sh *opname.Share) (*opname.Recording, *opname.Sealed, error) {
	kind := opname.KindMedia
	if sh.What == "transcript" {
		kind = opname.KindTranscript
	}
	return db.anyRecording(ctx, sh.ID, kind)
}

// RecipientLinks lists the links of a request the caller may see, newest
// first: for its staff and for the people of its conversation.
func (db *DB) RecipientLinks(ctx context.Context, requestID string) ([]opname.RecipientLink, error) {
	req, err := db.request(ctx, requestID)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+recipientColumns+` FROM recipient_links WHERE org_id = ? AND request_id = ? AND via = 'link' ORDER BY created_at DESC, id`), req.OrgID, req.ID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: recipient links: %w", err)
	}
	defer rows.Close()
	out := []opname.RecipientLink{}
	for rows.Next() {
		l, err := scanRecipient(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: recipient links: %w", err)
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: recipient links: %w", err)
	}
	return out, db.logList(ctx, req.ClientID, "recipient_links", "", len(out))
}

// RevokeRecipientLink stops a link, for staff of its client or a person of
// its request's conversation, and ends the share in the log. Stopping a
// link that is over changes nothing.
func (db *DB) RevokeRecipientLink(ctx context.Context, id string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	l, err := scanRecipient(db.read.QueryRowContext(ctx, db.q(`SELECT `+recipientColumns+` FROM recipient_links WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("recipient link")
	}
	if err != nil {
		return fmt.Errorf("sqldb: recipient link: %w", err)
	}
	if _, err := db.request(ctx, l.RequestID); err != nil {
		return notFound("recipient link")
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	if l.State(now) != "active" {
		return nil
	}
	ended, err := db.endShare(ctx, l, translog.KindShareRevoked, now, a.UserID)
	if err != nil || !ended {
		return err
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessDelete, ClientID: l.ClientID, ObjectType: "recipient_link", ObjectID: id, Purpose: "revoked"})
}

// endShare appends a share's end (stopped or expired) to the log and marks
// the link, once: ended is false when another call ended it first.
func (db *DB) endShare(ctx context.Context, l *opname.RecipientLink, kind string, now time.Time, by string) (ended bool, err error) {
	var sha string
	var size int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT r.sha256, r.size FROM recipient_links l JOIN recordings r ON r.id = l.object_id WHERE l.id = ?`), l.ID).Scan(&sha, &size); err != nil {
		return false, fmt.Errorf("sqldb: end share: %w", err)
	}
	errEnded := errors.New("ended")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM recipient_links WHERE id = ? AND end_log_index = -1`), l.ID).Scan(&open); err != nil {
			return err
		}
		if open == 0 {
			return errEnded
		}
		index, err := db.appendTx(ctx, tx, l.OrgID, translog.Entry{Kind: kind, RecordingID: l.ObjectID, SHA256: sha, Size: size, Time: now, Recipient: l.Recipient, ShareID: l.ID})
		if err != nil {
			return err
		}
		set := `end_log_index = ?`
		args := []any{index}
		if kind == translog.KindShareRevoked {
			set += `, revoked_at = ?, revoked_by = ?`
			args = append(args, micro(now), by)
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE recipient_links SET `+set+` WHERE id = ?`), append(args, l.ID)...)
		return err
	})
	if errors.Is(err, errEnded) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqldb: end share: %w", err)
	}
	return true, nil
}

// EndRecipientLinks appends the end of every share whose link expired by
// now to its organisation's log; the server runs it now and then. It
// returns how many ended.
func (db *DB) EndRecipientLinks(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+recipientColumns+` FROM recipient_links WHERE end_log_index = -1 AND expires_at <= ?`), micro(now))
	if err != nil {
		return 0, fmt.Errorf("sqldb: expired recipient links: %w", err)
	}
	var due []*opname.RecipientLink
	for rows.Next() {
		l, err := scanRecipient(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqldb: expired recipient links: %w", err)
		}
		due = append(due, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqldb: expired recipient links: %w", err)
	}
	n := 0
	for _, l := range due {
		ended, err := db.endShare(ctx, l, translog.KindShareExpired, now, "")
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// OpenRecipientLink finds the usable link of a secret, throttled per
// address like opening a client link.
func (db *DB) OpenRecipientLink(ctx context.Context, typed string) (*opname.RecipientLink, error) {
	secret, _ := opname.NormalLinkCode(typed)
	keys := recipientThrottleKeys(addrOf(ctx))
	wait, err := db.throttled(ctx, keys)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, tooManyLinks(wait)
	}
	l, err := scanRecipient(db.read.QueryRowContext(ctx, db.q(`SELECT `+recipientColumns+` FROM recipient_links WHERE hash = ?`), hashSecret(secret)))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqldb: open recipient link: %w", err)
	}
	if err != nil || !l.Usable(db.Now()) {
		if err := db.countFailure(ctx, keys); err != nil {
			return nil, err
		}
		return nil, errRecipientUnknown
	}
	return l, nil
}

// CheckRecipientCode checks the code of the caller's link (a recipient's):
// a wrong code counts against the link, which stops after
// opname.RecipientCodeMax wrong codes, and against the address.
func (db *DB) CheckRecipientCode(ctx context.Context, typed string) error {
	a, err := orgActor(ctx, opname.RoleRecipient)
	if err != nil {
		return err
	}
	var hash string
	var failures int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT code_hash, code_failures FROM recipient_links WHERE org_id = ? AND id = ?`), a.OrgID, a.UserID).Scan(&hash, &failures); err != nil {
		return errRecipientUnknown
	}
	if hash == "" || hashSecret(opname.NormalRecipientCode(typed)) == hash {
		return nil
	}
	if err := db.countFailure(ctx, recipientThrottleKeys(addrOf(ctx))); err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE recipient_links SET code_failures = code_failures + 1 WHERE id = ?`), a.UserID); err != nil {
		return fmt.Errorf("sqldb: recipient code: %w", err)
	}
	if failures+1 >= opname.RecipientCodeMax {
		l, err := scanRecipient(db.read.QueryRowContext(ctx, db.q(`SELECT `+recipientColumns+` FROM recipient_links WHERE id = ?`), a.UserID))
		if err != nil {
			return fmt.Errorf("sqldb: recipient code: %w", err)
		}
		if _, err := db.endShare(ctx, l, translog.KindShareRevoked, db.Now().UTC().Truncate(time.Microsecond), "code"); err != nil {
			return err
		}
		return errRecipientUnknown
	}
	return opname.Invalidf("code", "recipient.code", "this code is not right; check the code you were sent")
}

// CountDownload counts one download through the caller's link (a
// recipient's), when one is left; otherwise the link no longer works.
func (db *DB) CountDownload(ctx context.Context) error {
	a, err := orgActor(ctx, opname.RoleRecipient)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE recipient_links SET downloads = downloads + 1
		WHERE org_id = ? AND id = ? AND downloads < max_downloads AND revoked_at = 0 AND expires_at > ?`), a.OrgID, a.UserID, micro(db.Now()))
	if err != nil {
		return fmt.Errorf("sqldb: count download: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errRecipientUnknown
	}
	return nil
}

// Shares are the receipts of a recording's shares, stops and expiries in
// an organisation's public log, found by the recording's SHA-256: what
// `opname verify --log` shows of a shared copy. They name kinds of
// recipient and times, never people.
func (db *DB) Shares(ctx context.Context, slug, sha256 string) ([]*translog.Receipt, error) {
	var orgID string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM organisations WHERE slug = ?`), slug).Scan(&orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("log")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: shares: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT log_index, end_log_index FROM recipient_links WHERE org_id = ? AND object_sha256 = ? ORDER BY log_index`), orgID, sha256)
	if err != nil {
		return nil, fmt.Errorf("sqldb: shares: %w", err)
	}
	var indexes []int64
	for rows.Next() {
		var start, end int64
		if err := rows.Scan(&start, &end); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqldb: shares: %w", err)
		}
		indexes = append(indexes, start)
		if end >= 0 && end != start {
			indexes = append(indexes, end)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: shares: %w", err)
	}
	out := []*translog.Receipt{}
	for _, i := range indexes {
		rc, err := db.Receipt(ctx, orgID, i)
		if err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, nil
}
