package sqldb_test

import (
	"encoding/base64"
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
