package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// submissionsKept is how long a form's token is remembered: long enough
// for any second sending of one form.
const submissionsKept = 24 * time.Hour

// BeginSubmission claims a form's key for the caller; see
// opname.Submissions.
func (db *DB) BeginSubmission(ctx context.Context, key string) (string, bool, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return "", false, err
	}
	if key == "" || len(key) > 200 {
		return "", false, invalid("formulier", "", "", "a form's token is 1 to 200 characters")
	}
	now := db.Now().UTC()
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM form_submissions WHERE org_id = ? AND created_at < ?`), a.OrgID, micro(now.Add(-submissionsKept))); err != nil {
		return "", false, fmt.Errorf("sqldb: begin submission: %w", err)
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO form_submissions (org_id, user_id, form_key, result, created_at) VALUES (?, ?, ?, '', ?)`), a.OrgID, a.UserID, key, micro(now))
	if err == nil {
		return "", true, nil
	}
	if !isUnique(err) {
		return "", false, fmt.Errorf("sqldb: begin submission: %w", err)
	}
	var result string
	err = db.write.QueryRowContext(ctx, db.q(`SELECT result FROM form_submissions WHERE org_id = ? AND user_id = ? AND form_key = ?`), a.OrgID, a.UserID, key).Scan(&result)
	if errors.Is(err, sql.ErrNoRows) {
		// Released between the two statements: claim it afresh.
		return db.BeginSubmission(ctx, key)
	}
	if err != nil {
		return "", false, fmt.Errorf("sqldb: begin submission: %w", err)
	}
	return result, false, nil
}

// EndSubmission records where a form's work led, or releases its key.
func (db *DB) EndSubmission(ctx context.Context, key, result string) error {
	a, err := orgActor(ctx)
	if err != nil {
		return err
	}
	q := `UPDATE form_submissions SET result = ? WHERE org_id = ? AND user_id = ? AND form_key = ?`
	args := []any{result, a.OrgID, a.UserID, key}
	if result == "" {
		q, args = `DELETE FROM form_submissions WHERE org_id = ? AND user_id = ? AND form_key = ?`, args[1:]
	}
	if _, err := db.write.ExecContext(ctx, db.q(q), args...); err != nil {
		return fmt.Errorf("sqldb: end submission: %w", err)
	}
	return nil
}
