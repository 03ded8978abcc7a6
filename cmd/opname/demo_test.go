package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestSeedDemo makes the demo organisations, once, prints a sign-in link
// for each demo person, and gives the staff member a client with a
// conversation to open.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	ctx := context.Background()
	var out bytes.Buffer
	for range 2 {
		out.Reset()
		if err := seedDemo(ctx, &out, s.db, s.URL); err != nil {
			t.Fatal(err)
		}
	}
	for _, slug := range []string{"demo-ombudsman", "demo-maatschappelijke-opvang", "demo-veilig-thuis-utrecht", "demo-axiehuis", "demo-blijf-groep"} {
		if strings.Count(out.String(), slug+" ") != 4 || !strings.Contains(out.String(), "medewerker@"+slug+".example") {
			t.Errorf("demo links for %s:\n%s", slug, out.String())
		}
	}
	org, err := s.db.OrganisationBySlug(ctx, "demo-veilig-thuis-utrecht")
	if err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	users, err := s.db.Users(opname.WithActor(ctx, sys))
	if err != nil || len(users) != 4 {
		t.Fatalf("demo people: %d, %v (seeded twice must not double them)", len(users), err)
	}
	for _, u := range users {
		if u.Role != opname.RoleStaff {
			continue
		}
		staff := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, UserID: u.ID, Role: u.Role, Name: u.Name})
		convs, _, err := s.db.MyConversations(staff, opname.Page{})
		if err != nil || len(convs) != 1 {
			t.Fatalf("the demo staff member's conversations: %d, %v", len(convs), err)
		}
	}
}
