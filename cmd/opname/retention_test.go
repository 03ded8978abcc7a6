package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
)

// retentionServer starts a server whose database clock runs ahead of the
// real one by what the test stores in ahead.
func retentionServer(t *testing.T, databaseURL string, ahead *atomic.Int64) *server {
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	return startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), DatabaseURL: databaseURL, now: now})
}

// retentionOrg is an organisation with a token per role and two clients.
type retentionOrg struct {
	org                               *opname.Organisation
	sys, staffCtx                     context.Context
	tokens                            map[opname.Role]string
	anna, bart                        string // clients: anna's care ends, bart's records are held
	annaRec, annaCopy, annaEdit, held string // anna's recordings; held is on a recording hold
	bartRec                           string
	request                           string // anna's request, with its agreement and decisions
	digest                            string // the agreement's digest
}

func newRetentionOrg(t *testing.T, s *server) *retentionOrg {
	t.Helper()
	o := &retentionOrg{tokens: map[opname.Role]string{}}
	o.org, o.sys = newOrg(t, s, "bewaren", "veilig-thuis-utrecht", false)
	users := map[opname.Role]string{}
	for _, role := range []opname.Role{opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RolePrivacyOfficer} {
		u := &opname.User{Email: string(role) + "@bewaren.nl", Name: "De " + string(role), Role: role}
		if err := s.db.CreateUser(o.sys, u); err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.CreateToken(o.sys, u.ID, "retention")
		if err != nil {
			t.Fatal(err)
		}
		users[role], o.tokens[role] = u.ID, secret
	}
	o.staffCtx = opname.WithActor(context.Background(), opname.Actor{OrgID: o.org.ID, UserID: users[opname.RoleStaff], Role: opname.RoleStaff, Name: "De staff"})
	for _, c := range []*string{&o.anna, &o.bart} {
		client := &opname.Client{Name: "Cliënt " + map[bool]string{true: "Anna", false: "Bart"}[c == &o.anna]}
		if err := s.db.CreateClient(o.sys, client); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(o.sys, client.ID, users[opname.RoleStaff]); err != nil {
			t.Fatal(err)
		}
		*c = client.ID
	}
	ingest := func(client, source string, tone byte, from string) string {
		u := vault.Upload{ClientID: client, Source: source, Body: bytes.NewReader(wav(1, tone))}
		if from != "" {
			u.DerivedFrom, u.Edit = from, &opname.EditStatement{Changed: "een naam weggepiept", Reason: "privacy van een derde", Told: "de cliënt"}
		}
		rec, err := s.web.Vault.Ingest(o.staffCtx, u)
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	o.annaRec = ingest(o.anna, "organisation", 1, "")
	o.annaCopy = ingest(o.anna, "client_copy", 2, "")
	o.annaEdit = ingest(o.anna, "organisation", 3, o.annaRec)
	o.held = ingest(o.anna, "organisation", 4, "")
	o.bartRec = ingest(o.bart, "organisation", 5, "")
	wf := s.web.Workflow
	conv := &opname.Conversation{ClientID: o.anna, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := wf.Open(o.staffCtx, conv); err != nil {
		t.Fatal(err)
	}
	req, err := wf.Ask(o.staffCtx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wf.Weighty(o.staffCtx, req.ID, "gevaar voor een derde", "written_report"); err != nil {
		t.Fatal(err)
	}
	if req, err = wf.Agree(o.staffCtx, req.ID, "spoken", false, false); err != nil {
		t.Fatal(err)
	}
	o.request, o.digest = req.ID, req.Agreement.Digest
	return o
}

// api calls the JSON API as role and decodes the answer into out (if not
// nil); it returns the status.
func (o *retentionOrg) api(t *testing.T, s *server, role opname.Role, method, path, body string, out any) int {
	t.Helper()
	r, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+o.tokens[role])
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s as %s: %d %s", method, path, role, resp.StatusCode, data)
	}
	return resp.StatusCode
}

func dueKinds(due []opname.DueItem) []string {
	var ks []string
	for _, d := range due {
		ks = append(ks, d.Kind+" "+d.ObjectID)
	}
	slices.Sort(ks)
	return ks
}

// TestRetentionEveryKind follows every kind of record through retention
// on SQLite and PostgreSQL, moving the database's clock: nothing is due
// before its time; a recording, a client's copy and a declared edit are
// due twenty years after they were made, agreements and decisions twenty
// years after the end of care, which a manager sets; held records never
// are, and a held recording cannot be erased by hand either; the privacy
// officer destroys what was due (crypto-erasure with the log entries, the
// personal content of agreements and decisions), every step is logged and
// reported; the administrator shortens a period and turns on automatic
// destruction, which the daily job then does; the access log is left to
// its own pruning.
func TestRetentionEveryKind(t *testing.T) {
	retentionDialects(t, testRetention)
}

// retentionDialects runs test on a retention server of each database, in
// parallel.
func retentionDialects(t *testing.T, test func(*testing.T, *server, *atomic.Int64)) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			var ahead atomic.Int64
			url := ""
			if dialect == "postgres" {
				url = sqldbtest.PostgresURL(t)
			}
			test(t, retentionServer(t, url, &ahead), &ahead)
		})
	}
}

func testRetention(t *testing.T, s *server, ahead *atomic.Int64) {
	o := newRetentionOrg(t, s)
	po, mgr, admin := opname.RolePrivacyOfficer, opname.RoleManager, opname.RoleAdmin

	// The defaults come with the policy, with their basis.
	var rules struct {
		Rules []opname.RetentionRule `json:"rules"`
		Auto  bool                   `json:"automatic_destruction"`
	}
	if code := o.api(t, s, admin, "GET", "/api/v1/retention/rules", "", &rules); code != 200 {
		t.Fatalf("rules = %d", code)
	}
	if len(rules.Rules) != 6 || rules.Auto {
		t.Fatalf("rules = %+v, automatic %v; want 6 rules, automatic off", rules.Rules, rules.Auto)
	}
	for _, r := range rules.Rules {
		if r.Source != "policy" || r.Years != map[bool]int{true: 5, false: 20}[r.Kind == opname.RetainAccessLog] || !strings.Contains(r.BasisEN+r.BasisNL, "7:454") && r.Kind != opname.RetainAccessLog {
			t.Errorf("default rule %+v", r)
		}
	}

	// Holds: all of Bart's records (a manager), one of Anna's recordings
	// (the privacy officer).
	var hold, recHold opname.LegalHold
	if code := o.api(t, s, mgr, "POST", "/api/v1/holds", `{"client_id": "`+o.bart+`", "reason": "klacht bij de klachtencommissie"}`, &hold); code != 201 {
		t.Fatalf("hold = %d", code)
	}
	if code := o.api(t, s, po, "POST", "/api/v1/holds", `{"recording_id": "`+o.held+`", "reason": "rechtszaak"}`, &recHold); code != 201 || recHold.ClientID != o.anna {
		t.Fatalf("recording hold = %d %+v", code, recHold)
	}
	if code := o.api(t, s, po, "POST", "/api/v1/holds", `{"client_id": "`+o.bart+`"}`, nil); code != 400 {
		t.Errorf("hold without a reason = %d, want 400", code)
	}

	due := func() []opname.DueItem {
		t.Helper()
		var d []opname.DueItem
		if code := o.api(t, s, po, "GET", "/api/v1/retention/due", "", &d); code != 200 {
			t.Fatalf("due = %d", code)
		}
		return d
	}
	if d := due(); len(d) != 0 {
		t.Fatalf("due at once: %v", dueKinds(d))
	}
	// A day short of twenty years, still nothing.
	ahead.Store(int64(time.Until(time.Now().AddDate(20, 0, -1))))
	if d := due(); len(d) != 0 {
		t.Fatalf("due a day early: %v", dueKinds(d))
	}
	ahead.Store(int64(time.Until(time.Now().AddDate(20, 0, 1))))
	want := []string{"client_copy " + o.annaCopy, "edit " + o.annaEdit, "recording " + o.annaRec}
	slices.Sort(want)
	if got := dueKinds(due()); !slices.Equal(got, want) {
		t.Fatalf("due after twenty years = %v, want %v", got, want)
	}
	// Care for Anna ended on the (real) day her records were made: her
	// agreements and decisions are due twenty years later, which is now.
	today := time.Now().In(o.org.Location()).Format("2006-01-02")
	if code := o.api(t, s, mgr, "PUT", "/api/v1/clients/"+o.anna+"/care-end", `{"care_ended": "`+today+`", "reason": "de zorg is afgesloten"}`, nil); code != 200 {
		t.Fatalf("care end = %d", code)
	}
	if code := o.api(t, s, mgr, "PUT", "/api/v1/clients/"+o.anna+"/care-end", `{"care_ended": "2026-13-01", "reason": "x"}`, nil); code != 400 {
		t.Errorf("care end on no day = %d, want 400", code)
	}
	want = append(want, "agreements "+o.request, "decisions "+o.request)
	slices.Sort(want)
	items := due()
	if got := dueKinds(items); !slices.Equal(got, want) {
		t.Fatalf("due after the end of care = %v, want %v", got, want)
	}
	for _, it := range items {
		if it.ClientName != "Cliënt Anna" || it.DueAt.After(time.Now().Add(time.Duration(ahead.Load()))) {
			t.Errorf("due item %+v", it)
		}
	}

	// A held recording cannot be erased by hand either.
	if code := o.api(t, s, mgr, "POST", "/api/v1/recordings/"+o.held+"/erasure", `{"reason": "weg ermee"}`, nil); code != 409 {
		t.Errorf("erasing a held recording by hand = %d, want 409", code)
	}
	if code := o.api(t, s, mgr, "POST", "/api/v1/recordings/"+o.bartRec+"/erasure", `{"reason": "weg ermee"}`, nil); code != 409 {
		t.Errorf("erasing a recording of a held client by hand = %d, want 409", code)
	}

	// Nothing is destroyed that is not asked for, nor what is not due.
	var done []opname.Destruction
	if code := o.api(t, s, po, "POST", "/api/v1/retention/destructions", `{"items": []}`, nil); code != 400 {
		t.Errorf("destroying nothing = %d, want 400", code)
	}
	if code := o.api(t, s, po, "POST", "/api/v1/retention/destructions", `{"items": [{"kind": "recording", "object_id": "`+o.held+`"}, {"kind": "recording", "object_id": "`+o.bartRec+`"}]}`, &done); code != 200 || len(done) != 0 {
		t.Fatalf("destroying held records = %d, %d destroyed", code, len(done))
	}
	var refs []opname.DueRef
	for _, it := range items {
		refs = append(refs, it.Ref())
	}
	body, _ := json.Marshal(map[string]any{"items": refs})
	if code := o.api(t, s, po, "POST", "/api/v1/retention/destructions", string(body), &done); code != 200 || len(done) != 5 {
		t.Fatalf("destroying what is due = %d, %d destroyed", code, len(done))
	}
	if d := due(); len(d) != 0 {
		t.Errorf("due after destruction: %v", dueKinds(d))
	}

	// The recordings are erased, each with its entry in the log.
	for _, id := range []string{o.annaRec, o.annaCopy, o.annaEdit} {
		var rec opname.Recording
		if code := o.api(t, s, mgr, "GET", "/api/v1/recordings/"+id, "", &rec); code != 200 || rec.ErasedAt == nil {
			t.Errorf("recording %s after destruction: %d, erased %v", id, code, rec.ErasedAt)
		}
	}
	var erased []string
	for i := int64(0); ; i++ {
		rc, err := s.db.Receipt(context.Background(), o.org.ID, i)
		if err != nil {
			break
		}
		if rc.Record.Kind == translog.KindErasure {
			erased = append(erased, rc.Record.RecordingID)
		}
	}
	for _, id := range []string{o.annaRec, o.annaCopy, o.annaEdit} {
		if !slices.Contains(erased, id) {
			t.Errorf("no erasure of %s in the organisation's log (%v)", id, erased)
		}
	}
	for _, id := range []string{o.held, o.bartRec} {
		if slices.Contains(erased, id) {
			t.Errorf("held recording %s erased", id)
		}
	}
	// The agreement keeps its digest, not who made it; the decisions lose
	// their situations.
	var req opname.Request
	if code := o.api(t, s, mgr, "GET", "/api/v1/requests/"+o.request, "", &req); code != 200 {
		t.Fatalf("request after destruction = %d", code)
	}
	if req.Agreement == nil || req.Agreement.Digest != o.digest || req.Agreement.By != "" || req.Weighty != nil {
		t.Errorf("request after destruction: agreement %+v, weighty %+v", req.Agreement, req.Weighty)
	}
	var decisions []opname.StoredDecision
	if code := o.api(t, s, mgr, "GET", "/api/v1/requests/"+o.request+"/decisions", "", &decisions); code != 200 || len(decisions) == 0 {
		t.Fatalf("decisions after destruction = %d, %d", code, len(decisions))
	}
	for _, d := range decisions {
		if string(d.Situation) != "{}" || string(d.Decision) != "{}" || d.MadeBy != "" || d.PolicyDigest == "" {
			t.Errorf("decision after destruction: %+v", d)
		}
	}

	// The access log says what went, why and who held and released.
	events, err := s.db.Search(opname.WithActor(context.Background(), opname.Actor{OrgID: o.org.ID, Role: opname.RolePrivacyOfficer, Name: "po"}), opname.AccessFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]int{}
	for _, e := range events {
		logged[string(e.Action)+" "+e.ObjectType+" "+e.Purpose]++
	}
	for _, w := range []string{"delete recording retention: recording", "delete recording retention: client_copy", "delete recording retention: edit",
		"delete agreement retention: agreements", "delete request_decisions retention: decisions", "create legal_hold rechtszaak"} {
		if logged[w] != 1 {
			t.Errorf("access log has %q %d times, want once", w, logged[w])
		}
	}

	// The report, and its exports, which are logged.
	var report []opname.Destruction
	if code := o.api(t, s, po, "GET", "/api/v1/retention/destructions", "", &report); code != 200 || len(report) != 5 {
		t.Fatalf("report = %d, %d rows", code, len(report))
	}
	for _, d := range report {
		if d.ByName != "De privacy_officer" || d.Rule.Years != 20 || d.Rule.BasisNL == "" {
			t.Errorf("report row %+v", d)
		}
	}
	r, _ := http.NewRequest("GET", s.URL+"/api/v1/retention/destructions?format=csv", nil)
	r.Header.Set("Authorization", "Bearer "+o.tokens[po])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 6 || rows[0][0] != "destroyed_at" {
		t.Errorf("CSV report: %v, %d rows", err, len(rows))
	}
	if code := o.api(t, s, po, "GET", "/api/v1/retention/destructions?format=json", "", &report); code != 200 {
		t.Errorf("JSON export = %d", code)
	}
	if code := o.api(t, s, po, "GET", "/api/v1/retention/destructions?format=xls", "", nil); code != 400 {
		t.Errorf("export as xls = %d, want 400", code)
	}

	// The administrator shortens the period for recordings and turns on
	// automatic destruction; Bart's hold is released; the daily job then
	// destroys his recording by itself. The access log is not touched.
	if code := o.api(t, s, admin, "PUT", "/api/v1/retention/rules/recording", `{"years": 0, "months": 1, "clock": "recorded", "basis_nl": "Eigen keuze.", "basis_en": "Own choice.", "reason": "korter bewaren"}`, nil); code != 200 {
		t.Fatalf("set rule = %d", code)
	}
	if code := o.api(t, s, admin, "PUT", "/api/v1/retention/rules/recording", `{"years": 0, "months": 0, "clock": "recorded", "basis_nl": "x", "basis_en": "x", "reason": "x"}`, nil); code != 400 {
		t.Errorf("a rule without a period = %d, want 400", code)
	}
	if code := o.api(t, s, admin, "PUT", "/api/v1/retention/automatic", `{"on": true, "reason": "de privacy officer is het eens"}`, nil); code != 200 {
		t.Fatalf("automatic = %d", code)
	}
	var changes []opname.RetentionChange
	if code := o.api(t, s, po, "GET", "/api/v1/retention/changes", "", &changes); code != 200 || len(changes) != 2 {
		t.Fatalf("changes = %d, %d", code, len(changes))
	}
	var was, is opname.RetentionRule
	if c := changes[1]; c.Kind != "recording" || c.Reason != "korter bewaren" || c.ChangedByName != "De admin" || json.Unmarshal(c.Old, &was) != nil || json.Unmarshal(c.New, &is) != nil || was.Years != 20 || is.Months != 1 {
		t.Errorf("change %+v old %s new %s", c, c.Old, c.New)
	}
	if code := o.api(t, s, mgr, "POST", "/api/v1/holds/"+hold.ID+"/release", `{"reason": "de klacht is afgehandeld"}`, nil); code != 204 {
		t.Fatalf("release = %d", code)
	}
	if code := o.api(t, s, mgr, "POST", "/api/v1/holds/"+hold.ID+"/release", `{"reason": "nog eens"}`, nil); code != 409 {
		t.Errorf("release twice = %d, want 409", code)
	}
	n, destroyed, err := retentionRun(context.Background(), s.db, s.web.Vault, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || n != 1 || destroyed != 1 {
		t.Fatalf("the job: %d due, %d destroyed, %v; want 1, 1", n, destroyed, err)
	}
	if code := o.api(t, s, po, "GET", "/api/v1/retention/destructions", "", &report); code != 200 || len(report) != 6 || report[0].ObjectID != o.bartRec || report[0].DestroyedBy != "system" {
		t.Fatalf("report after the job = %d, %+v", code, report[0])
	}
	for _, d := range report {
		if d.Kind == opname.RetainAccessLog || d.ObjectID == o.held {
			t.Errorf("destroyed %+v", d)
		}
	}
	events, err = s.db.Search(opname.WithActor(context.Background(), opname.Actor{OrgID: o.org.ID, Role: opname.RolePrivacyOfficer, Name: "po"}), opname.AccessFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	logged = map[string]int{}
	for _, e := range events {
		logged[string(e.Action)+" "+e.ObjectType+" "+e.ObjectID] += 1
	}
	for _, w := range []string{"update retention_rule recording", "update retention_rule automatic_destruction", "delete legal_hold " + hold.ID,
		"export destruction_report ", "delete recording " + o.bartRec, "update care_end " + o.anna} {
		if logged[w] == 0 {
			t.Errorf("access log has no %q", w)
		}
	}
	if logged["export destruction_report "] != 2 {
		t.Errorf("exports logged %d times, want 2 (CSV and JSON)", logged["export destruction_report "])
	}
}

// page reads a page as role, in language l ("nl" or "en"), sending form
// (if not nil) by POST; it returns the status and the page.
func (o *retentionOrg) page(t *testing.T, s *server, role opname.Role, path, l string, form url.Values) (int, string) {
	t.Helper()
	method, body := "GET", ""
	if form != nil {
		method, body = "POST", form.Encode()
	}
	r, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+o.tokens[role])
	r.Header.Set("Accept", "text/html")
	r.AddCookie(&http.Cookie{Name: "lang", Value: l})
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestRetentionPages: the retention page in Dutch and English for each
// role that has it; the privacy officer's list of what is due has nothing
// ticked, a destruction needs a choice and a confirmation (said in the
// page's language), and the client's page shows the holds and the end of
// care.
func TestRetentionPages(t *testing.T) {
	t.Parallel()
	var ahead atomic.Int64
	s := retentionServer(t, "", &ahead)
	o := newRetentionOrg(t, s)
	po, mgr, admin := opname.RolePrivacyOfficer, opname.RoleManager, opname.RoleAdmin
	if code, _ := o.page(t, s, mgr, "/bewaren/blokkades", "nl", url.Values{"client": {o.bart}, "reden": {"Een klacht van Bart."}, "terug": {"client"}}); code != 200 {
		t.Fatalf("hold from the client's page = %d", code)
	}
	if code, _ := o.page(t, s, mgr, "/clienten/"+o.anna+"/einde-zorg", "nl", url.Values{"einde": {"2005-01-01"}, "reden": {"Dossier gesloten."}}); code != 200 {
		t.Fatalf("end of care = %d", code)
	}
	ahead.Store(int64(time.Until(time.Now().AddDate(20, 0, 1))))
	for _, c := range []struct {
		role     opname.Role
		l        string
		want     []string
		dontWant []string
	}{
		{po, "nl", []string{"Bewaren en vernietigen", "Over tijd", "Cliënt Anna", "Afspraken", "Besluiten", "Kopie van de cliënt", "Een klacht van Bart.", "Er is nog niets vernietigd.", "Wijzigingen"}, []string{"Een termijn wijzigen", " checked"}},
		{po, "en", []string{"Retention and destruction", "Due for destruction", "Agreements", "Edited recording", "Twenty years from the day"}, []string{"Twintig jaar", " checked"}},
		{admin, "nl", []string{"Een termijn wijzigen", "Automatisch vernietigen staat uit", "Twintig jaar vanaf"}, []string{"Over tijd sinds", "Blokkade opheffen"}},
		{mgr, "en", []string{"Holds", "Release the hold"}, []string{"Due for destruction", "Change a period", "Changes"}},
	} {
		code, body := o.page(t, s, c.role, "/bewaren", c.l, nil)
		if code != 200 {
			t.Fatalf("/bewaren as %s = %d", c.role, code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("/bewaren as %s in %s: no %q", c.role, c.l, w)
			}
		}
		for _, w := range c.dontWant {
			if strings.Contains(body, w) {
				t.Errorf("/bewaren as %s in %s: %q", c.role, c.l, w)
			}
		}
	}
	for _, c := range []struct {
		l    string
		form url.Values
		want string
	}{
		{"nl", url.Values{"bevestigd": {"ja"}}, "Vink aan wat weg mag."},
		{"en", url.Values{"item": {"recording:" + o.annaRec}}, "what you ticked is gone for good."},
	} {
		code, body := o.page(t, s, po, "/bewaren/vernietigen", c.l, c.form)
		if code != 400 || !strings.Contains(body, c.want) {
			t.Errorf("destroy %v in %s = %d, want 400 with %q", c.form, c.l, code, c.want)
		}
	}
	code, body := o.page(t, s, po, "/bewaren/vernietigen", "nl", url.Values{"item": {"recording:" + o.annaRec, "agreements:" + o.request}, "bevestigd": {"ja"}})
	if code != 200 || !strings.Contains(body, "Vernietigd: 2.") || !strings.Contains(body, "Downloaden als CSV") {
		t.Errorf("destroy two = %d, want the page saying 2 destroyed, with the report", code)
	}
	// The privacy officer holds Anna from the page: nothing of hers is
	// due any more.
	if code, body := o.page(t, s, po, "/bewaren", "nl", nil); !strings.Contains(body, `<option value="`+o.anna+`">Cliënt Anna</option>`) {
		t.Errorf("/bewaren = %d, without Anna to hold", code)
	}
	if code, _ := o.page(t, s, po, "/bewaren/blokkades", "nl", url.Values{"client": {o.anna}, "reden": {"Een rechtszaak."}}); code != 200 {
		t.Errorf("hold from the retention page = %d", code)
	}
	var due []opname.DueItem
	if code := o.api(t, s, po, "GET", "/api/v1/retention/due", "", &due); code != 200 || len(due) != 0 {
		t.Errorf("due after holding Anna and Bart = %d, %v", code, dueKinds(due))
	}
	code, body = o.page(t, s, mgr, "/clienten/"+o.bart, "nl", nil)
	if code != 200 || !strings.Contains(body, "Alle gegevens van de cliënt: Een klacht van Bart.") || !strings.Contains(body, "De zorg loopt nog.") {
		t.Errorf("Bart's page = %d, without the hold", code)
	}
	code, body = o.page(t, s, mgr, "/clienten/"+o.anna, "en", nil)
	if code != 200 || !strings.Contains(body, "Care ended on 1 January 2005") {
		t.Errorf("Anna's page = %d, without the end of care", code)
	}
}

// TestRetentionJobPrunesAccessLog: the daily job keeps the access log as
// long as its rule says and no longer: past the period it deletes the
// records up to the head anchored before the cut-off, whether or not
// automatic destruction is on, and the chain still verifies from there.
func TestRetentionJobPrunesAccessLog(t *testing.T) {
	retentionDialects(t, func(t *testing.T, s *server, ahead *atomic.Int64) {
		o := newRetentionOrg(t, s)
		ctx := context.Background()
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if _, _, err := retentionRun(ctx, s.db, s.web.Vault, quiet); err != nil {
			t.Fatal(err)
		}
		if seq, _, err := s.db.AccessLogStart(ctx, o.org.ID); err != nil || seq != 0 {
			t.Fatalf("a young access log was pruned: start %d, %v", seq, err)
		}
		if _, err := s.db.Verify(ctx); err != nil { // anchors the head
			t.Fatal(err)
		}
		// Five years and a day on (the shipped rule keeps five years),
		// the old records go; what is written now stays.
		ahead.Store(int64(time.Until(time.Now().AddDate(5, 0, 1))))
		if err := s.db.Record(o.sys, opname.AccessEvent{Action: opname.AccessRead, ObjectType: "test", ObjectID: "new"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := retentionRun(ctx, s.db, s.web.Vault, quiet); err != nil {
			t.Fatal(err)
		}
		seq, _, err := s.db.AccessLogStart(ctx, o.org.ID)
		if err != nil || seq == 0 {
			t.Fatalf("the job did not prune the access log: start %d, %v", seq, err)
		}
		if _, err := s.db.Verify(ctx); err != nil {
			t.Errorf("verify after the job's prune: %v", err)
		}
		events, err := s.db.Search(opname.WithActor(ctx, opname.Actor{OrgID: o.org.ID, Role: opname.RolePrivacyOfficer, Name: "po"}), opname.AccessFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var kept, pruned bool
		for _, e := range events {
			kept = kept || e.ObjectType == "test" && e.ObjectID == "new"
			pruned = pruned || e.Action == opname.AccessDelete && e.ObjectType == "access_log"
			if e.Seq <= seq {
				t.Errorf("record %d is still there after the start %d", e.Seq, seq)
			}
		}
		if !kept || !pruned {
			t.Errorf("after the prune: the new record kept %v, the prune logged %v", kept, pruned)
		}
	})
}
