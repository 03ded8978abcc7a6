package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestHolderSeesOnlyTheirLog: "who looked" through a parent's link shows
// who looked at what the parent may see — their conversation, its
// requests and recordings, their own acts — and nothing about the
// client's other conversations and recordings. The client's own link
// sees every record.
func TestHolderSeesOnlyTheirLog(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		add := func(parties ...string) (string, string) {
			ps := []opname.Participant{{Role: "staff"}}
			for _, p := range parties {
				ps = append(ps, opname.Participant{Role: p})
			}
			conv := &opname.Conversation{ClientID: w.assigned.ID, Location: "office", Participants: ps}
			if err := db.AddConversation(staff, conv); err != nil {
				t.Fatal(err)
			}
			rec := opname.Recording{ClientID: w.assigned.ID, ConversationID: conv.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ab", 32), Size: 1}
			if err := db.AddRecording(staff, &rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob-" + conv.ID, PayloadSize: 1}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Recording(staff, rec.ID); err != nil { // a read, logged
				t.Fatal(err)
			}
			return conv.ID, rec.ID
		}
		theirConv, theirRec := add("client", "parent")
		otherConv, otherRec := add("client")
		holder := func(party string) context.Context {
			l := &opname.ClientLink{ClientID: w.assigned.ID, Party: party}
			code, err := db.CreateLink(staff, l)
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := db.OpenLink(fromAddr("192.0.2.42"), code)
			if err != nil {
				t.Fatal(err)
			}
			a, _, err := db.AuthenticateLink(context.Background(), secret)
			if err != nil {
				t.Fatal(err)
			}
			return as(a)
		}
		seen := func(ctx context.Context) map[string]bool {
			page, err := db.ClientOverviewPage(ctx, w.assigned.ID, "", 500)
			if err != nil {
				t.Fatal(err)
			}
			objects := map[string]bool{}
			for _, e := range page.Events {
				objects[e.ObjectID] = true
			}
			return objects
		}
		parent := seen(holder("parent"))
		for _, id := range []string{theirConv, theirRec} {
			if !parent[id] {
				t.Errorf("the parent does not see who looked at %s, in their conversation", id)
			}
		}
		for _, id := range []string{otherConv, otherRec} {
			if parent[id] {
				t.Errorf("the parent sees who looked at %s, in a conversation without them", id)
			}
		}
		client := seen(holder("client"))
		for _, id := range []string{theirConv, theirRec, otherConv, otherRec} {
			if !client[id] {
				t.Errorf("the client does not see who looked at %s", id)
			}
		}
	})
}
