package main

import (
	"testing"

	"github.com/opname/opname"
)

// newDataRequest records an open request of the fixture's client, made on
// their behalf by their staff member.
func (f *fixture) newDataRequest(t *testing.T) string {
	t.Helper()
	d := &opname.DataRequest{ClientID: f.clientA, Kind: opname.DataCorrection, What: "het adres", Ask: "Het adres is Dorpsstraat 1."}
	if err := f.s.db.AddDataRequest(f.staffCtx, d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}
