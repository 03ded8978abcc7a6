package main

import (
	"context"
	"testing"

	"github.com/opname/opname"
)

// newOrg adds an organisation with a shipped policy to a test server and
// returns it with a system actor's context inside it.
func newOrg(t *testing.T, s *server, slug, policy string, requireTOTP bool) (*opname.Organisation, context.Context) {
	t.Helper()
	org := &opname.Organisation{Slug: slug, Name: "Organisatie " + slug, RequireTOTP: requireTOTP, Policy: opname.PolicyVersion{Name: policy, Shipped: policy, Digest: "sha256:1", Text: "x"}}
	if err := s.db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), org); err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	return org, opname.WithActor(context.Background(), sys)
}
