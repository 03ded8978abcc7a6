package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/opname/opname"
)

// LinkSettings returns the caller's organisation's link settings: those
// its administrator chose, or the defaults of its current policy.
func (db *DB) LinkSettings(ctx context.Context) (*opname.LinkSettings, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	return db.linkSettings(ctx, db.read, a.OrgID)
}

// rowQuerier is what linkSettings reads with: the pool or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) linkSettings(ctx context.Context, q rowQuerier, orgID string) (*opname.LinkSettings, error) {
	var s opname.LinkSettings
	var changed int64
	err := q.QueryRowContext(ctx, db.q(`SELECT l.link_days, l.require_pin, l.complaints_nl, l.complaints_en, l.complaints_url, l.version, l.changed_at, l.changed_by, COALESCE(u.name, '')
FROM link_settings l LEFT JOIN users u ON u.org_id = l.org_id AND u.id = l.changed_by WHERE l.org_id = ?`), orgID).Scan(
		&s.LinkDays, &s.RequirePIN, &s.ComplaintsNL, &s.ComplaintsEN, &s.ComplaintsURL, &s.Version, &changed, &s.ChangedBy, &s.ChangedByName)
	if errors.Is(err, sql.ErrNoRows) {
		org, err := db.org(ctx, "o.id = ?", orgID)
		if err != nil {
			return nil, err
		}
		s = opname.DefaultLinkSettings(org.Policy)
		return &s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: link settings: %w", err)
	}
	s.ChangedAt = fromMicro(changed)
	return &s, nil
}

// SetLinkSettings stores the caller's organisation's link settings
// (admin) and records the change, naming what changed, in the access log;
// see opname.LinkSettingsStore.
func (db *DB) SetLinkSettings(ctx context.Context, s *opname.LinkSettings) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	want := *s
	if err := want.Check(); err != nil {
		return err
	}
	conflict := func(now int) error {
		return opname.Coded(opname.Conflict, "link_settings.changed", "version: the settings were changed meanwhile (now version %d); look at them again", now)
	}
	var changed []string
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := db.linkSettings(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		switch {
		case cur.SameChoices(want):
			want = *cur
			return nil
		case want.Version != cur.Version:
			return conflict(cur.Version)
		}
		changed = changedSettings(*cur, want)
		want.Version, want.ChangedBy, want.ChangedByName = cur.Version+1, a.UserID, a.Name
		want.ChangedAt = db.Now().UTC().Truncate(1000)
		return db.saveVersion(ctx, tx, versionedRow{
			table: "link_settings", orgID: a.OrgID, version: cur.Version, at: want.ChangedAt, by: a.UserID, conflict: conflict,
			columns: []string{"link_days", "require_pin", "complaints_nl", "complaints_en", "complaints_url"},
			values:  []any{want.LinkDays, want.RequirePIN, want.ComplaintsNL, want.ComplaintsEN, want.ComplaintsURL},
		})
	})
	if opname.KindOf(err) == opname.Conflict {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqldb: set link settings: %w", err)
	}
	if changed != nil {
		// The texts can be long: the log names what changed, the
		// settings keep the values.
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "link_settings", ObjectID: a.OrgID, Purpose: "changed: " + strings.Join(changed, ", ")}); err != nil {
			return err
		}
	}
	*s = want
	return nil
}

// changedSettings names the settings that differ between from and to, as
// the API names them, with the old and new value of the short ones.
func changedSettings(from, to opname.LinkSettings) []string {
	var out []string
	if from.LinkDays != to.LinkDays {
		out = append(out, fmt.Sprintf("link_days %d -> %d", from.LinkDays, to.LinkDays))
	}
	if from.RequirePIN != to.RequirePIN {
		out = append(out, fmt.Sprintf("require_pin %t -> %t", from.RequirePIN, to.RequirePIN))
	}
	for _, f := range []struct {
		name     string
		old, new string
	}{{"complaints_nl", from.ComplaintsNL, to.ComplaintsNL}, {"complaints_en", from.ComplaintsEN, to.ComplaintsEN}, {"complaints_url", from.ComplaintsURL, to.ComplaintsURL}} {
		if f.old != f.new {
			out = append(out, f.name)
		}
	}
	return out
}
