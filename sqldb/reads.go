package sqldb

import (
	"context"
	"fmt"

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
// or (clientID "") of several. An empty list of several clients shows no
// client data and is not logged.
func (db *DB) logList(ctx context.Context, clientID, objectType string, n int) error {
	if opname.IsForAct(ctx) || clientID == "" && n == 0 {
		return nil
	}
	purpose := fmt.Sprintf("list of %d", n)
	if p := opname.PurposeFrom(ctx); p != "" {
		purpose += "; " + p
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessRead, ClientID: clientID, ObjectType: objectType, Purpose: purpose})
}
