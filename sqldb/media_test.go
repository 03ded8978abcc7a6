package sqldb_test

import (
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// TestMediaAfterErasure: a probe queued before a recording was erased
// finishes after it; what it found about the erased media is not written
// to the erased row.
func TestMediaAfterErasure(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff, mgr := as(w.a[opname.RoleStaff]), as(w.a[opname.RoleManager])
		rec := opname.Recording{ClientID: w.assigned.ID, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("cd", 32), Size: 1}
		if err := db.AddRecording(staff, &rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob-probe", PayloadSize: 1}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.EraseRecording(mgr, rec.ID, "op verzoek"); err != nil {
			t.Fatal(err)
		}
		sys := opname.System("probe")
		sys.OrgID = w.a[opname.RoleStaff].OrgID
		err := db.SetMedia(as(sys), rec.ID, &opname.MediaInfo{Format: "wav", Duration: 12, Streams: []string{"audio/pcm_s16le"}})
		if err != nil && opname.KindOf(err) != opname.Conflict && opname.KindOf(err) != opname.NotFound {
			t.Fatalf("set media on an erased recording: %v", err)
		}
		got, _, err := db.Recording(mgr, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Media != nil {
			t.Errorf("the erased recording got media details: %+v", got.Media)
		}
	})
}
