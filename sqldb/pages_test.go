package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// lister lists one page of one list; it returns the ids on the page and
// the next page's cursor.
type lister func(ctx context.Context, p opname.Page) ([]string, string, error)

func ids[T any](items []T, next string, err error, id func(*T) string) ([]string, string, error) {
	out := make([]string, len(items))
	for i := range items {
		out[i] = id(&items[i])
	}
	return out, next, err
}

// TestListPages walks every paged list two at a time and finds each item
// exactly once; items share their times, so the
// tie-breaker is what pages them. Each page is one access-log record.
// A garbage cursor, another list's cursor and too large a page are
// Invalid; another organisation's cursor lists nothing of theirs.
func TestListPages(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		tick := 0
		db.Now = func() time.Time {
			// The clock moves on every 40 calls: items of one kind
			// share their time with others.
			tick++
			return start.Add(time.Duration(tick/40) * time.Minute)
		}
		manager, po, admin := as(w.a[opname.RoleManager]), as(w.a[opname.RolePrivacyOfficer]), as(w.a[opname.RoleAdmin])
		const n = 7
		client := w.other
		want := map[string][]string{}
		for i := range n {
			c := &opname.Client{Name: fmt.Sprintf("Paged %d", i%3)} // names repeat: the id breaks ties
			if err := db.CreateClient(manager, c); err != nil {
				t.Fatal(err)
			}
			want["clients"] = append(want["clients"], c.ID)
			u := mustUser(t, db, w.orgA, fmt.Sprintf("paged%d@org-a.nl", i), opname.RoleStaff)
			want["users"] = append(want["users"], u.UserID)
			conv := &opname.Conversation{ClientID: client.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
			if err := db.AddConversation(manager, conv); err != nil {
				t.Fatal(err)
			}
			want["conversations"] = append(want["conversations"], conv.ID)
			r := &opname.Request{ConversationID: conv.ID, Act: opname.Act{Action: "record", Medium: "video", By: "organisation"}, Manager: &opname.ManagerDecision{}}
			if err := db.AddRequest(manager, r, json.RawMessage(`{}`), json.RawMessage(`{"outcome": "needs_decision"}`), strings.Repeat("0", 64)); err != nil {
				t.Fatal(err)
			}
			want["inbox"] = append(want["inbox"], r.ID)
			inc := &opname.Incident{ClientID: client.ID, Kind: "covert_recording", Ladder: []string{"ask_to_stop"}}
			if err := db.AddIncident(manager, inc); err != nil {
				t.Fatal(err)
			}
			want["incidents"] = append(want["incidents"], inc.ID)
			rec := opname.Recording{ClientID: client.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ab", 32), Size: 1}
			if err := db.AddRecording(manager, &rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob" + rec.SHA256[:4] + fmt.Sprint(i), PayloadSize: 1}); err != nil {
				t.Fatal(err)
			}
			want["recordings"] = append(want["recordings"], rec.ID)
			sys := opname.System("test")
			sys.OrgID = w.orgA.ID
			if err := db.SetFixity(opname.WithActor(context.Background(), sys), rec.ID, opname.FixityCheck{CheckedAt: db.Now(), Problem: "sha256 differs"}); err != nil {
				t.Fatal(err)
			}
			want["fixity problems"] = append(want["fixity problems"], rec.ID)
			_, tok, err := db.CreateToken(admin, w.a[opname.RoleAdmin].UserID, fmt.Sprintf("paged %d", i))
			if err != nil {
				t.Fatal(err)
			}
			want["tokens"] = append(want["tokens"], tok.ID)
		}
		// Another organisation's things, which no page of org A's shows.
		bm := as(w.b[opname.RoleManager])
		var theirs []string
		for i := range 3 {
			c := &opname.Client{Name: fmt.Sprintf("Paged %d", i)}
			if err := db.CreateClient(bm, c); err != nil {
				t.Fatal(err)
			}
			theirs = append(theirs, c.ID)
		}

		lists := map[string]struct {
			ctx  context.Context
			list lister
		}{
			"clients": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				cs, next, err := db.FindClients(ctx, "paged", p)
				return ids(cs, next, err, func(c *opname.Client) string { return c.ID })
			}},
			"users": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				us, next, err := db.ListUsers(ctx, p)
				us = slices.DeleteFunc(us, func(u opname.User) bool { return !strings.HasPrefix(u.Email, "paged") })
				return ids(us, next, err, func(u *opname.User) string { return u.ID })
			}},
			"conversations": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				cs, next, err := db.MyConversations(ctx, p)
				return ids(cs, next, err, func(c *opname.Conversation) string { return c.ID })
			}},
			"client conversations": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				cs, next, err := db.ClientConversationsPage(ctx, client.ID, p)
				return ids(cs, next, err, func(c *opname.Conversation) string { return c.ID })
			}},
			"inbox": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				rs, next, err := db.Inbox(ctx, p)
				return ids(rs, next, err, func(r *opname.Request) string { return r.ID })
			}},
			"incidents": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				is, next, err := db.OpenIncidents(ctx, p)
				return ids(is, next, err, func(i *opname.Incident) string { return i.ID })
			}},
			"client incidents": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				is, next, err := db.ClientIncidents(ctx, client.ID, p)
				return ids(is, next, err, func(i *opname.Incident) string { return i.ID })
			}},
			"recordings": {manager, func(ctx context.Context, p opname.Page) ([]string, string, error) {
				rs, next, err := db.ClientRecordingsPage(ctx, client.ID, p)
				return ids(rs, next, err, func(r *opname.Recording) string { return r.ID })
			}},
		}
		lists["tokens"] = struct {
			ctx  context.Context
			list lister
		}{admin, func(ctx context.Context, p opname.Page) ([]string, string, error) {
			ts, next, err := db.Tokens(ctx, p)
			return ids(ts, next, err, func(t *opname.Token) string { return t.ID })
		}}
		lists["fixity problems"] = struct {
			ctx  context.Context
			list lister
		}{po, func(ctx context.Context, p opname.Page) ([]string, string, error) {
			rs, next, err := db.FixityProblems(ctx, p)
			return ids(rs, next, err, func(r *opname.Recording) string { return r.ID })
		}}
		// Lists that show no client data are not logged.
		unlogged := map[string]bool{"users": true, "tokens": true, "fixity problems": true}
		wanted := map[string]string{"client conversations": "conversations", "client incidents": "incidents"}
		reads := func() int {
			events, err := db.Search(po, opname.AccessFilter{UserID: w.a[opname.RoleManager].UserID, Action: opname.AccessRead, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return len(events)
		}
		for name, l := range lists {
			t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
				key := name
				if k, ok := wanted[name]; ok {
					key = k
				}
				var got []string
				cursor, pages := "", 0
				for {
					before := reads()
					page, next, err := l.list(l.ctx, opname.Page{Cursor: cursor, Limit: 2})
					if err != nil {
						t.Fatalf("page %d: %v", pages+1, err)
					}
					if after := reads(); !unlogged[name] && after != before+1 {
						t.Errorf("page %d is %d access-log records, want 1", pages+1, after-before)
					}
					got = append(got, page...)
					pages++
					if next == "" {
						break
					}
					if pages > n {
						t.Fatalf("more than %d pages", n)
					}
					cursor = next
				}
				if name != "users" && pages != (n+1)/2 {
					t.Errorf("%d pages of 2 for %d items, want %d", pages, n, (n+1)/2)
				}
				sorted, wantSorted := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want[key]))
				if !slices.Equal(sorted, wantSorted) {
					t.Errorf("the pages hold %v, want each of %v once", got, want[key])
				}

				// Garbage, another list's cursor, a page too large.
				for _, bad := range []string{"garbage", "eyJsIjoibm9uZSJ9", "%%%", foreign(name)} {
					_, _, err := l.list(l.ctx, opname.Page{Cursor: bad, Limit: 2})
					var e *opname.Error
					if opname.KindOf(err) != opname.Invalid || !asError(err, &e) || e.Field != "cursor" || !strings.Contains(e.Msg, bad) {
						t.Errorf("cursor %q: %v, want Invalid naming the cursor", bad, err)
					}
				}
				for _, limit := range []int{opname.MaxPageSize + 1, -1} {
					if _, _, err := l.list(l.ctx, opname.Page{Limit: limit}); opname.KindOf(err) != opname.Invalid {
						t.Errorf("limit %d: %v, want Invalid", limit, err)
					}
				}
				if page, _, err := l.list(l.ctx, opname.Page{Limit: opname.MaxPageSize}); err != nil || len(page) != n {
					t.Errorf("a page of the most: %d items (%v), want %d", len(page), err, n)
				}
			})
		}

		// The requests of a page of conversations: one record; a
		// conversation the caller may not see is not found.
		before := reads()
		byConv, err := db.RequestsOf(manager, want["conversations"])
		if err != nil || len(byConv) != n || reads() != before+1 {
			t.Errorf("RequestsOf: %d conversations, %d records (%v), want %d and 1", len(byConv), reads()-before, err, n)
		}
		for _, c := range want["conversations"] {
			if len(byConv[c]) != 1 {
				t.Errorf("conversation %s has %d requests, want 1", c, len(byConv[c]))
			}
		}
		if _, err := db.RequestsOf(bm, want["conversations"][:1]); opname.KindOf(err) != opname.NotFound {
			t.Errorf("another organisation's RequestsOf: %v, want NotFound", err)
		}
		if _, err := db.RequestsOf(as(w.a[opname.RoleStaff]), want["conversations"][:1]); opname.KindOf(err) != opname.NotFound {
			t.Errorf("an unassigned staff member's RequestsOf: %v, want NotFound", err)
		}

		// Org B's cursor in org A lists org A's clients after that place,
		// and nothing of org B's.
		_, next, err := db.FindClients(bm, "paged", opname.Page{Limit: 1})
		if err != nil || next == "" {
			t.Fatalf("org B's first page: next %q, %v", next, err)
		}
		page, _, err := db.FindClients(manager, "paged", opname.Page{Cursor: next, Limit: opname.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			if c.OrgID != w.orgA.ID || slices.Contains(theirs, c.ID) {
				t.Errorf("org B's cursor shows org A %+v", c)
			}
		}
		if page, _, err := db.FindClients(bm, "", opname.Page{Cursor: next}); err != nil || slices.ContainsFunc(page, func(c opname.Client) bool { return c.OrgID != w.orgB.ID }) {
			t.Errorf("org B's own next page: %v, %v", page, err)
		}
	})
}

// foreign is a well-formed cursor of a list other than name's.
func foreign(name string) string {
	// {"l":"other","k":"1","t":"x"}
	if name == "clients" {
		return "eyJsIjoidXNlcnMiLCJrIjoiMSIsInQiOiJ4In0"
	}
	return "eyJsIjoiY2xpZW50cyIsImsiOiIxIiwidCI6IngifQ"
}

func asError(err error, e **opname.Error) bool { return errors.As(err, e) }
