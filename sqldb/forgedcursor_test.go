package sqldb_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestForgedCursors sends cursors a caller made by hand: well-formed
// base64 JSON of the right list, with values no list ever made. Each is
// the caller's mistake (Invalid, naming the cursor) or a page, never an
// internal error; PostgreSQL refuses a NUL byte in text, SQLite does not.
func TestForgedCursors(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		manager, admin := as(w.a[opname.RoleManager]), as(w.a[opname.RoleAdmin])
		forged := func(json string) opname.Page {
			return opname.Page{Cursor: base64.RawURLEncoding.EncodeToString([]byte(json))}
		}
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"clients, NUL in the key", func() error {
				_, _, err := db.FindClients(manager, "", forged(`{"l":"clients","k":"a\u0000b","t":"x"}`))
				return err
			}},
			{"clients, NUL in the tie", func() error {
				_, _, err := db.FindClients(manager, "", forged(`{"l":"clients","k":"a","t":"\u0000"}`))
				return err
			}},
			{"users, NUL in the key", func() error {
				_, _, err := db.ListUsers(admin, forged(`{"l":"users","k":"\u0000","t":"x@y"}`))
				return err
			}},
			{"conversations, NUL in the tie", func() error {
				_, _, err := db.MyConversations(manager, forged(`{"l":"conversations","k":"1","t":"\u0000"}`))
				return err
			}},
		} {
			err := tc.call()
			if k := opname.KindOf(err); err != nil && k != opname.Invalid {
				t.Errorf("%s: %v (%s), want Invalid or a page", tc.name, err, k)
			}
		}
	})
}

// TestCursorsHoldNoNames pages the clients and the people by name and
// reads the cursors: they travel in addresses (the pages' next links,
// the API's Link header), and so into browser histories and the logs of
// proxies, which must not learn a client's name or a person's e-mail
// address. A cursor names its last row by id only.
func TestCursorsHoldNoNames(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		manager, admin := as(w.a[opname.RoleManager]), as(w.a[opname.RoleAdmin])
		for _, name := range []string{"Aafke Zichtbaar", "Abel Zichtbaar", "Ada Zichtbaar"} {
			if err := db.CreateClient(manager, &opname.Client{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		mustUser(t, db, w.orgA, "aa.geheim@org-a.nl", opname.RoleStaff)
		seen := map[string]bool{}
		for _, tc := range []struct {
			name string
			list lister
		}{
			{"clients", func(ctx context.Context, p opname.Page) ([]string, string, error) {
				cs, next, err := db.FindClients(manager, "", p)
				return ids(cs, next, err, func(c *opname.Client) string { return c.Name })
			}},
			{"users", func(ctx context.Context, p opname.Page) ([]string, string, error) {
				us, next, err := db.ListUsers(admin, p)
				return ids(us, next, err, func(u *opname.User) string { return u.Email })
			}},
		} {
			cursor, pages := "", 0
			for {
				shown, next, err := tc.list(context.Background(), opname.Page{Cursor: cursor, Limit: 1})
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				pages++
				if next == "" {
					break
				}
				b, _ := base64.RawURLEncoding.DecodeString(next)
				for _, v := range shown {
					seen[v] = true
					if strings.Contains(string(b), v) {
						t.Errorf("%s: the cursor %s holds %q", tc.name, b, v)
					}
				}
				cursor = next
			}
			if pages < 3 {
				t.Errorf("%s: %d pages of one, want at least 3", tc.name, pages)
			}
		}
		if !seen["Aafke Zichtbaar"] || !seen["aa.geheim@org-a.nl"] {
			t.Errorf("the pages did not show the new client and person: %v", seen)
		}
	})
}
