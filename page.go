package opname

// Page asks for one page of a list, in the list's own order: at most Limit
// items (0 is DefaultPageSize; more than MaxPageSize is Invalid), after
// the item Cursor names ("" is the first page). A list that has more
// after the page answers the cursor of the next page; "" when the page is
// the last. A cursor is opaque: it holds where the page ended and which
// list it belongs to, and nothing a caller may rely on. It names a place
// in a list, not the things in it: a cursor of another organisation, or
// of a search with other words, lists only what the caller may see.
type Page struct {
	Cursor string
	Limit  int
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Size is the number of items p asks for, or Invalid (field "limit").
func (p Page) Size() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultPageSize, nil
	case p.Limit < 0 || p.Limit > MaxPageSize:
		return 0, Invalidf("limit", "page.limit", "use a number from 1 to %d (got %v)", MaxPageSize, p.Limit)
	}
	return p.Limit, nil
}

// BadCursor is the error of a cursor that is not one of this list's.
func BadCursor(cursor string) *Error {
	return Invalidf("cursor", "page.cursor", "%q is not a cursor of this list; start again from the first page", cursor)
}
