package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/sqldb"
)

// demoPeople are the people of every demo organisation.
var demoPeople = []struct {
	local, name string
	role        opname.Role
}{
	{"medewerker", "Sanne de Medewerker", opname.RoleStaff},
	{"manager", "Milan de Manager", opname.RoleManager},
	{"beheerder", "Bo de Beheerder", opname.RoleAdmin},
	{"privacy", "Priya de Privacyfunctionaris", opname.RolePrivacyOfficer},
}

// seedDemo makes a demo organisation for every shipped policy, once, and
// prints a fresh one-time sign-in code for every demo person who has not
// chosen a password yet.
func seedDemo(ctx context.Context, w io.Writer, db *sqldb.DB, baseURL string) error {
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	printed := false
	for _, name := range lib.Names() {
		slug := "demo-" + name
		org, err := db.OrganisationBySlug(ctx, slug)
		if opname.KindOf(err) == opname.NotFound {
			org, err = createDemo(ctx, db, lib, slug, name)
		}
		if err != nil {
			return err
		}
		a := opname.System("demo")
		a.OrgID = org.ID
		octx := opname.WithActor(ctx, a)
		users, err := db.Users(octx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.HasPassword {
				continue
			}
			secret, _, err := db.CreateOneTime(octx, u.ID, oneTimeTTL)
			if err != nil {
				return err
			}
			if !printed {
				fmt.Fprintf(w, "\nDemo accounts: open the link, choose a password, and you are signed in.\n\n")
				fmt.Fprintln(tw, "organisation\trole\te-mail\tsign-in link")
				printed = true
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s/welkom?code=%s\n", slug, u.Role, u.Email, baseURL, secret)
		}
	}
	if !printed {
		fmt.Fprintf(w, "Demo accounts have their passwords; sign in at %s/aanmelden\n", baseURL)
	}
	return tw.Flush()
}

func createDemo(ctx context.Context, db *sqldb.DB, lib *policy.Library, slug, policyName string) (*opname.Organisation, error) {
	p, err := lib.Policy(policyName)
	if err != nil {
		return nil, err
	}
	pv, err := opname.NewPolicyVersion(lib, policyName, nil)
	if err != nil {
		return nil, err
	}
	org := &opname.Organisation{Slug: slug, Name: "Demo " + p.Title.NL, Policy: *pv}
	if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("demo")), org); err != nil {
		return nil, err
	}
	a := opname.System("demo")
	a.OrgID = org.ID
	octx := opname.WithActor(ctx, a)
	// The texts of its public page that are the organisation's own.
	texts := &opname.PublicTexts{
		IntroNL:   "Welkom. Bij ons mag u gesprekken opnemen. Op deze pagina staan de afspraken die daarbij horen.",
		IntroEN:   "Welcome. You may record conversations with us. This page has the agreements that go with it.",
		ContactNL: "Dit is een demo-organisatie. Er is niemand te bereiken.",
		ContactEN: "This is a demo organisation. There is no one to contact.",
	}
	if err := db.SetPublicTexts(octx, texts); err != nil {
		return nil, err
	}
	var staffID string
	for _, d := range demoPeople {
		u := &opname.User{Email: d.local + "@" + slug + ".example", Name: d.name, Role: d.role}
		if err := db.CreateUser(octx, u); err != nil {
			return nil, err
		}
		if d.role == opname.RoleStaff {
			staffID = u.ID
		}
	}
	for i, c := range []opname.Client{{Name: "Anna de Vries", DossierRef: "D-1001"}, {Name: "Bram Jansen", DossierRef: "D-1002"}} {
		if err := db.CreateClient(octx, &c); err != nil {
			return nil, err
		}
		if i == 0 {
			if err := db.Assign(octx, c.ID, staffID); err != nil {
				return nil, err
			}
			// A home visit planned for tomorrow, so that "my work" has
			// something to open.
			conv := &opname.Conversation{ClientID: c.ID, At: time.Now().Add(24 * time.Hour).Truncate(time.Hour), Location: "home_visit", Topic: "Kennismaking en afspraken",
				Participants: []opname.Participant{{Role: "client", Name: c.Name}, {Role: "staff", Name: "Sanne de Medewerker", UserID: staffID}}}
			if err := db.AddConversation(octx, conv); err != nil {
				return nil, err
			}
			// A request to correct the file, recorded by the staff
			// member for the client, so that the privacy officer has
			// one to decide.
			sctx := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, UserID: staffID, Role: opname.RoleStaff, Name: "Sanne de Medewerker"})
			if err := db.AddDataRequest(sctx, &opname.DataRequest{ClientID: c.ID, Kind: opname.DataCorrection, What: "Het verslag van de kennismaking",
				Ask: "Mijn adres klopt niet. Het is Dorpsstraat 1."}); err != nil {
				return nil, err
			}
		}
	}
	return org, nil
}
