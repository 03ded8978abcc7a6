package sqldb_test

import (
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestDataRequestsTenancy: AVG requests are made and read only by those
// who may see the client, decided only by their organisation's privacy
// officer, once; the privacy officer erases a recording only when a
// request they granted names it.
func TestDataRequestsTenancy(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff, po := as(w.a[opname.RoleStaff]), as(w.a[opname.RolePrivacyOfficer])
		rec := opname.Recording{ClientID: w.assigned.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ab", 32), Size: 1}
		if err := db.AddRecording(staff, &rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob-avg", PayloadSize: 1}); err != nil {
			t.Fatal(err)
		}
		ask := func() *opname.DataRequest {
			return &opname.DataRequest{ClientID: w.assigned.ID, Kind: opname.DataErasure, What: "de opname", RecordingID: rec.ID, Ask: "wis haar"}
		}
		for name, who := range map[string]opname.Actor{"unassigned staff": w.staffA2, "another organisation's manager": w.b[opname.RoleManager]} {
			wantKind(t, db.AddDataRequest(as(who), ask()), opname.NotFound)
			if _, err := db.ClientDataRequests(as(who), w.assigned.ID); opname.KindOf(err) != opname.NotFound {
				t.Errorf("%s lists the client's requests: %v", name, err)
			}
		}
		wantKind(t, db.AddDataRequest(po, ask()), opname.Forbidden)
		bad := ask()
		bad.Kind = "forget"
		wantKind(t, db.AddDataRequest(staff, bad), opname.Invalid)
		d := ask()
		if err := db.AddDataRequest(staff, d); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DataRequest(as(w.staffA2), d.ID); opname.KindOf(err) != opname.NotFound {
			t.Errorf("unassigned staff read the request: %v", err)
		}
		if _, err := db.DecideDataRequest(as(w.b[opname.RolePrivacyOfficer]), d.ID, opname.DataGranted, "r", "d"); opname.KindOf(err) != opname.NotFound {
			t.Errorf("another organisation's officer decided: %v", err)
		}
		if _, err := db.DecideDataRequest(as(w.a[opname.RoleManager]), d.ID, opname.DataGranted, "r", "d"); opname.KindOf(err) != opname.Forbidden {
			t.Errorf("a manager decided: %v", err)
		}
		// Not yet granted: the officer cannot erase it.
		if _, _, err := db.EraseRecording(po, rec.ID, "AVG"); opname.KindOf(err) != opname.NotFound {
			t.Errorf("the officer erased before granting: %v", err)
		}
		if _, err := db.DecideDataRequest(po, d.ID, opname.DataGranted, "U mag dit vragen.", "De opname is gewist."); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideDataRequest(po, d.ID, opname.DataRefused, "r", ""); opname.KindOf(err) != opname.Conflict {
			t.Errorf("a second decision: %v", err)
		}
		if _, _, err := db.EraseRecording(as(w.b[opname.RolePrivacyOfficer]), rec.ID, "AVG"); opname.KindOf(err) != opname.NotFound {
			t.Errorf("another organisation's officer erased: %v", err)
		}
		erased, _, err := db.EraseRecording(po, rec.ID, "AVG")
		if err != nil || erased.ErasedAt == nil {
			t.Fatalf("the officer's granted erasure = %v, %v", erased, err)
		}
		open, err := db.OpenDataRequests(po)
		if err != nil || len(open) != 0 {
			t.Errorf("open requests after the decision = %v, %v", open, err)
		}
	})
}
