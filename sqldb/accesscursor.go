package sqldb

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/opname/opname"
)

// A cursor says where the next page of an access-log list starts: the
// time and sequence number of the last record shown. It names the list
// it belongs to and the organisation, so that a cursor of another list
// or organisation is refused rather than followed. Callers treat it as
// opaque; nothing secret is in it.

// The lists a cursor can belong to; an overview's names its client.
const (
	cursorSearch   = "s"
	cursorOverview = "c:"
)

type cursor struct {
	time, seq int64
}

// sealCursor is the cursor after a record of list, in organisation org.
func sealCursor(list, org string, time, seq int64) string {
	raw := strings.Join([]string{"1", list, org, strconv.FormatInt(time, 10), strconv.FormatInt(seq, 10)}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// openCursor reads a cursor of list in organisation org; anything else is
// Invalid, naming the cursor parameter.
func openCursor(s, list, org string) (cursor, error) {
	bad := func() (cursor, error) {
		shown := s
		if len(shown) > 40 {
			shown = shown[:40] + "…"
		}
		return cursor{}, opname.Invalidf("cursor", "accesslog.cursor", "%q is not a cursor of this list; start again from the first page", shown)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad()
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 5 || parts[0] != "1" || parts[1] != list || parts[2] != org {
		return bad()
	}
	t, err1 := strconv.ParseInt(parts[3], 10, 64)
	seq, err2 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil || seq < 1 {
		return bad()
	}
	return cursor{time: t, seq: seq}, nil
}
