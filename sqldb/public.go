package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opname/opname"
)

// PublicProfile returns what anyone may read of the organisation with
// slug: its policy now and before, its own texts and its complaints
// procedure. It needs no actor and reads no client data, so it records
// nothing; it names no one who changed anything.
func (db *DB) PublicProfile(ctx context.Context, slug string) (*opname.PublicProfile, error) {
	org, err := db.org(ctx, "o.slug = ?", slug)
	if err != nil {
		return nil, err
	}
	p := &opname.PublicProfile{Slug: org.Slug, Name: org.Name, TimeZone: org.TimeZone}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+policyColumns+` WHERE p.org_id = ? ORDER BY p.version DESC`), org.ID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: public profile: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pv opname.PolicyVersion
		if err := scanPolicy(rows, &pv); err != nil {
			return nil, fmt.Errorf("sqldb: public profile: %w", err)
		}
		pv.ChangedBy, pv.ChangedByName = "", ""
		p.History = append(p.History, pv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: public profile: %w", err)
	}
	if len(p.History) == 0 {
		return nil, notFound("organisation")
	}
	p.Policy = p.History[0]
	texts, err := db.publicTexts(ctx, db.read, org.ID)
	if err != nil {
		return nil, err
	}
	p.Texts = *texts
	p.Texts.ChangedBy, p.Texts.ChangedByName = "", ""
	complaints, err := db.linkSettings(ctx, db.read, org.ID)
	if err != nil {
		return nil, err
	}
	p.Complaints = opname.LinkSettings{ComplaintsNL: complaints.ComplaintsNL, ComplaintsEN: complaints.ComplaintsEN, ComplaintsURL: complaints.ComplaintsURL}
	return p, nil
}

// publicTexts returns an organisation's public texts; none written yet is
// version 0 with every text empty.
func (db *DB) publicTexts(ctx context.Context, q rowQuerier, orgID string) (*opname.PublicTexts, error) {
	var t opname.PublicTexts
	var changed int64
	err := q.QueryRowContext(ctx, db.q(`SELECT t.intro_nl, t.intro_en, t.contact_nl, t.contact_en, t.version, t.changed_at, t.changed_by, COALESCE(u.name, '')
FROM public_texts t LEFT JOIN users u ON u.org_id = t.org_id AND u.id = t.changed_by WHERE t.org_id = ?`), orgID).Scan(
		&t.IntroNL, &t.IntroEN, &t.ContactNL, &t.ContactEN, &t.Version, &changed, &t.ChangedBy, &t.ChangedByName)
	if errors.Is(err, sql.ErrNoRows) {
		return &opname.PublicTexts{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: public texts: %w", err)
	}
	t.ChangedAt = fromMicro(changed)
	return &t, nil
}

// SetPublicTexts stores the caller's organisation's public texts (admin)
// and records the change, naming the texts that changed, in the access
// log; see opname.PublicStore.
func (db *DB) SetPublicTexts(ctx context.Context, t *opname.PublicTexts) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	want := *t
	if err := want.Check(); err != nil {
		return err
	}
	conflict := func(now int) error {
		return opname.Coded(opname.Conflict, "public_texts.changed", "version: the texts were changed meanwhile (now version %d); look at them again", now)
	}
	var changed []string
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := db.publicTexts(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		switch {
		case cur.SameTexts(want):
			want = *cur
			return nil
		case want.Version != cur.Version:
			return conflict(cur.Version)
		}
		for _, f := range []struct {
			name     string
			old, new string
		}{{"intro_nl", cur.IntroNL, want.IntroNL}, {"intro_en", cur.IntroEN, want.IntroEN}, {"contact_nl", cur.ContactNL, want.ContactNL}, {"contact_en", cur.ContactEN, want.ContactEN}} {
			if f.old != f.new {
				changed = append(changed, f.name)
			}
		}
		want.Version, want.ChangedBy, want.ChangedByName = cur.Version+1, a.UserID, a.Name
		want.ChangedAt = db.Now().UTC().Truncate(1000)
		return db.saveVersion(ctx, tx, versionedRow{
			table: "public_texts", orgID: a.OrgID, version: cur.Version, at: want.ChangedAt, by: a.UserID, conflict: conflict,
			columns: []string{"intro_nl", "intro_en", "contact_nl", "contact_en"},
			values:  []any{want.IntroNL, want.IntroEN, want.ContactNL, want.ContactEN},
		})
	})
	if opname.KindOf(err) == opname.Conflict {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqldb: set public texts: %w", err)
	}
	if changed != nil {
		// The texts can be long: the log names what changed, the table
		// keeps the texts.
		if err := db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "public_texts", ObjectID: a.OrgID, Purpose: "changed: " + strings.Join(changed, ", ")}); err != nil {
			return err
		}
	}
	*t = want
	return nil
}

// versionedRow is an organisation's row of settings that its administrator
// changes one version at a time (link settings, public texts): the values
// of columns, to be stored as the version after version.
type versionedRow struct {
	table, orgID string
	columns      []string
	values       []any
	version      int
	at           time.Time
	by           string
	// conflict is the error when another change came first, given the
	// version that change made.
	conflict func(now int) error
}

// saveVersion stores row as version row.version+1: the first version is
// an insert, a later one an update of row.version. Of two changes at once,
// one wins; the other finds the row there already or nothing to update,
// and gets row.conflict.
func (db *DB) saveVersion(ctx context.Context, tx *sql.Tx, row versionedRow) error {
	args := append(append([]any{}, row.values...), row.version+1, micro(row.at), row.by, row.orgID)
	var res sql.Result
	var err error
	if row.version == 0 {
		cols := append(append([]string{}, row.columns...), "version", "changed_at", "changed_by", "org_id")
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		res, err = tx.ExecContext(ctx, db.q(`INSERT INTO `+row.table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks+`)`), args...)
		if isUnique(err) {
			return row.conflict(1)
		}
	} else {
		set := strings.Join(append(append([]string{}, row.columns...), "version", "changed_at", "changed_by"), " = ?, ") + " = ?"
		res, err = tx.ExecContext(ctx, db.q(`UPDATE `+row.table+` SET `+set+` WHERE org_id = ? AND version = ?`), append(args, row.version)...)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return row.conflict(row.version + 1)
}
