package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/opname/opname"
)

// CreateUser adds a person to the caller's organisation (admin).
func (db *DB) CreateUser(ctx context.Context, u *opname.User) error {
	a, err := orgActor(ctx, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if u.Email, err = validEmail(u.Email); err != nil {
		return err
	}
	u.Name = strings.TrimSpace(u.Name)
	if !u.Role.Valid() {
		return invalid("role", string(u.Role), "person.role", "use staff, manager, admin or privacy_officer")
	}
	if err := opname.Line.Check("name", u.Name); err != nil {
		return err
	}
	if u.Name == "" {
		u.Name, _, _ = strings.Cut(u.Email, "@")
	}
	u.ID, u.OrgID, u.CreatedAt = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000)
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO users (id, org_id, email, name, role, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
		u.ID, u.OrgID, u.Email, u.Name, string(u.Role), micro(u.CreatedAt))
	if isUnique(err) {
		return opname.Coded(opname.Conflict, "person.exists", "email: %s works here already", u.Email)
	}
	if err != nil {
		return fmt.Errorf("sqldb: create user: %w", err)
	}
	return nil
}

const userColumns = `id, org_id, email, name, role, disabled, totp_secret <> '', password_hash <> '', created_at`

func scanUser(row interface{ Scan(...any) error }) (*opname.User, error) {
	var u opname.User
	var role string
	var created int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &role, &u.Disabled, &u.TOTP, &u.HasPassword, &created); err != nil {
		return nil, err
	}
	u.Role, u.CreatedAt = opname.Role(role), fromMicro(created)
	return &u, nil
}

// User returns a person of the caller's organisation. Anyone may see
// themselves; seeing others takes a role that manages people.
func (db *DB) User(ctx context.Context, id string) (*opname.User, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	if id != a.UserID {
		if _, err := actor(ctx, opname.RoleAdmin, opname.RoleManager, opname.RolePrivacyOfficer); err != nil {
			return nil, notFound("user")
		}
	}
	u, err := scanUser(db.read.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: user: %w", err)
	}
	return u, nil
}

// Users lists the people of the caller's organisation.
func (db *DB) Users(ctx context.Context) ([]opname.User, error) {
	a, err := orgActor(ctx, opname.RoleAdmin, opname.RoleManager, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	return db.users(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = ? ORDER BY name, email`, a.OrgID)
}

// ListUsers lists a page of the people of the caller's organisation, by
// name.
func (db *DB) ListUsers(ctx context.Context, p opname.Page) ([]opname.User, string, error) {
	a, err := orgActor(ctx, opname.RoleAdmin, opname.RoleManager, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "users", "name", "email", false, false)
	if err != nil {
		return nil, "", err
	}
	l.byID(a.OrgID, `SELECT name FROM users WHERE org_id = ? AND id = ?`, `SELECT email FROM users WHERE org_id = ? AND id = ?`)
	query, args := l.query(`SELECT `+userColumns+` FROM users WHERE org_id = ?`, []any{a.OrgID})
	us, err := db.users(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	us, next := cut(l, us, func(u *opname.User) (string, string) { return "", u.ID })
	return us, next, nil
}

func (db *DB) users(ctx context.Context, query string, args ...any) ([]opname.User, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: users: %w", err)
	}
	defer rows.Close()
	out := []opname.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// canSeeAllClients is true for the roles that see every client of their
// organisation; staff see only their own.
func canSeeAllClients(r opname.Role) bool {
	return r == opname.RoleManager || r == opname.RoleAdmin || r == opname.RoleSystem
}

// CreateClient adds a client (manager or admin) and logs it.
func (db *DB) CreateClient(ctx context.Context, c *opname.Client) error {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	c.Name, c.DossierRef, c.Contact = strings.TrimSpace(c.Name), strings.TrimSpace(c.DossierRef), strings.TrimSpace(c.Contact)
	if c.Name == "" {
		return invalid("name", "", "client.name", "give the client's name")
	}
	if err := cmp.Or(opname.Line.Check("name", c.Name), opname.Line.Chars(100).Check("dossier_ref", c.DossierRef), opname.Line.Chars(254).Check("contact", c.Contact)); err != nil {
		return err
	}
	c.ID, c.OrgID, c.CreatedAt, c.Staff = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000), []string{}
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO clients (id, org_id, name, dossier_ref, contact, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
		c.ID, c.OrgID, c.Name, c.DossierRef, c.Contact, micro(c.CreatedAt)); err != nil {
		return fmt.Errorf("sqldb: create client: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: c.ID, ObjectType: "client", ObjectID: c.ID})
}

// client reads one client the actor may see, without logging.
func (db *DB) client(ctx context.Context, a opname.Actor, id string) (*opname.Client, error) {
	switch {
	case a.Role == opname.RolePrivacyOfficer:
		return nil, notFound("client")
	case (a.Role == opname.RoleLinkHolder || a.Role == opname.RoleRecipient) && id != a.ClientID:
		// A link holder sees their own client only; a recipient only
		// the client of what was shared with them.
		return nil, notFound("client")
	}
	// The staff come along in the same query, as one text: a read of a
	// client is one query, not two.
	query := `SELECT id, org_id, name, dossier_ref, contact, created_at,
		COALESCE((SELECT string_agg(s.user_id, ',' ORDER BY s.user_id) FROM assignments s WHERE s.client_id = c.id), '')
		FROM clients c WHERE org_id = ? AND id = ?`
	args := []any{a.OrgID, id}
	if !canSeeAllClients(a.Role) && a.Role != opname.RoleLinkHolder && a.Role != opname.RoleRecipient {
		query += ` AND EXISTS (SELECT 1 FROM assignments s WHERE s.client_id = c.id AND s.user_id = ?)`
		args = append(args, a.UserID)
	}
	var c opname.Client
	var created int64
	var staff string
	err := db.hotRow(ctx, query, args...).Scan(&c.ID, &c.OrgID, &c.Name, &c.DossierRef, &c.Contact, &created, &staff)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("client")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: client: %w", err)
	}
	c.CreatedAt = fromMicro(created)
	c.Staff = []string{}
	if staff != "" {
		c.Staff = strings.Split(staff, ",")
	}
	return &c, nil
}

// Client returns a client the caller may see and logs the read.
func (db *DB) Client(ctx context.Context, id string) (*opname.Client, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := db.client(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return c, db.logRead(ctx, c.ID, "client", c.ID)
}

// Clients lists the first page of the clients the caller may see and logs
// the list as one read.
func (db *DB) Clients(ctx context.Context) ([]opname.Client, error) {
	cs, _, err := db.FindClients(ctx, "", opname.Page{})
	return cs, err
}

// FindClients lists a page of the clients the caller may see whose name or
// dossier reference holds text, in any case, by name, and logs the page as
// one read. A privacy officer gets every client of the organisation with
// its name and dossier reference only.
func (db *DB) FindClients(ctx context.Context, text string, p opname.Page) ([]opname.Client, string, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "clients", "name", "id", false, false)
	if err != nil {
		return nil, "", err
	}
	l.byID(a.OrgID, `SELECT name FROM clients WHERE org_id = ? AND id = ?`, "")
	contact := "contact"
	if a.Role == opname.RolePrivacyOfficer {
		contact = "''"
	}
	query := `SELECT id, org_id, name, dossier_ref, ` + contact + `, created_at FROM clients c WHERE org_id = ?`
	args := []any{a.OrgID}
	if a.Role != opname.RolePrivacyOfficer && !canSeeAllClients(a.Role) {
		query += ` AND EXISTS (SELECT 1 FROM assignments s WHERE s.client_id = c.id AND s.user_id = ?)`
		args = append(args, a.UserID)
	}
	if text = strings.TrimSpace(text); text != "" {
		query += ` AND (` + likeClient + `)`
		args = append(args, contains(text), contains(text))
	}
	query, args = l.query(query, args)
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqldb: clients: %w", err)
	}
	defer rows.Close()
	out := []opname.Client{}
	for rows.Next() {
		var c opname.Client
		var created int64
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Name, &c.DossierRef, &c.Contact, &created); err != nil {
			return nil, "", fmt.Errorf("sqldb: clients: %w", err)
		}
		c.CreatedAt, c.Staff = fromMicro(created), []string{}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqldb: clients: %w", err)
	}
	out, next := cut(l, out, func(c *opname.Client) (string, string) { return "", c.ID })
	return out, next, db.logList(ctx, "", "clients", listed(text, p), len(out))
}

// likeClient is the condition that a client's name or dossier reference
// holds a text, with two arguments: contains(text), twice.
const likeClient = `lower(name) LIKE ? ESCAPE '\' OR lower(dossier_ref) LIKE ? ESCAPE '\'`

// contains is the LIKE pattern of a value that holds text, in lower case,
// with LIKE's own wildcards in text taken as they are.
func contains(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(text)) + "%"
}

// Assign lets a staff member of the organisation work with a client.
func (db *DB) Assign(ctx context.Context, clientID, userID string) error {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return err
	}
	var role string
	err = db.read.QueryRowContext(ctx, db.q(`SELECT role FROM users WHERE org_id = ? AND id = ?`), a.OrgID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("user")
	}
	if err != nil {
		return fmt.Errorf("sqldb: assign: %w", err)
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO assignments (org_id, client_id, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), a.OrgID, clientID, userID)
	if err != nil {
		return fmt.Errorf("sqldb: assign: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: clientID, ObjectType: "assignment", ObjectID: userID})
}
