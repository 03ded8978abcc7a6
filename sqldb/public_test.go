package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestPublicTextsProfile: anyone reads an organisation's public profile by
// its slug, without an actor: its policy now and before with the reason of
// each change, its own texts and its complaints procedure, and nothing of
// its clients or of who changed what. Reading it writes no access record;
// an unknown slug is not found.
func TestPublicTextsProfile(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		anyone := context.Background()
		admin := as(w.a[opname.RoleAdmin])
		p, err := db.PublicProfile(anyone, "org-a")
		if err != nil {
			t.Fatal(err)
		}
		if p.Slug != "org-a" || p.Name != w.orgA.Name || p.TimeZone != opname.DefaultTimeZone || p.Policy.Version != 1 || len(p.History) != 1 || p.Texts.Version != 0 || p.Complaints != (opname.LinkSettings{}) {
			t.Errorf("first profile = %+v", p)
		}
		wantKind(t, func() error { _, err := db.PublicProfile(anyone, "no-such-org"); return err }(), opname.NotFound)

		if err := db.SetPolicy(admin, &opname.PolicyVersion{Name: "blijf-groep", Digest: "sha256:bg", Shipped: "blijf-groep", Text: "name: blijf-groep", Reason: "Wij worden een vrouwenopvang."}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetLinkSettings(admin, &opname.LinkSettings{LinkDays: 30, ComplaintsNL: "Bel ons.", ComplaintsURL: "https://www.org-a.nl/klachten"}); err != nil {
			t.Fatal(err)
		}
		texts := &opname.PublicTexts{IntroNL: "Welkom.", ContactEN: "Call us."}
		if err := db.SetPublicTexts(admin, texts); err != nil {
			t.Fatal(err)
		}

		privacy := as(w.a[opname.RolePrivacyOfficer])
		before, err := db.Search(privacy, opname.AccessFilter{})
		if err != nil {
			t.Fatal(err)
		}
		p, err = db.PublicProfile(anyone, "org-a")
		if err != nil {
			t.Fatal(err)
		}
		after, err := db.Search(privacy, opname.AccessFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before)+1 || after[0].ObjectType != "access_log" {
			t.Errorf("reading the profile wrote access records: %d before, %d after (newest %+v)", len(before), len(after), after[0])
		}
		if p.Policy.Version != 2 || p.Policy.Digest != "sha256:bg" || p.Policy.Reason != "Wij worden een vrouwenopvang." || p.Policy.Previous != "sha256:00" {
			t.Errorf("policy = %+v, want version 2 with its reason", p.Policy)
		}
		if len(p.History) != 2 || p.History[0].Version != 2 || p.History[1].Version != 1 || p.History[0].Text == "" {
			t.Errorf("history = %+v, want versions 2 and 1 with their texts", p.History)
		}
		if p.Texts.IntroNL != "Welkom." || p.Texts.ContactEN != "Call us." || p.Texts.Version != 1 || p.Texts.ChangedAt.IsZero() {
			t.Errorf("texts = %+v", p.Texts)
		}
		want := opname.LinkSettings{ComplaintsNL: "Bel ons.", ComplaintsURL: "https://www.org-a.nl/klachten"}
		if p.Complaints != want {
			t.Errorf("complaints = %+v, want only the procedure %+v", p.Complaints, want)
		}
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{w.assigned.Name, w.other.Name, w.assigned.DossierRef, w.assigned.ID, w.a[opname.RoleAdmin].UserID, w.a[opname.RoleAdmin].Name, "@org-a.nl", w.clientB.Name} {
			if strings.Contains(string(data), secret) {
				t.Errorf("the public profile holds %q: %s", secret, data)
			}
		}

		// Another organisation's profile is its own.
		b, err := db.PublicProfile(anyone, "org-b")
		if err != nil {
			t.Fatal(err)
		}
		if b.Name != w.orgB.Name || b.Policy.Version != 1 || b.Texts.Version != 0 || b.Complaints.ComplaintsNL != "" {
			t.Errorf("org-b's profile = %+v, want none of org-a's", b)
		}
	})
}

// TestSetPublicTexts: the administrator's texts are stored and in the
// access log, naming the texts that changed; the same texts sent again
// change nothing; texts written on a version that changed meanwhile are
// refused; bad input names its field and changes nothing; only an
// administrator writes them, and only their own organisation's.
func TestSetPublicTexts(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		admin := as(w.a[opname.RoleAdmin])
		want := opname.PublicTexts{IntroNL: "  Bij ons mag u opnemen.\n", IntroEN: "You may record with us.", ContactNL: "Bel 030 123 45 67.", ContactEN: "Call 030 123 45 67."}
		texts := want
		if err := db.SetPublicTexts(admin, &texts); err != nil {
			t.Fatal(err)
		}
		if texts.Version != 1 || texts.IntroNL != "Bij ons mag u opnemen." || texts.ChangedBy != w.a[opname.RoleAdmin].UserID || texts.ChangedAt.IsZero() {
			t.Errorf("stored = %+v", texts)
		}
		logged := func() []opname.AccessEvent { return updates(t, db, w, "public_texts") }
		events := logged()
		if len(events) != 1 || events[0].UserID != w.a[opname.RoleAdmin].UserID || events[0].Purpose != "changed: intro_nl, intro_en, contact_nl, contact_en" {
			t.Fatalf("logged = %+v, want one change by the admin naming the texts", events)
		}

		again := want
		if err := db.SetPublicTexts(admin, &again); err != nil || again.Version != 1 {
			t.Errorf("the same texts again = %+v, %v; want version 1", again, err)
		}
		if n := len(logged()); n != 1 {
			t.Errorf("the same texts again logged %d changes, want 1", n)
		}
		stale := want
		stale.ContactEN = "Mail us."
		wantKind(t, db.SetPublicTexts(admin, &stale), opname.Conflict)
		stale.Version = 1
		if err := db.SetPublicTexts(admin, &stale); err != nil || stale.Version != 2 {
			t.Errorf("change on version 1 = %+v, %v", stale, err)
		}
		if events := logged(); len(events) != 2 || events[0].Purpose != "changed: contact_en" {
			t.Errorf("logged = %+v, want the second change naming contact_en", events)
		}

		for _, c := range []struct {
			field, code string
			edit        func(*opname.PublicTexts)
		}{
			{"intro_nl", "text.too_long", func(p *opname.PublicTexts) { p.IntroNL = strings.Repeat("é", opname.MaxPublicText+1) }},
			{"intro_en", "text.control", func(p *opname.PublicTexts) { p.IntroEN = "a\x07b" }},
			{"contact_nl", "text.utf8", func(p *opname.PublicTexts) { p.ContactNL = "a\xffb" }},
			{"contact_en", "text.control", func(p *opname.PublicTexts) { p.ContactEN = "a\x00b" }},
		} {
			bad := stale
			c.edit(&bad)
			err := db.SetPublicTexts(admin, &bad)
			var e *opname.Error
			if !errors.As(err, &e) || e.Kind != opname.Invalid || e.Field != c.field || e.Code != c.code {
				t.Errorf("%s: error = %v, want Invalid %s naming %s", c.field, err, c.code, c.field)
			}
		}
		p, err := db.PublicProfile(context.Background(), "org-a")
		if err != nil {
			t.Fatal(err)
		}
		if !p.Texts.SameTexts(stale) || p.Texts.Version != 2 {
			t.Errorf("after refused changes = %+v; want version 2 unchanged", p.Texts)
		}

		for _, role := range []opname.Role{opname.RoleStaff, opname.RoleManager, opname.RolePrivacyOfficer} {
			wantKind(t, db.SetPublicTexts(as(w.a[role]), &opname.PublicTexts{IntroNL: "x", Version: 2}), opname.Forbidden)
		}
		wantKind(t, db.SetPublicTexts(context.Background(), &opname.PublicTexts{IntroNL: "x"}), opname.Unauthorized)
		mine := opname.PublicTexts{IntroNL: "Van org-b."}
		if err := db.SetPublicTexts(as(w.b[opname.RoleAdmin]), &mine); err != nil || mine.Version != 1 {
			t.Fatalf("org-b's first texts = %+v, %v", mine, err)
		}
		if p, err := db.PublicProfile(context.Background(), "org-a"); err != nil || !p.Texts.SameTexts(stale) || p.Texts.Version != 2 {
			t.Errorf("org-a after org-b's change = %+v, %v", p, err)
		}
		if p, err := db.PublicProfile(context.Background(), "org-b"); err != nil || p.Texts.IntroNL != "Van org-b." {
			t.Errorf("org-b = %+v, %v", p, err)
		}
	})
}
