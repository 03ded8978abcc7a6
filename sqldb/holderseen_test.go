package sqldb_test

import (
	"context"
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
			conv, rec := conversationWithRecording(t, db, staff, w.assigned.ID, parties...)
			if _, _, err := db.Recording(staff, rec); err != nil { // a read, logged
				t.Fatal(err)
			}
			return conv, rec
		}
		theirConv, theirRec := add("client", "parent")
		otherConv, otherRec := add("client")
		holder := func(party string) context.Context {
			return linkHolder(t, db, staff, w.assigned.ID, party, "192.0.2.42")
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
