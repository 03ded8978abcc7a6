package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// dialects runs fn against a fresh, migrated database of every dialect:
// SQLite always, PostgreSQL when OPNAME_TEST_DATABASE_URL names a server
// (mandatory in CI). The two run side by side.
func dialects(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, openPostgres(t))
	})
}

// testCost is the password cost of the tests' databases: far below the
// default, which would make every account and sign-in take a second
// (TestDefaultPasswordCost checks that a database opened as production
// opens it hashes at the default).
var testCost = opname.PasswordCost{Time: 1, Memory: 64, Threads: 1}

func openSQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "opname.db"))
}

// openPostgres opens a database of its own on the test server.
func openPostgres(t *testing.T) *sqldb.DB {
	t.Helper()
	return openAt(t, sqldbtest.PostgresURL(t))
}

// openAt opens and migrates the database at dsn, closed when the test ends.
func openAt(t testing.TB, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.PasswordCost = testCost
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

var system = opname.WithActor(context.Background(), opname.System("test"))

func as(a opname.Actor) context.Context { return opname.WithActor(context.Background(), a) }

// world is two organisations with a person of every role each, and two
// clients in the first, one assigned to its first staff member.
type world struct {
	orgA, orgB      *opname.Organisation
	a, b            map[opname.Role]opname.Actor
	staffA2         opname.Actor
	assigned, other *opname.Client
	clientB         *opname.Client
}

func build(t testing.TB, db *sqldb.DB) *world {
	t.Helper()
	w := &world{a: map[opname.Role]opname.Actor{}, b: map[opname.Role]opname.Actor{}}
	w.orgA = mustOrg(t, db, "org-a")
	w.orgB = mustOrg(t, db, "org-b")
	for _, o := range []struct {
		org    *opname.Organisation
		actors map[opname.Role]opname.Actor
	}{{w.orgA, w.a}, {w.orgB, w.b}} {
		for _, r := range opname.Roles {
			o.actors[r] = mustUser(t, db, o.org, string(r)+"@"+o.org.Slug+".nl", r)
		}
	}
	w.staffA2 = mustUser(t, db, w.orgA, "staff2@org-a.nl", opname.RoleStaff)
	w.assigned = &opname.Client{Name: "Anna de Vries", DossierRef: "D-1"}
	w.other = &opname.Client{Name: "Bram Jansen", DossierRef: "D-2"}
	w.clientB = &opname.Client{Name: "Cor Bakker"}
	for _, c := range []struct {
		actor  opname.Actor
		client *opname.Client
	}{{w.a[opname.RoleManager], w.assigned}, {w.a[opname.RoleAdmin], w.other}, {w.b[opname.RoleManager], w.clientB}} {
		if err := db.CreateClient(as(c.actor), c.client); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Assign(as(w.a[opname.RoleManager]), w.assigned.ID, w.a[opname.RoleStaff].UserID); err != nil {
		t.Fatal(err)
	}
	return w
}

func mustOrg(t testing.TB, db *sqldb.DB, slug string) *opname.Organisation {
	t.Helper()
	o := &opname.Organisation{Slug: slug, Name: "Organisatie " + slug, Policy: opname.PolicyVersion{Name: "ombudsman", Digest: "sha256:00", Shipped: "ombudsman", Text: "name: ombudsman"}}
	if err := db.CreateOrganisation(system, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustUser(t testing.TB, db *sqldb.DB, org *opname.Organisation, email string, role opname.Role) opname.Actor {
	t.Helper()
	u := &opname.User{Email: email, Role: role}
	ctx := opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, Role: opname.RoleSystem, Name: "system"})
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return opname.Actor{OrgID: org.ID, UserID: u.ID, Name: u.Name, Role: role, Via: "test"}
}

func wantKind(t *testing.T, err error, kind opname.ErrorKind) {
	t.Helper()
	if got := opname.KindOf(err); got != kind {
		t.Fatalf("error kind = %q (%v), want %q", got, err, kind)
	}
}

func TestMigrations(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema after Migrate: %v", err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate twice: %v", err)
		}
		have, known, err := db.SchemaVersion(ctx)
		if err != nil || have != known || known < 1 {
			t.Fatalf("SchemaVersion = %d, %d, %v", have, known, err)
		}
	})
}

// TestRefusesNewerSchema checks that the program will not run on a schema
// it does not know.
func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "opname.db")
	db, err := sqldb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "opname migrate") {
		t.Fatalf("CheckSchema on an empty database = %v, want a hint to migrate", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"CheckSchema": db.CheckSchema(ctx), "Migrate": db.Migrate(ctx)} {
		if err == nil || !strings.Contains(err.Error(), "newer than this program knows") {
			t.Errorf("%s = %v, want a refusal", name, err)
		}
	}
}

// TestTenancy checks who sees which client and person: a thing in another
// organisation, or a client one is not assigned to, is NotFound.
func TestTenancy(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		type see struct {
			who     opname.Actor
			client  *opname.Client
			visible bool
		}
		cases := []see{
			{w.a[opname.RoleStaff], w.assigned, true},
			{w.a[opname.RoleStaff], w.other, false},
			{w.staffA2, w.assigned, false},
			{w.a[opname.RoleManager], w.assigned, true},
			{w.a[opname.RoleManager], w.other, true},
			{w.a[opname.RoleAdmin], w.other, true},
			{w.a[opname.RolePrivacyOfficer], w.assigned, false},
		}
		for _, r := range opname.Roles {
			cases = append(cases, see{w.b[r], w.assigned, false}, see{w.b[r], w.other, false})
		}
		for _, c := range cases {
			got, err := db.Client(as(c.who), c.client.ID)
			if c.visible {
				if err != nil || got.Name != c.client.Name {
					t.Errorf("%s of %s: Client(%s) = %v, %v; want it", c.who.Role, c.who.OrgID, c.client.Name, got, err)
				}
				continue
			}
			if opname.KindOf(err) != opname.NotFound {
				t.Errorf("%s of %s: Client(%s) = %v, %v; want NotFound", c.who.Role, c.who.OrgID, c.client.Name, got, err)
			}
		}
		for _, c := range []struct {
			who  opname.Actor
			want int
		}{{w.a[opname.RoleStaff], 1}, {w.staffA2, 0}, {w.a[opname.RoleManager], 2}, {w.a[opname.RolePrivacyOfficer], 2}, {w.b[opname.RoleAdmin], 1}} {
			list, err := db.Clients(as(c.who))
			if err != nil || len(list) != c.want {
				t.Errorf("%s of %s: Clients = %d, %v; want %d", c.who.Role, c.who.OrgID, len(list), err, c.want)
			}
		}
		// People: staff see only themselves; nobody sees another organisation's.
		if _, err := db.User(as(w.a[opname.RoleStaff]), w.a[opname.RoleStaff].UserID); err != nil {
			t.Errorf("staff reading themselves: %v", err)
		}
		_, err := db.User(as(w.a[opname.RoleStaff]), w.a[opname.RoleManager].UserID)
		wantKind(t, err, opname.NotFound)
		_, err = db.User(as(w.b[opname.RoleAdmin]), w.a[opname.RoleStaff].UserID)
		wantKind(t, err, opname.NotFound)
		_, err = db.Users(as(w.a[opname.RoleStaff]))
		wantKind(t, err, opname.Forbidden)
		users, err := db.Users(as(w.a[opname.RoleAdmin]))
		if err != nil || len(users) != 5 {
			t.Errorf("Users = %d, %v; want the 5 people of org-a", len(users), err)
		}
		// Assigning across organisations is NotFound, whichever side is foreign.
		wantKind(t, db.Assign(as(w.b[opname.RoleManager]), w.assigned.ID, w.b[opname.RoleStaff].UserID), opname.NotFound)
		wantKind(t, db.Assign(as(w.a[opname.RoleManager]), w.other.ID, w.b[opname.RoleStaff].UserID), opname.NotFound)
		wantKind(t, db.Assign(as(w.a[opname.RoleStaff]), w.other.ID, w.a[opname.RoleStaff].UserID), opname.Forbidden)
		// Staff may not create clients; tokens of another organisation are not found.
		wantKind(t, db.CreateClient(as(w.a[opname.RoleStaff]), &opname.Client{Name: "x"}), opname.Forbidden)
		_, tok, err := db.CreateToken(as(w.a[opname.RoleAdmin]), w.a[opname.RoleStaff].UserID, "dossier")
		if err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.RevokeToken(as(w.b[opname.RoleAdmin]), tok.ID), opname.NotFound)
		_, _, err = db.CreateToken(as(w.b[opname.RoleAdmin]), w.a[opname.RoleStaff].UserID, "x")
		wantKind(t, err, opname.NotFound)
	})
}

func TestConflictsAndInvalid(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		err := db.CreateOrganisation(system, &opname.Organisation{Slug: "org-a", Name: "x", Policy: w.orgA.Policy})
		wantKind(t, err, opname.Conflict)
		err = db.CreateUser(as(w.a[opname.RoleAdmin]), &opname.User{Email: "STAFF@org-a.nl ", Role: opname.RoleStaff})
		wantKind(t, err, opname.Conflict)
		for _, u := range []opname.User{{Email: "not-an-address", Role: opname.RoleStaff}, {Email: "x@y.nl", Role: "boss"}} {
			err := db.CreateUser(as(w.a[opname.RoleAdmin]), &u)
			wantKind(t, err, opname.Invalid)
		}
		err = db.CreateOrganisation(system, &opname.Organisation{Slug: "Bad Slug", Name: "x", Policy: w.orgA.Policy})
		wantKind(t, err, opname.Invalid)
		err = db.CreateOrganisation(as(w.a[opname.RoleAdmin]), &opname.Organisation{Slug: "new", Name: "x", Policy: w.orgA.Policy})
		wantKind(t, err, opname.Forbidden)
		wantKind(t, db.CreateClient(as(w.a[opname.RoleManager]), &opname.Client{Name: " "}), opname.Invalid)
		_, err = db.Clients(context.Background())
		wantKind(t, err, opname.Unauthorized)
	})
}

func TestPolicyVersions(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		if err := db.SetPolicy(admin, &opname.PolicyVersion{Name: "blijf-groep", Digest: "sha256:11", Shipped: "blijf-groep", Text: "name: blijf-groep", Reason: "we shelter women"}); err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.SetPolicy(as(w.a[opname.RoleManager]), &opname.PolicyVersion{Name: "x"}), opname.Forbidden)
		org, err := db.Organisation(admin)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := org.Policy.Name, "blijf-groep"; got != want || org.Policy.Version != 2 {
			t.Errorf("policy = %s v%d, want %s v2", got, org.Policy.Version, want)
		}
		versions, err := db.PolicyVersions(admin)
		if err != nil || len(versions) != 2 || versions[1].Name != "ombudsman" {
			t.Errorf("PolicyVersions = %+v, %v; want both, newest first", versions, err)
		}
		other, err := db.Organisation(as(w.b[opname.RoleAdmin]))
		if err != nil || other.Policy.Version != 1 {
			t.Errorf("org-b's policy changed with org-a's: %+v, %v", other, err)
		}
	})
}

// TestPolicyChange checks that a change of policy needs a reason, is kept
// with who made it and what it replaced, is not made against a policy
// that changed meanwhile, and that making the same change twice makes it
// once.
func TestPolicyChange(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		first := w.orgA.Policy.Digest
		next := func() *opname.PolicyVersion {
			return &opname.PolicyVersion{Name: "blijf-groep", Digest: "sha256:22", Shipped: "blijf-groep", Text: "name: blijf-groep", Previous: first, Reason: "  we shelter women  "}
		}
		noReason := next()
		noReason.Reason = " "
		err := db.SetPolicy(admin, noReason)
		wantKind(t, err, opname.Invalid)
		if !strings.HasPrefix(opname.Message(err), "reason: ") {
			t.Errorf("no reason: %q, want it to name the field reason", opname.Message(err))
		}
		stale := next()
		stale.Previous = "sha256:not-the-current-one"
		wantKind(t, db.SetPolicy(admin, stale), opname.Conflict)
		if org, _ := db.Organisation(admin); org.Policy.Version != 1 {
			t.Fatalf("a refused change made version %d", org.Policy.Version)
		}

		pv := next()
		if err := db.SetPolicy(admin, pv); err != nil {
			t.Fatal(err)
		}
		if pv.Version != 2 || pv.Reason != "we shelter women" || pv.ChangedBy != w.a[opname.RoleAdmin].UserID {
			t.Errorf("set = v%d by %q because %q; want v2 by the admin, the reason trimmed", pv.Version, pv.ChangedBy, pv.Reason)
		}
		// The same change again, confirmed against the policy it
		// replaced: it was made already, so it is not made twice.
		again := next()
		if err := db.SetPolicy(admin, again); err != nil {
			t.Fatalf("the same change twice: %v", err)
		}
		if again.Version != 2 || !again.CreatedAt.Equal(pv.CreatedAt) {
			t.Errorf("the same change twice gave v%d at %v; want v2 at %v", again.Version, again.CreatedAt, pv.CreatedAt)
		}

		versions, err := db.PolicyVersions(admin)
		if err != nil || len(versions) != 2 {
			t.Fatalf("PolicyVersions = %+v, %v; want two", versions, err)
		}
		v := versions[0]
		if v.Previous != first || v.Reason != "we shelter women" || v.ChangedBy != w.a[opname.RoleAdmin].UserID || v.ChangedByName != w.a[opname.RoleAdmin].Name {
			t.Errorf("newest version = %+v; want who, why and what it replaced", v)
		}
		if versions[1].Previous != "" || versions[1].Reason != "" {
			t.Errorf("first version = %+v; it replaced nothing", versions[1])
		}
		// Staff may not look up colleagues: they see no one's name.
		versions, err = db.PolicyVersions(as(w.a[opname.RoleStaff]))
		if err != nil || versions[0].ChangedBy != "" || versions[0].ChangedByName != "" {
			t.Errorf("staff see %+v, %v; want no name or id", versions[0], err)
		}
	})
}

// TestSubmissions checks that a form's token is claimed once per person:
// the second claim gets the first's result, a released claim can be made
// again, and another person or organisation has tokens of their own.
func TestSubmissions(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		result, first, err := db.BeginSubmission(staff, "form-1")
		if err != nil || !first || result != "" {
			t.Fatalf("first claim = %q, %v, %v", result, first, err)
		}
		if result, first, err = db.BeginSubmission(staff, "form-1"); err != nil || first || result != "" {
			t.Fatalf("claim while under way = %q, %v, %v; want not first, no result yet", result, first, err)
		}
		if err := db.EndSubmission(staff, "form-1", "/gesprekken/1"); err != nil {
			t.Fatal(err)
		}
		if result, first, err = db.BeginSubmission(staff, "form-1"); err != nil || first || result != "/gesprekken/1" {
			t.Fatalf("second claim = %q, %v, %v; want the first's result", result, first, err)
		}
		for _, other := range []opname.Actor{w.a[opname.RoleManager], w.b[opname.RoleStaff]} {
			if _, first, err := db.BeginSubmission(as(other), "form-1"); err != nil || !first {
				t.Errorf("%s %s: claim = %v, %v; tokens are per person", other.OrgID, other.Role, first, err)
			}
		}
		// Work that failed releases the token: the form can be sent again.
		if _, first, err := db.BeginSubmission(staff, "form-2"); err != nil || !first {
			t.Fatal(first, err)
		}
		if err := db.EndSubmission(staff, "form-2", ""); err != nil {
			t.Fatal(err)
		}
		if _, first, err := db.BeginSubmission(staff, "form-2"); err != nil || !first {
			t.Errorf("claim after release = %v, %v; want a fresh claim", first, err)
		}
		_, _, err = db.BeginSubmission(context.Background(), "form-3")
		wantKind(t, err, opname.Unauthorized)
	})
}

// TestAccessLog checks that client data access is logged, that only a
// privacy officer searches the log, that the search is logged too, and that
// the chain verifies and is append-only.
func TestAccessLog(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := w.a[opname.RoleStaff]
		staff.Addr = "192.0.2.7"
		if _, err := db.Client(as(staff), w.assigned.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.Search(as(w.a[opname.RoleManager]), opname.AccessFilter{})
		wantKind(t, err, opname.Forbidden)
		po := as(w.a[opname.RolePrivacyOfficer])
		events, err := db.Search(po, opname.AccessFilter{ClientID: w.assigned.ID, Action: opname.AccessRead})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].UserID != staff.UserID || events[0].SourceAddr != "192.0.2.7" || events[0].ObjectType != "client" {
			t.Fatalf("search = %+v, want the staff member's read", events)
		}
		again, err := db.Search(po, opname.AccessFilter{ClientID: w.assigned.ID, Action: opname.AccessRead})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 2 || again[0].ObjectType != "access_log" || again[0].UserRole != opname.RolePrivacyOfficer {
			t.Fatalf("the first search was not logged: %+v", again)
		}
		overview, err := db.ClientOverview(as(staff), w.assigned.ID)
		if err != nil || len(overview) < 3 {
			t.Fatalf("ClientOverview = %d events, %v", len(overview), err)
		}
		_, err = db.ClientOverview(as(w.b[opname.RoleManager]), w.assigned.ID)
		wantKind(t, err, opname.NotFound)
		searchB, err := db.Search(as(w.b[opname.RolePrivacyOfficer]), opname.AccessFilter{ClientID: w.assigned.ID})
		if err != nil || len(searchB) != 0 {
			t.Fatalf("org-b's privacy officer sees org-a's log: %d, %v", len(searchB), err)
		}
		n, err := db.Verify(context.Background())
		if err != nil || n < 8 {
			t.Fatalf("Verify = %d, %v", n, err)
		}
	})
}

func TestAccessLogAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "opname.db")
	db, err := sqldb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := build(t, db)
	if _, err := db.Client(as(w.a[opname.RoleManager]), w.other.ID); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, stmt := range []string{`UPDATE access_log SET user_name = 'someone else'`, `DELETE FROM access_log`} {
		if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refused", stmt, err)
		}
	}
	// Someone with the power to drop the trigger can change a record; the
	// chain shows it.
	if _, err := raw.Exec(`DROP TRIGGER access_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE access_log SET user_name = 'someone else' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	_, err = db.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("Verify after tampering = %v, want record 2 named", err)
	}
}

// TestAccessLogConcurrent appends from many goroutines at once, for two
// organisations, and checks the chains are whole.
func TestAccessLogConcurrent(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := w.a[opname.RoleStaff]
				if i%2 == 1 {
					who = w.b[opname.RoleStaff]
				}
				errs <- db.Record(as(who), opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: fmt.Sprint(i)})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.Verify(context.Background())
		if err != nil || n < 200 {
			t.Fatalf("Verify = %d, %v", n, err)
		}
	})
}

// TestSignIn walks the local sign-in: one-time secret, password, wrong
// passwords, the wait they cause, sessions that expire, sign-out, tokens.
func TestSignIn(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		ctx := context.Background()
		staff := w.a[opname.RoleStaff]
		once, _, err := db.CreateOneTime(as(w.a[opname.RoleAdmin]), staff.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = db.CreateOneTime(as(w.b[opname.RoleAdmin]), staff.UserID, time.Hour)
		wantKind(t, err, opname.NotFound)
		_, _, err = db.Redeem(ctx, once, "short")
		wantKind(t, err, opname.Invalid)
		secret, sess, err := db.Redeem(ctx, once, "correct horse battery staple")
		if err != nil || sess.UserID != staff.UserID {
			t.Fatalf("Redeem = %v, %v", sess, err)
		}
		_, _, err = db.Redeem(ctx, once, "correct horse battery staple")
		wantKind(t, err, opname.Unauthorized)
		who, _, err := db.Authenticate(ctx, secret)
		if err != nil || who.UserID != staff.UserID || who.Role != opname.RoleStaff {
			t.Fatalf("Authenticate = %+v, %v", who, err)
		}

		_, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "wrong password!!")
		wantKind(t, err, opname.Unauthorized)
		_, _, err = db.SignIn(ctx, "org-a", "nobody@org-a.nl", "wrong password!!")
		wantKind(t, err, opname.Unauthorized)
		_, _, err = db.SignIn(ctx, "no-such-org", "staff@org-a.nl", "correct horse battery staple")
		wantKind(t, err, opname.Unauthorized)
		_, _, err = db.SignIn(ctx, "org-b", "staff@org-a.nl", "correct horse battery staple")
		wantKind(t, err, opname.Unauthorized)
		if _, _, err := db.SignIn(ctx, "org-a", " Staff@Org-A.nl", "correct horse battery staple"); err != nil {
			t.Fatalf("SignIn with the right password: %v", err)
		}
		// With the wrong password above, these make FreeFailures.
		for i := range sqldb.FreeFailures - 1 {
			_, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "wrong password!!")
			if want := opname.Unauthorized; opname.KindOf(err) != want {
				t.Fatalf("wrong password %d: %v, want %s", i+1, err, want)
			}
		}
		_, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "correct horse battery staple")
		wantKind(t, err, opname.TooMany)
		now := time.Now()
		db.Now = func() time.Time { return now.Add(time.Minute + time.Second) }
		_, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "correct horse battery staple")
		if err != nil {
			t.Fatalf("SignIn after the wait: %v", err)
		}
		db.Now = func() time.Time { return now.Add(time.Minute + sqldb.SessionIdle + 2*time.Minute) }
		_, _, err = db.Authenticate(ctx, secret)
		wantKind(t, err, opname.Unauthorized)
		db.Now = time.Now

		secret, _, err = db.SignIn(ctx, "org-a", "staff@org-a.nl", "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SignOut(ctx, secret); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.Authenticate(ctx, secret)
		wantKind(t, err, opname.Unauthorized)

		tokSecret, tok, err := db.CreateToken(as(w.a[opname.RoleAdmin]), staff.UserID, "dossier system")
		if err != nil {
			t.Fatal(err)
		}
		who, err = db.AuthenticateToken(ctx, tokSecret)
		if err != nil || who.UserID != staff.UserID || who.OnBehalfOf != "dossier system" {
			t.Fatalf("AuthenticateToken = %+v, %v", who, err)
		}
		if err := db.RevokeToken(as(w.a[opname.RoleAdmin]), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.AuthenticateToken(ctx, tokSecret)
		wantKind(t, err, opname.Unauthorized)
		revokedAt := func() time.Time {
			t.Helper()
			tokens, _, err := db.Tokens(as(w.a[opname.RoleAdmin]), opname.Page{})
			if err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
				t.Fatalf("Tokens = %+v, %v; want the one revoked token", tokens, err)
			}
			return *tokens[0].RevokedAt
		}
		first := revokedAt()
		// Revoked twice (a form sent twice): revoked once.
		if err := db.RevokeToken(as(w.a[opname.RoleAdmin]), tok.ID); err != nil {
			t.Fatalf("revoking a revoked token: %v", err)
		}
		if again := revokedAt(); !again.Equal(first) {
			t.Errorf("revoked again at %v; it was revoked at %v", again, first)
		}
		wantKind(t, db.RevokeToken(as(w.b[opname.RoleAdmin]), tok.ID), opname.NotFound)
		tokens, _, err := db.Tokens(as(w.a[opname.RoleAdmin]), opname.Page{})
		if err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
			t.Fatalf("Tokens = %+v, %v; want the one revoked token", tokens, err)
		}
		if others, _, err := db.Tokens(as(w.b[opname.RoleAdmin]), opname.Page{}); err != nil || len(others) != 0 {
			t.Fatalf("org-b's admin sees %d tokens, %v", len(others), err)
		}
		_, _, err = db.Tokens(as(w.a[opname.RoleManager]), opname.Page{})
		wantKind(t, err, opname.Forbidden)

		events, err := db.Search(as(w.a[opname.RolePrivacyOfficer]), opname.AccessFilter{UserID: staff.UserID, Action: opname.AccessSignIn})
		if err != nil {
			t.Fatal(err)
		}
		failures := 0
		for _, e := range events {
			if e.Outcome == "failure" {
				failures++
			}
		}
		if failures < sqldb.FreeFailures+1 {
			t.Errorf("failed sign-ins logged = %d, want at least %d", failures, sqldb.FreeFailures+1)
		}
	})
}

// linkHolder opens a new link of party's for the client, given by staff,
// from addr, and returns the holder's context.
func linkHolder(t *testing.T, db *sqldb.DB, staff context.Context, clientID, party, addr string) context.Context {
	t.Helper()
	code, err := db.CreateLink(staff, &opname.ClientLink{ClientID: clientID, Party: party})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := db.OpenLink(fromAddr(addr), code)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := db.AuthenticateLink(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return as(a)
}

// conversationWithRecording adds a conversation of staff with the client
// and parties, and a recording of it; it returns both ids.
func conversationWithRecording(t *testing.T, db *sqldb.DB, staff context.Context, clientID string, parties ...string) (string, string) {
	t.Helper()
	ps := []opname.Participant{{Role: "staff"}}
	for _, p := range parties {
		ps = append(ps, opname.Participant{Role: p})
	}
	conv := &opname.Conversation{ClientID: clientID, Location: "office", Participants: ps}
	if err := db.AddConversation(staff, conv); err != nil {
		t.Fatal(err)
	}
	rec := opname.Recording{ClientID: clientID, ConversationID: conv.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ab", 32), Size: 1}
	if err := db.AddRecording(staff, &rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob-" + conv.ID, PayloadSize: 1}); err != nil {
		t.Fatal(err)
	}
	return conv.ID, rec.ID
}
