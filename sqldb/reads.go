package sqldb

import (
	"context"
	"fmt"
	"net/url"

	"github.com/opname/opname"
)

// Reads of client data log themselves here, in the store, so no caller can
// forget: a method that returns client data records the read before it
// returns it. A list is one record (what was listed, how many), not one
// per row. Reads made for an act that is logged as that act
// (opname.ForAct) are not logged twice.

// logRead records that the caller read one object of a client's.
func (db *DB) logRead(ctx context.Context, clientID, objectType, objectID string) error {
	if opname.IsForAct(ctx) {
		return nil
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessRead, ClientID: clientID, ObjectType: objectType, ObjectID: objectID, Purpose: opname.PurposeFrom(ctx)})
}

// logList records one read for a list of n objectType shown, of one client
// or (clientID "") of several, whatever n. which says which part of a list
// was shown, when not all of it or the first page, in the record's object
// id: the search and where the page began (listed), or the one thing the
// list belongs to (a conversation's transcripts). An empty list of several
// clients shows no client data and is not logged.
//
// A list of several clients names no client in its record, so it is not in
// the "who looked at my data" of each client on it: it showed their name
// and dossier reference among others, no more, and the privacy officer
// finds it in the log by who listed, when and with which search. Each read
// of one client's data (their page, a recording, a conversation) is a
// record of that client's, in their overview.
func (db *DB) logList(ctx context.Context, clientID, objectType, which string, n int) error {
	if opname.IsForAct(ctx) || clientID == "" && n == 0 {
		return nil
	}
	purpose := fmt.Sprintf("list of %d", n)
	if p := opname.PurposeFrom(ctx); p != "" {
		purpose += "; " + p
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessRead, ClientID: clientID, ObjectType: objectType, ObjectID: which, Purpose: purpose})
}

// listed says which page of a list, searched for text, was shown: "" for
// the first page of all of it, else as a query ("q=jan&cursor=…").
func listed(text string, p opname.Page) string {
	v := url.Values{}
	if text != "" {
		v.Set("q", text)
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	return v.Encode()
}
