package sqldb

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opname/opname"
)

// Lists page by keyset: a page is the rows after the last one shown, in
// the list's order of two columns (a sort key and a unique tie-breaker),
// served by an index on the organisation and those columns (migration
// 0021). A cursor is the base64 of the list's name and the last row's
// two values; the list's name keeps one list's cursor out of another.
// The query still filters by the caller's organisation and what they may
// see, so a cursor carries no right to anything.

// cursor is where a page ended.
type cursor struct {
	List string `json:"l"`
	Key  string `json:"k"`
	Tie  string `json:"t"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// openListCursor reads s as a cursor of the list name; anything else is
// the error of a bad cursor, naming the cursor parameter.
func openListCursor(s, name string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.List != name || c.Tie == "" || !storable(c.Key) || !storable(c.Tie) {
		return cursor{}, opname.BadCursor(s)
	}
	return c, nil
}

// storable reports whether a cursor's value can be a query's argument: a
// cursor is made by hand as easily as by a list, and PostgreSQL refuses
// a NUL byte in text, which would otherwise be a server fault.
func storable(v string) bool { return utf8.ValidString(v) && !strings.ContainsRune(v, 0) }

// listing is one page of a list being read: what to add to its query.
type listing struct {
	name string
	// key and tie are the list's order, as columns of its query; desc
	// orders both newest (largest) first.
	key, tie string
	desc     bool
	// micro is true when key is a time in microseconds.
	micro bool
	size  int
	after *cursor
	// keyOf and tieOf, when set, are queries of one row's key and tie by
	// organisation and id (two arguments): the cursor then holds the last
	// row's id only (byID).
	keyOf, tieOf string
	org          string
}

// byID makes l's cursors name their last row by id only, its key (and
// its tie, when the tie is not the id) looked up by the query of the next
// page with keyOf (and tieOf), in organisation org. A list ordered by
// name would otherwise carry a client's name, or a person's e-mail
// address, in the addresses of its pages, and so into browser histories
// and the logs of proxies. A row gone since leaves the next page empty.
func (l *listing) byID(org, keyOf, tieOf string) *listing {
	l.org, l.keyOf, l.tieOf = org, keyOf, tieOf
	return l
}

// page parses p for the list name ordered by key and tie.
func page(p opname.Page, name, key, tie string, desc, micro bool) (*listing, error) {
	size, err := p.Size()
	if err != nil {
		return nil, err
	}
	l := &listing{name: name, key: key, tie: tie, desc: desc, micro: micro, size: size}
	if p.Cursor == "" {
		return l, nil
	}
	c, err := openListCursor(p.Cursor, name)
	if err != nil {
		return nil, err
	}
	if micro {
		if _, err := strconv.ParseInt(c.Key, 10, 64); err != nil {
			return nil, opname.BadCursor(p.Cursor)
		}
	}
	l.after = &c
	return l, nil
}

// query adds the page's condition, order and limit to query (which ends
// in its WHERE conditions) and args: one row more than the page, to know
// whether there is a next.
func (l *listing) query(query string, args []any) (string, []any) {
	cmp, dir := ">", ""
	if l.desc {
		cmp, dir = "<", " DESC"
	}
	switch {
	case l.after != nil && l.keyOf != "":
		key, tie := "("+l.keyOf+")", "?"
		args = append(args, l.org, l.after.Tie)
		if l.tieOf != "" {
			tie = "(" + l.tieOf + ")"
			args = append(args, l.org, l.after.Tie)
		} else {
			args = append(args, l.after.Tie)
		}
		query += fmt.Sprintf(` AND (%s, %s) %s (%s, %s)`, l.key, l.tie, cmp, key, tie)
	case l.after != nil:
		var key any = l.after.Key
		if l.micro {
			key, _ = strconv.ParseInt(l.after.Key, 10, 64)
		}
		query += fmt.Sprintf(` AND (%s, %s) %s (?, ?)`, l.key, l.tie, cmp)
		args = append(args, key, l.after.Tie)
	}
	return query + fmt.Sprintf(` ORDER BY %s%s, %s%s LIMIT %d`, l.key, dir, l.tie, dir, l.size+1), args
}

// cut trims rows read by the page's query to the page and returns the
// next page's cursor ("" on the last page); at gives a row's key and tie.
func cut[T any](l *listing, rows []T, at func(*T) (string, string)) ([]T, string) {
	if len(rows) <= l.size {
		return rows, ""
	}
	rows = rows[:l.size]
	key, tie := at(&rows[l.size-1])
	return rows, cursor{List: l.name, Key: key, Tie: tie}.String()
}

// visiblePage reads the page l asks for when the caller may see only some
// of the rows its query finds (a link holder sees the conversations they
// take part in): read runs the query for a listing, sees says whether the
// caller may see a row. It reads on past rows the caller may not see until
// the page is full and one more row they may see shows there is a next,
// and makes the next page's cursor of the last row shown. A cursor made
// of a row read but not shown would give its time and id to a caller who
// may not see it, and a page that ends in such rows would promise a next
// page with nothing on it.
func visiblePage[T any](l *listing, read func(*listing) ([]T, error), sees func(*T) bool, at func(*T) (string, string)) ([]T, string, error) {
	var out []T
	scan := *l
	for {
		rows, err := read(&scan)
		if err != nil {
			return nil, "", err
		}
		more := len(rows) > scan.size
		if more {
			rows = rows[:scan.size]
		}
		for i := range rows {
			if sees(&rows[i]) {
				out = append(out, rows[i])
			}
		}
		if len(out) > l.size || !more {
			break
		}
		key, tie := at(&rows[len(rows)-1])
		scan.after = &cursor{List: l.name, Key: key, Tie: tie}
		// Rows the caller may not see are read in larger steps.
		scan.size = max(scan.size, 100)
	}
	out, next := cut(l, out, at)
	return out, next, nil
}

// microKey is a time key of a cursor.
func microKey(us int64) string { return strconv.FormatInt(us, 10) }
