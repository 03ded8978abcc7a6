package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/opname/opname"
)

var errNoActor = opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")

// actor returns the caller, who must have one of roles (any role when none
// are given). The system actor may do everything.
func actor(ctx context.Context, roles ...opname.Role) (opname.Actor, error) {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return a, errNoActor
	}
	// A recipient reaches only the calls that name their role: what
	// was shared with them, and nothing a call open to every role shows.
	if a.Role == opname.RoleSystem || len(roles) == 0 && a.Role != opname.RoleRecipient || slices.Contains(roles, a.Role) {
		return a, nil
	}
	return a, opname.Coded(opname.Forbidden, "auth.role", "your role may not do this")
}

// anyRole is every role, a recipient's too: for the calls that serve
// what was shared with a recipient (the recording, its organisation).
var anyRole = []opname.Role{opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RolePrivacyOfficer, opname.RoleLinkHolder, opname.RoleRecipient}

// orgActor is actor for calls that work in the caller's organisation: the
// system actor must name one in the context.
func orgActor(ctx context.Context, roles ...opname.Role) (opname.Actor, error) {
	a, err := actor(ctx, roles...)
	if err == nil && a.OrgID == "" {
		err = &opname.Error{Kind: opname.Invalid, Msg: "no organisation given"}
	}
	return a, err
}

// notFound is the error for a thing the caller cannot see; its code is
// "not_found." and what, with spaces as underscores.
func notFound(what string) error {
	return opname.Coded(opname.NotFound, "not_found."+strings.ReplaceAll(what, " ", "_"), "%s not found", what)
}

// invalid is an Invalid error about field, whose value (if any) the
// message quotes; code and the value say it in another language.
func invalid(field, value, code, msg string) error {
	if value != "" {
		msg += fmt.Sprintf(" (got %q)", value)
	}
	return &opname.Error{Kind: opname.Invalid, Field: field, Code: code, Args: []any{value}, Msg: field + ": " + msg}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CreateOrganisation stores a new organisation with its first policy
// version (system only).
func (db *DB) CreateOrganisation(ctx context.Context, org *opname.Organisation) error {
	a, err := actor(ctx, opname.RoleSystem)
	if err != nil {
		return err
	}
	if a.Role != opname.RoleSystem {
		return opname.Coded(opname.Forbidden, "auth.operator", "only an operator can create organisations")
	}
	org.Name = strings.TrimSpace(org.Name)
	switch {
	case !slugPattern.MatchString(org.Slug):
		return invalid("slug", org.Slug, "org.slug", "use 2 to 63 lower-case letters, digits and dashes")
	case org.Name == "":
		return invalid("name", "", "org.name", "give the organisation's name")
	case org.Policy.Text == "" || org.Policy.Digest == "":
		return invalid("policy", "", "org.policy", "a policy is required")
	}
	if err := opname.Line.Check("name", org.Name); err != nil {
		return err
	}
	if org.TimeZone == "" {
		org.TimeZone = opname.DefaultTimeZone
	}
	if _, err := opname.LoadTimeZone("time_zone", org.TimeZone); err != nil {
		return err
	}
	org.ID = db.newID()
	org.CreatedAt = db.Now().UTC().Truncate(1000)
	org.Policy.Version, org.Policy.CreatedAt = 1, org.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO organisations (id, slug, name, require_totp, time_zone, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			org.ID, org.Slug, org.Name, org.RequireTOTP, org.TimeZone, micro(org.CreatedAt)); err != nil {
			return err
		}
		if err := db.insertPolicy(ctx, tx, org.ID, &org.Policy); err != nil {
			return err
		}
		return db.openLog(ctx, tx, org.ID)
	})
	if isUnique(err) {
		return opname.Coded(opname.Conflict, "org.exists", "slug: an organisation %q exists already", org.Slug)
	}
	if err != nil {
		return fmt.Errorf("sqldb: create organisation: %w", err)
	}
	return nil
}

func (db *DB) insertPolicy(ctx context.Context, tx *sql.Tx, orgID string, pv *opname.PolicyVersion) error {
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO policy_versions (org_id, version, name, digest, shipped, body, created_at, previous_digest, reason, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		orgID, pv.Version, pv.Name, pv.Digest, pv.Shipped, pv.Text, micro(pv.CreatedAt), pv.Previous, pv.Reason, pv.ChangedBy)
	return err
}

// policyColumns are a policy version's columns, with the name of who
// changed it; scanPolicy reads them.
const policyColumns = `p.version, p.name, p.digest, p.shipped, p.body, p.created_at, p.previous_digest, p.reason, p.changed_by, COALESCE(u.name, '')
FROM policy_versions p LEFT JOIN users u ON u.org_id = p.org_id AND u.id = p.changed_by`

func scanPolicy(row interface{ Scan(...any) error }, pv *opname.PolicyVersion) error {
	var created int64
	if err := row.Scan(&pv.Version, &pv.Name, &pv.Digest, &pv.Shipped, &pv.Text, &created, &pv.Previous, &pv.Reason, &pv.ChangedBy, &pv.ChangedByName); err != nil {
		return err
	}
	pv.CreatedAt = fromMicro(created)
	return nil
}

const orgQuery = `SELECT o.id, o.slug, o.name, o.require_totp, o.time_zone, o.created_at, p.version, p.name, p.digest, p.shipped, p.body, p.created_at
FROM organisations o JOIN policy_versions p ON p.org_id = o.id
WHERE %s AND p.version = (SELECT MAX(version) FROM policy_versions WHERE org_id = o.id)`

func (db *DB) org(ctx context.Context, where string, arg any) (*opname.Organisation, error) {
	var o opname.Organisation
	var created, pcreated int64
	err := db.read.QueryRowContext(ctx, db.q(fmt.Sprintf(orgQuery, where)), arg).Scan(
		&o.ID, &o.Slug, &o.Name, &o.RequireTOTP, &o.TimeZone, &created,
		&o.Policy.Version, &o.Policy.Name, &o.Policy.Digest, &o.Policy.Shipped, &o.Policy.Text, &pcreated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organisation")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: organisation: %w", err)
	}
	o.CreatedAt, o.Policy.CreatedAt = fromMicro(created), fromMicro(pcreated)
	return &o, nil
}

// Organisation returns the caller's organisation.
func (db *DB) Organisation(ctx context.Context) (*opname.Organisation, error) {
	a, err := orgActor(ctx, anyRole...)
	if err != nil {
		return nil, err
	}
	return db.org(ctx, "o.id = ?", a.OrgID)
}

// OrganisationBySlug finds an organisation by its slug, for sign-in.
func (db *DB) OrganisationBySlug(ctx context.Context, slug string) (*opname.Organisation, error) {
	return db.org(ctx, "o.slug = ?", slug)
}

// SetPolicy adds a policy version to the caller's organisation (admin),
// unless it is the current one already; see opname.Organisations.
func (db *DB) SetPolicy(ctx context.Context, pv *opname.PolicyVersion) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(pv.Reason)
	if reason == "" {
		return invalid("reason", "", "", "say why the policy changes; the reason is kept with the change")
	}
	if err := opname.Paragraphs.Check("reason", reason); err != nil {
		return err
	}
	change := *pv
	change.Reason, change.ChangedBy, change.ChangedByName = reason, a.UserID, a.Name
	change.CreatedAt = db.Now().UTC().Truncate(1000)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var cur opname.PolicyVersion
		row := tx.QueryRowContext(ctx, db.q(`SELECT `+policyColumns+` WHERE p.org_id = ? ORDER BY p.version DESC LIMIT 1`), a.OrgID)
		if err := scanPolicy(row, &cur); err != nil {
			return err
		}
		switch {
		case cur.Digest == change.Digest:
			change = cur
			return nil
		case change.Previous != "" && change.Previous != cur.Digest:
			return &opname.Error{Kind: opname.Conflict, Msg: "previous_digest: the policy was changed meanwhile; look at what the change does again"}
		}
		change.Previous, change.Version = cur.Digest, cur.Version+1
		return db.insertPolicy(ctx, tx, a.OrgID, &change)
	})
	if isUnique(err) {
		return opname.Coded(opname.Conflict, "policy.changed", "previous_digest: the policy was changed meanwhile; look at what the change does again")
	}
	if opname.KindOf(err) == opname.Conflict {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqldb: set policy: %w", err)
	}
	*pv = change
	return nil
}

// SetTimeZone sets the time zone the caller's organisation's times are
// shown in (admin).
func (db *DB) SetTimeZone(ctx context.Context, name string) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := opname.LoadTimeZone("time_zone", name); err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE organisations SET time_zone = ? WHERE id = ?`), name, a.OrgID); err != nil {
		return fmt.Errorf("sqldb: set time zone: %w", err)
	}
	return nil
}

// PolicyVersions lists the caller's organisation's policy versions, newest
// first. Staff, who may not look up colleagues, see no one's name.
func (db *DB) PolicyVersions(ctx context.Context) ([]opname.PolicyVersion, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+policyColumns+` WHERE p.org_id = ? ORDER BY p.version DESC`), a.OrgID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: policy versions: %w", err)
	}
	defer rows.Close()
	var out []opname.PolicyVersion
	for rows.Next() {
		var pv opname.PolicyVersion
		if err := scanPolicy(rows, &pv); err != nil {
			return nil, fmt.Errorf("sqldb: policy versions: %w", err)
		}
		if a.Role == opname.RoleStaff {
			pv.ChangedBy, pv.ChangedByName = "", ""
		}
		out = append(out, pv)
	}
	return out, rows.Err()
}

// validEmail normalises an e-mail address or says why it is not one.
func validEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if err := opname.Line.Chars(254).Check("email", email); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return "", invalid("email", email, "email.invalid", "not an e-mail address")
	}
	return email, nil
}
