package sqldb_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestHolderPagesHideOthers pages a client's conversations and recordings
// as a parent holding a link, who sees only the conversation they take
// part in (and its recording). Newer conversations of the client's
// without the parent come first in the list's order: no page and no cursor
// may show them, not even their time and id in the cursor, and no page may
// promise a next page that holds nothing the parent may see.
func TestHolderPagesHideOthers(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		tick := 0
		db.Now = func() time.Time {
			tick++
			return start.Add(time.Duration(tick) * time.Second)
		}
		var hidden []string
		add := func(parties ...string) (string, string) {
			return conversationWithRecording(t, db, staff, w.assigned.ID, parties...)
		}
		// The parent's conversation is the oldest; three newer ones are
		// the client's alone.
		visibleConv, visibleRec := add("client", "parent")
		for range 3 {
			c, r := add("client")
			hidden = append(hidden, c, r)
		}
		parent := linkHolder(t, db, staff, w.assigned.ID, "parent", "192.0.2.41")

		for _, tc := range []struct {
			name string
			list lister
			want string
		}{
			{"conversations", func(ctx context.Context, p opname.Page) ([]string, string, error) {
				cs, next, err := db.ClientConversationsPage(ctx, w.assigned.ID, p)
				return ids(cs, next, err, func(c *opname.Conversation) string { return c.ID })
			}, visibleConv},
			{"recordings", func(ctx context.Context, p opname.Page) ([]string, string, error) {
				rs, next, err := db.ClientRecordingsPage(ctx, w.assigned.ID, p)
				return ids(rs, next, err, func(r *opname.Recording) string { return r.ID })
			}, visibleRec},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, limit := range []int{1, 2} {
					var got []string
					cursor := ""
					for pages := 0; ; pages++ {
						if pages > 10 {
							t.Fatalf("limit %d: more than 10 pages", limit)
						}
						page, next, err := tc.list(parent, opname.Page{Cursor: cursor, Limit: limit})
						if err != nil {
							t.Fatalf("limit %d, cursor %q: %v", limit, cursor, err)
						}
						if next != "" && len(page) == 0 {
							t.Errorf("limit %d: an empty page with a next page", limit)
						}
						if b, err := base64.RawURLEncoding.DecodeString(next); err != nil {
							t.Errorf("cursor %q: %v", next, err)
						} else {
							for _, id := range hidden {
								if strings.Contains(string(b), id) {
									t.Errorf("limit %d: the cursor %s names %s, which the parent may not see", limit, b, id)
								}
							}
						}
						got = append(got, page...)
						if next == "" {
							break
						}
						cursor = next
					}
					if fmt.Sprint(got) != fmt.Sprint([]string{tc.want}) {
						t.Errorf("limit %d: the parent's pages hold %v, want %v", limit, got, []string{tc.want})
					}
				}
			})
		}
	})
}

// TestFixityProblemsShowNoClientData lists a recording whose integrity
// check failed as the privacy officer: the list is not logged, as it
// shows no client data, so it must not carry the edit statement (what was
// cut, why, who was told) or the conversation it was made in.
func TestFixityProblemsShowNoClientData(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		manager, po := as(w.a[opname.RoleManager]), as(w.a[opname.RolePrivacyOfficer])
		conv := &opname.Conversation{ClientID: w.other.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
		if err := db.AddConversation(manager, conv); err != nil {
			t.Fatal(err)
		}
		orig := opname.Recording{ClientID: w.other.ID, ConversationID: conv.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("cd", 32), Size: 1}
		if err := db.AddRecording(manager, &orig, opname.Sealed{Header: []byte{1}, BlobKey: "blob-orig", PayloadSize: 1}); err != nil {
			t.Fatal(err)
		}
		edit := opname.Recording{ClientID: w.other.ID, DerivedFrom: orig.ID, Edit: &opname.EditStatement{Changed: "de naam van de buurman weggeknipt", Reason: "privacy van de buurman", Told: "moeder"},
			Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ef", 32), Size: 1}
		if err := db.AddRecording(manager, &edit, opname.Sealed{Header: []byte{1}, BlobKey: "blob-edit", PayloadSize: 1}); err != nil {
			t.Fatal(err)
		}
		sys := opname.System("test")
		sys.OrgID = w.orgA.ID
		for _, id := range []string{orig.ID, edit.ID} {
			if err := db.SetFixity(opname.WithActor(context.Background(), sys), id, opname.FixityCheck{CheckedAt: db.Now(), Problem: "sha256 differs"}); err != nil {
				t.Fatal(err)
			}
		}
		rs, _, err := db.FixityProblems(po, opname.Page{})
		if err != nil || len(rs) != 2 {
			t.Fatalf("fixity problems = %d, %v", len(rs), err)
		}
		for _, r := range rs {
			if r.Edit != nil || r.ConversationID != "" || r.DerivedFrom != "" || r.Fixity == nil || r.SHA256 == "" {
				t.Errorf("the privacy officer's list shows %+v (edit %+v)", r, r.Edit)
			}
		}
	})
}
