package sqldb

import (
	"strconv"

	"github.com/opname/opname"
)

// The access log's lists page by time and sequence number, newest first,
// with the cursor every list has (pages.go). The list's name in a cursor
// holds the organisation, and an overview's its client, so that a cursor
// of another list or organisation is refused rather than followed.

// The lists of the access log; an overview's name ends in its client.
const (
	cursorSearch   = "access"
	cursorOverview = "access-overview:"
)

// accessAfter is where a page of the access log ended.
type accessAfter struct {
	time, seq int64
}

// sealCursor is the cursor after a record of list, in organisation org.
func sealCursor(list, org string, time, seq int64) string {
	return cursor{List: list + "@" + org, Key: microKey(time), Tie: strconv.FormatInt(seq, 10)}.String()
}

// openCursor reads a cursor of list in organisation org; anything else is
// the error of a bad cursor, naming the cursor parameter.
func openCursor(s, list, org string) (accessAfter, error) {
	c, err := openListCursor(s, list+"@"+org)
	if err != nil {
		return accessAfter{}, err
	}
	t, err1 := strconv.ParseInt(c.Key, 10, 64)
	seq, err2 := strconv.ParseInt(c.Tie, 10, 64)
	if err1 != nil || err2 != nil || seq < 1 {
		return accessAfter{}, opname.BadCursor(s)
	}
	return accessAfter{time: t, seq: seq}, nil
}
