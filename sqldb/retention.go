package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// Retention rules, legal holds, the end of care, and destruction of what
// is due (see opname.RetentionStore and the package opname doc of
// retention for what destruction does to each kind).

// policyRetention is the retention rules of the organisation's current
// policy.
func (db *DB) policyRetention(ctx context.Context, orgID string) ([]opname.RetentionRule, error) {
	o, err := db.org(ctx, "o.id = ?", orgID)
	if err != nil {
		return nil, err
	}
	lib, err := db.shipped()
	if err != nil {
		return nil, err
	}
	var p *policy.Policy
	if o.Policy.Shipped != "" {
		p, err = lib.Policy(o.Policy.Shipped)
	} else {
		p, err = lib.Parse(o.Policy.Name+".yaml", []byte(o.Policy.Text))
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: the organisation's policy: %w", err)
	}
	return opname.PolicyRetention(p), nil
}

// rules is the organisation's rule for every kind: the administrator's
// where one was set, else the policy's.
func (db *DB) rules(ctx context.Context, orgID string) ([]opname.RetentionRule, error) {
	rules, err := db.policyRetention(ctx, orgID)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT kind, years, months, clock, basis_nl, basis_en, changed_at, changed_by FROM retention_rules WHERE org_id = ?`), orgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: retention rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r opname.RetentionRule
		var changed int64
		if err := rows.Scan(&r.Kind, &r.Years, &r.Months, &r.Clock, &r.BasisNL, &r.BasisEN, &changed, &r.ChangedBy); err != nil {
			return nil, fmt.Errorf("sqldb: retention rules: %w", err)
		}
		r.Source, r.ChangedAt = "organisation", fromMicro(changed)
		if at := slices.IndexFunc(rules, func(x opname.RetentionRule) bool { return x.Kind == r.Kind }); at >= 0 {
			rules[at] = r
		}
	}
	return rules, rows.Err()
}

// RetentionRules is the rule of every kind.
func (db *DB) RetentionRules(ctx context.Context) ([]opname.RetentionRule, error) {
	a, err := orgActor(ctx, opname.RoleAdmin, opname.RolePrivacyOfficer, opname.RoleManager)
	if err != nil {
		return nil, err
	}
	return db.rules(ctx, a.OrgID)
}

// SetRetentionRule sets a kind's rule (administrator) and logs the change
// with the rule before and after.
func (db *DB) SetRetentionRule(ctx context.Context, r opname.RetentionRule, reason string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	r.BasisNL, r.BasisEN = strings.TrimSpace(r.BasisNL), strings.TrimSpace(r.BasisEN)
	if err := r.Check(); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	rules, err := db.rules(ctx, a.OrgID)
	if err != nil {
		return err
	}
	old := rules[slices.IndexFunc(rules, func(x opname.RetentionRule) bool { return x.Kind == r.Kind })]
	now := db.Now().UTC().Truncate(time.Microsecond)
	r.Source, r.ChangedAt, r.ChangedBy = "organisation", now, a.UserID
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM retention_rules WHERE org_id = ? AND kind = ?`), a.OrgID, r.Kind); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO retention_rules (org_id, kind, years, months, clock, basis_nl, basis_en, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			a.OrgID, r.Kind, r.Years, r.Months, r.Clock, r.BasisNL, r.BasisEN, micro(now), a.UserID); err != nil {
			return err
		}
		return db.retentionChangeTx(ctx, tx, a, r.Kind, reason, now, old, r)
	})
	if err != nil {
		return fmt.Errorf("sqldb: set retention rule: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "retention_rule", ObjectID: r.Kind, Purpose: reason})
}

func checkReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return opname.Invalidf("reason", "retention.reason", "say why; the reason is kept with the change")
	}
	return opname.Paragraphs.Check("reason", reason)
}

func (db *DB) retentionChangeTx(ctx context.Context, tx *sql.Tx, a opname.Actor, kind, reason string, now time.Time, old, new any) error {
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO retention_changes (id, org_id, kind, at, changed_by, changed_by_name, reason, old_rule, new_rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		db.newID(), a.OrgID, kind, micro(now), a.UserID, a.Name, strings.TrimSpace(reason), jsonText(old), jsonText(new))
	return err
}

// RetentionChanges lists every change of a rule or of automatic
// destruction, newest first.
func (db *DB) RetentionChanges(ctx context.Context) ([]opname.RetentionChange, error) {
	a, err := orgActor(ctx, opname.RoleAdmin, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, kind, at, changed_by, changed_by_name, reason, old_rule, new_rule FROM retention_changes WHERE org_id = ? ORDER BY at DESC, id`), a.OrgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: retention changes: %w", err)
	}
	defer rows.Close()
	cs := []opname.RetentionChange{}
	for rows.Next() {
		var c opname.RetentionChange
		var at int64
		var old, new string
		if err := rows.Scan(&c.ID, &c.Kind, &at, &c.ChangedBy, &c.ChangedByName, &c.Reason, &old, &new); err != nil {
			return nil, fmt.Errorf("sqldb: retention changes: %w", err)
		}
		c.At, c.Old, c.New = fromMicro(at), json.RawMessage(cmp.Or(old, "null")), json.RawMessage(cmp.Or(new, "null"))
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// AutoDestroy says whether the organisation destroys what is due without
// confirmation.
func (db *DB) AutoDestroy(ctx context.Context) (bool, error) {
	a, err := orgActor(ctx, opname.RoleAdmin, opname.RolePrivacyOfficer, opname.RoleManager)
	if err != nil {
		return false, err
	}
	return db.autoDestroy(ctx, a.OrgID)
}

func (db *DB) autoDestroy(ctx context.Context, orgID string) (bool, error) {
	var on int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT auto_destroy FROM organisations WHERE id = ?`), orgID).Scan(&on); err != nil {
		return false, fmt.Errorf("sqldb: automatic destruction: %w", err)
	}
	return on != 0, nil
}

// SetAutoDestroy turns automatic destruction on or off (administrator),
// logged with the reason.
func (db *DB) SetAutoDestroy(ctx context.Context, on bool, reason string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	was, err := db.autoDestroy(ctx, a.OrgID)
	if err != nil || was == on {
		return err
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	v := int64(0)
	if on {
		v = 1
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE organisations SET auto_destroy = ? WHERE id = ?`), v, a.OrgID); err != nil {
			return err
		}
		return db.retentionChangeTx(ctx, tx, a, opname.AutomaticDestruction, reason, now, was, on)
	})
	if err != nil {
		return fmt.Errorf("sqldb: set automatic destruction: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ObjectType: "retention_rule", ObjectID: opname.AutomaticDestruction, Purpose: reason})
}

// SetCareEnded sets or clears the end of care for a client (manager,
// administrator), logged as an update of "care_end".
func (db *DB) SetCareEnded(ctx context.Context, clientID string, at time.Time, reason string) error {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	if !at.IsZero() && at.After(db.Now().AddDate(0, 0, 1)) {
		return opname.Invalidf("care_ended", "retention.care_future", "the end of care cannot be in the future")
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE clients SET care_ended_at = ? WHERE org_id = ? AND id = ?`), micro(at.UTC()), a.OrgID, clientID); err != nil {
		return fmt.Errorf("sqldb: set end of care: %w", err)
	}
	// The reason is the purpose; the day is on the client's page.
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: clientID, ObjectType: "care_end", ObjectID: clientID, Purpose: strings.TrimSpace(reason)})
}

// CareEnded is the end of care for a client the caller may see (zero:
// care has not ended).
func (db *DB) CareEnded(ctx context.Context, clientID string) (time.Time, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return time.Time{}, err
	}
	var at int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT care_ended_at FROM clients WHERE org_id = ? AND id = ?`), a.OrgID, clientID).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("sqldb: end of care: %w", err)
	}
	return fromMicro(at), nil
}

// orgClient reads a client of the organisation whoever the caller is in
// it (a privacy officer too), without logging: for holds, which name the
// client and no more.
func (db *DB) orgClient(ctx context.Context, orgID, id string) error {
	var n int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM clients WHERE org_id = ? AND id = ?`), orgID, id).Scan(&n); err != nil {
		return fmt.Errorf("sqldb: client: %w", err)
	}
	if n == 0 {
		return notFound("client")
	}
	return nil
}

// PlaceHold places a legal hold on a client's records or on one recording
// of theirs (manager, privacy officer).
func (db *DB) PlaceHold(ctx context.Context, h *opname.LegalHold) error {
	a, err := orgActor(ctx, opname.RoleManager, opname.RolePrivacyOfficer)
	if err != nil {
		return err
	}
	h.Reason = strings.TrimSpace(h.Reason)
	if h.RecordingID != "" {
		var client string
		err := db.read.QueryRowContext(ctx, db.q(`SELECT client_id FROM recordings WHERE org_id = ? AND id = ? AND kind = ?`), a.OrgID, h.RecordingID, opname.KindMedia).Scan(&client)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("recording")
		}
		if err != nil {
			return fmt.Errorf("sqldb: place hold: %w", err)
		}
		if h.ClientID == "" {
			h.ClientID = client
		}
		if client != h.ClientID {
			return notFound("recording")
		}
	}
	if h.ClientID == "" {
		return invalid("client_id", "", "hold.client", "name the client whose records are held")
	}
	if err := db.orgClient(ctx, a.OrgID, h.ClientID); err != nil {
		return err
	}
	if h.Reason == "" {
		return opname.Invalidf("reason", "hold.reason", "say why the records are held (a complaint, a court case)")
	}
	if err := opname.Paragraphs.Check("reason", h.Reason); err != nil {
		return err
	}
	h.ID, h.PlacedAt, h.PlacedBy, h.PlacedByName = db.newID(), db.Now().UTC().Truncate(time.Microsecond), a.UserID, a.Name
	h.ReleasedAt, h.ReleasedBy, h.ReleaseReason = nil, "", ""
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO legal_holds (id, org_id, client_id, recording_id, reason, placed_at, placed_by, placed_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		h.ID, a.OrgID, h.ClientID, h.RecordingID, h.Reason, micro(h.PlacedAt), a.UserID, a.Name); err != nil {
		return fmt.Errorf("sqldb: place hold: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: h.ClientID, ObjectType: "legal_hold", ObjectID: h.ID, Purpose: h.Reason})
}

// ReleaseHold releases a hold (manager, privacy officer), logged with the
// reason.
func (db *DB) ReleaseHold(ctx context.Context, id, reason string) error {
	a, err := orgActor(ctx, opname.RoleManager, opname.RolePrivacyOfficer)
	if err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	var client string
	var released int64
	err = db.read.QueryRowContext(ctx, db.q(`SELECT client_id, released_at FROM legal_holds WHERE org_id = ? AND id = ?`), a.OrgID, id).Scan(&client, &released)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("legal hold")
	}
	if err != nil {
		return fmt.Errorf("sqldb: release hold: %w", err)
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE legal_holds SET released_at = ?, released_by = ?, release_reason = ? WHERE org_id = ? AND id = ? AND released_at = 0`), micro(now), a.UserID, strings.TrimSpace(reason), a.OrgID, id)
	if err != nil {
		return fmt.Errorf("sqldb: release hold: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return opname.Coded(opname.Conflict, "hold.released", "the hold %s was released already", id)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessDelete, ClientID: client, ObjectType: "legal_hold", ObjectID: id, Purpose: strings.TrimSpace(reason)})
}

const holdColumns = `id, client_id, recording_id, reason, placed_at, placed_by, placed_by_name, released_at, released_by, release_reason`

func scanHold(rows *sql.Rows) (opname.LegalHold, error) {
	var h opname.LegalHold
	var placed, released int64
	err := rows.Scan(&h.ID, &h.ClientID, &h.RecordingID, &h.Reason, &placed, &h.PlacedBy, &h.PlacedByName, &released, &h.ReleasedBy, &h.ReleaseReason)
	h.PlacedAt = fromMicro(placed)
	if released != 0 {
		t := fromMicro(released)
		h.ReleasedAt = &t
	}
	return h, err
}

// Holds lists a client's holds, released ones too, newest first; or
// (clientID "") every hold that holds now.
func (db *DB) Holds(ctx context.Context, clientID string) ([]opname.LegalHold, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	if clientID == "" {
		if a.Role != opname.RoleManager && a.Role != opname.RolePrivacyOfficer && a.Role != opname.RoleAdmin && a.Role != opname.RoleSystem {
			return nil, opname.Coded(opname.Forbidden, "auth.role", "your role may not do this")
		}
		return db.holds(ctx, `WHERE org_id = ? AND released_at = 0`, a.OrgID)
	}
	if a.Role == opname.RolePrivacyOfficer {
		err = db.orgClient(ctx, a.OrgID, clientID)
	} else {
		_, err = db.client(ctx, a, clientID)
	}
	if err != nil {
		return nil, err
	}
	return db.holds(ctx, `WHERE org_id = ? AND client_id = ?`, a.OrgID, clientID)
}

func (db *DB) holds(ctx context.Context, where string, args ...any) ([]opname.LegalHold, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+holdColumns+` FROM legal_holds `+where+` ORDER BY placed_at DESC, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: holds: %w", err)
	}
	defer rows.Close()
	hs := []opname.LegalHold{}
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: holds: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// candidates is every record of the organisation retention may send away,
// with the client's name (for the list the privacy officer confirms).
func (db *DB) candidates(ctx context.Context, q queryer, orgID string) ([]opname.DueItem, error) {
	var out []opname.DueItem
	rows, err := q.QueryContext(ctx, db.q(`SELECT r.id, r.client_id, r.source, r.derived_from, r.created_at, c.care_ended_at, c.name, c.dossier_ref
		FROM recordings r JOIN clients c ON c.id = r.client_id
		WHERE r.org_id = ? AND r.kind = ? AND r.erased_at IS NULL`), orgID, opname.KindMedia)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d opname.DueItem
		var source string
		var created, ended int64
		if err := rows.Scan(&d.ObjectID, &d.ClientID, &source, &d.Original, &created, &ended, &d.ClientName, &d.DossierRef); err != nil {
			rows.Close()
			return nil, err
		}
		d.ObjectType, d.RecordingID, d.Recorded, d.CareEnded = "recording", d.ObjectID, fromMicro(created), fromMicro(ended)
		switch {
		case d.Original != "":
			d.Kind = opname.RetainEdit
		case source == "client_copy":
			d.Kind = opname.RetainClientCopy
		default:
			d.Kind = opname.RetainRecording
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, db.q(`SELECT r.id, r.client_id, r.agreement, r.agreement_destroyed_at, r.decisions_destroyed_at, r.created_at,
		COALESCE((SELECT MAX(d.at) FROM request_decisions d WHERE d.org_id = r.org_id AND d.request_id = r.id), r.created_at), c.care_ended_at, c.name, c.dossier_ref
		FROM requests r JOIN clients c ON c.id = r.client_id WHERE r.org_id = ? AND (r.agreement_destroyed_at = 0 OR r.decisions_destroyed_at = 0)`), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d opname.DueItem
		var agreement string
		var agreementGone, decisionsGone, created, decided, ended int64
		if err := rows.Scan(&d.ObjectID, &d.ClientID, &agreement, &agreementGone, &decisionsGone, &created, &decided, &ended, &d.ClientName, &d.DossierRef); err != nil {
			return nil, err
		}
		d.ObjectType, d.CareEnded = "request", fromMicro(ended)
		if agreementGone == 0 && agreement != "" {
			var ag opname.Agreement
			_ = fromJSON(agreement, &ag)
			a := d
			a.Kind, a.Recorded = opname.RetainAgreements, cmpTime(ag.At, fromMicro(created))
			out = append(out, a)
		}
		if decisionsGone == 0 {
			dd := d
			dd.Kind, dd.Recorded = opname.RetainDecisions, fromMicro(decided)
			out = append(out, dd)
		}
	}
	return out, rows.Err()
}

func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// queryer is a pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// due is what is due now in the organisation: opname.Due over its
// candidates, with the client's name kept.
func (db *DB) due(ctx context.Context, q queryer, orgID string) ([]opname.DueItem, error) {
	rules, err := db.rules(ctx, orgID)
	if err != nil {
		return nil, err
	}
	items, err := db.candidates(ctx, q, orgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: due for destruction: %w", err)
	}
	hrows, err := q.QueryContext(ctx, db.q(`SELECT `+holdColumns+` FROM legal_holds WHERE org_id = ? AND released_at = 0`), orgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: due for destruction: %w", err)
	}
	var holds []opname.LegalHold
	for hrows.Next() {
		h, err := scanHold(hrows)
		if err != nil {
			hrows.Close()
			return nil, err
		}
		holds = append(holds, h)
	}
	hrows.Close()
	cs := make([]opname.RetentionCandidate, len(items))
	names := map[string][2]string{}
	for i, it := range items {
		cs[i] = it.RetentionCandidate
		names[it.ClientID] = [2]string{it.ClientName, it.DossierRef}
	}
	due := opname.Due(rules, cs, holds, db.Now())
	for i := range due {
		due[i].ClientName, due[i].DossierRef = names[due[i].ClientID][0], names[due[i].ClientID][1]
	}
	return due, hrows.Err()
}

// DueForDestruction lists what is due now (privacy officer, system); the
// list names clients and is logged as one read.
func (db *DB) DueForDestruction(ctx context.Context) ([]opname.DueItem, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	due, err := db.due(ctx, db.read, a.OrgID)
	if err != nil {
		return nil, err
	}
	if due == nil {
		due = []opname.DueItem{}
	}
	return due, db.logList(ctx, "", "retention_due", "", len(due))
}

// Destroy destroys each named item that is due now, in its own
// transaction that checks again that it is due and held by nothing, and
// reports it. Items not due (held meanwhile, destroyed already, unknown)
// are left alone and not returned.
func (db *DB) Destroy(ctx context.Context, refs []opname.DueRef) ([]opname.Destruction, []opname.Sealed, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range refs {
		if !slices.Contains(policy.RetentionKinds, r.Kind) {
			return nil, nil, invalid("kind", r.Kind, "retention.kind", "use one of "+strings.Join(policy.RetentionKinds, ", "))
		}
	}
	due, err := db.due(ctx, db.read, a.OrgID)
	if err != nil {
		return nil, nil, err
	}
	var done []opname.Destruction
	var sealed []opname.Sealed
	for _, it := range due {
		if !slices.Contains(refs, it.Ref()) {
			continue
		}
		d, s, err := db.destroy(ctx, a, it)
		if opname.KindOf(err) == opname.Conflict {
			continue // held or destroyed meanwhile
		}
		if err != nil {
			return done, sealed, err
		}
		done = append(done, *d)
		if s != nil {
			sealed = append(sealed, *s)
		}
	}
	return done, sealed, nil
}

// destroy destroys one due item and adds it to the report.
func (db *DB) destroy(ctx context.Context, a opname.Actor, it opname.DueItem) (*opname.Destruction, *opname.Sealed, error) {
	now := db.Now().UTC().Truncate(time.Microsecond)
	d := &opname.Destruction{ID: db.newID(), Kind: it.Kind, ObjectType: it.ObjectType, ObjectID: it.ObjectID, ClientID: it.ClientID,
		Started: it.Started, DueAt: it.DueAt, Rule: it.Rule, DestroyedAt: now, DestroyedBy: a.UserID, ByName: a.Name}
	if a.Role == opname.RoleSystem {
		d.DestroyedBy = "system"
	}
	report := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO destructions (id, org_id, kind, object_type, object_id, client_id, started_at, due_at, rule, destroyed_at, destroyed_by, by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			d.ID, a.OrgID, d.Kind, d.ObjectType, d.ObjectID, d.ClientID, micro(d.Started), micro(d.DueAt), jsonText(d.Rule), micro(now), d.DestroyedBy, d.ByName)
		return err
	}
	purpose := "retention: " + it.Kind
	if it.ObjectType == "recording" {
		_, s, err := db.eraseRecording(ctx, a, it.ObjectID, purpose, report)
		return d, s, err
	}
	var event opname.AccessEvent
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.heldTx(ctx, tx, a.OrgID, it.ClientID, "", ""); err != nil {
			return err
		}
		var res sql.Result
		var err error
		switch it.Kind {
		case opname.RetainAgreements:
			var agreement string
			if err := tx.QueryRowContext(ctx, db.q(`SELECT agreement FROM requests WHERE org_id = ? AND id = ?`), a.OrgID, it.ObjectID).Scan(&agreement); err != nil {
				return err
			}
			var ag opname.Agreement
			if err := fromJSON(agreement, &ag); err != nil {
				return err
			}
			// What names people goes; the terms, form, time and the
			// digest with its place in the log stay.
			ag.SignedBy, ag.By = nil, ""
			res, err = tx.ExecContext(ctx, db.q(`UPDATE requests SET agreement = ?, agreement_destroyed_at = ? WHERE org_id = ? AND id = ? AND agreement_destroyed_at = 0`), jsonText(ag), micro(now), a.OrgID, it.ObjectID)
			event = opname.AccessEvent{Action: opname.AccessDelete, ClientID: it.ClientID, ObjectType: "agreement", ObjectID: it.ObjectID, Purpose: purpose}
		case opname.RetainDecisions:
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE request_decisions SET situation = '{}', decision = '{}', made_by = '' WHERE org_id = ? AND request_id = ?`), a.OrgID, it.ObjectID); err != nil {
				return err
			}
			res, err = tx.ExecContext(ctx, db.q(`UPDATE requests SET decision = '{}', answers = '', weighty = '', manager = '', decisions_destroyed_at = ? WHERE org_id = ? AND id = ? AND decisions_destroyed_at = 0`), micro(now), a.OrgID, it.ObjectID)
			event = opname.AccessEvent{Action: opname.AccessDelete, ClientID: it.ClientID, ObjectType: "request_decisions", ObjectID: it.ObjectID, Purpose: purpose}
		default:
			return fmt.Errorf("no destruction for kind %s", it.Kind)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opname.Coded(opname.Conflict, "retention.destroyed", "%s of %s was destroyed already", it.Kind, it.ObjectID)
		}
		return report(tx)
	})
	if err != nil {
		if opname.KindOf(err) == opname.Conflict {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("sqldb: destroy %s %s: %w", it.Kind, it.ObjectID, err)
	}
	return d, nil, db.Record(ctx, event)
}

// heldTx is a Conflict when a hold that holds keeps the client's records,
// or recording id (or original, the one it was edited from).
func (db *DB) heldTx(ctx context.Context, tx *sql.Tx, orgID, clientID, id, original string) error {
	var n int
	err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM legal_holds WHERE org_id = ? AND client_id = ? AND released_at = 0
		AND (recording_id = '' OR recording_id = ? OR recording_id = ?)`), orgID, clientID, cmp.Or(id, "-"), cmp.Or(original, "-")).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return opname.Coded(opname.Conflict, "recording.held", "the client's records are on legal hold; release the hold first")
	}
	return nil
}

const destructionColumns = `id, kind, object_type, object_id, client_id, started_at, due_at, rule, destroyed_at, destroyed_by, by_name`

// Destructions is the destruction report, newest first (privacy officer).
// It names records by id, not their content, and is not logged as a read;
// ExportDestructions is, as an export.
func (db *DB) Destructions(ctx context.Context) ([]opname.Destruction, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+destructionColumns+` FROM destructions WHERE org_id = ? ORDER BY destroyed_at DESC, id`), a.OrgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: destructions: %w", err)
	}
	defer rows.Close()
	ds := []opname.Destruction{}
	for rows.Next() {
		var d opname.Destruction
		var started, due, at int64
		var rule string
		if err := rows.Scan(&d.ID, &d.Kind, &d.ObjectType, &d.ObjectID, &d.ClientID, &started, &due, &rule, &at, &d.DestroyedBy, &d.ByName); err != nil {
			return nil, fmt.Errorf("sqldb: destructions: %w", err)
		}
		d.Started, d.DueAt, d.DestroyedAt = fromMicro(started), fromMicro(due), fromMicro(at)
		if err := fromJSON(rule, &d.Rule); err != nil {
			return nil, fmt.Errorf("sqldb: destructions: %w", err)
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

// ExportDestructions is the destruction report for an export in format
// (csv or json), logged as export "destruction_report".
func (db *DB) ExportDestructions(ctx context.Context, format string) ([]opname.Destruction, error) {
	ds, err := db.Destructions(ctx)
	if err != nil {
		return nil, err
	}
	return ds, db.Record(ctx, opname.AccessEvent{Action: opname.AccessExport, ObjectType: "destruction_report", Purpose: format})
}

// OrganisationIDs lists every organisation's id, for the system's
// periodic work (system only).
func (db *DB) OrganisationIDs(ctx context.Context) ([]string, error) {
	if _, err := system(ctx); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM organisations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: organisations: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
