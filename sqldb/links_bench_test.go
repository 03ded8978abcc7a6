package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/opname/opname"
)

// BenchmarkOpenLink opens codes that do not work — one never made, one
// expired, one stopped — side by side, each try from an address of its
// own so that no throttle answers: the three take the same steps, and
// their times should not differ beyond noise. Run with -count 5 and
// compare the sub-benchmarks of each round.
//
//	go test ./sqldb -run '^$' -bench OpenLink -count 5
func BenchmarkOpenLink(b *testing.B) {
	db := openSQLite(b)
	w := build(b, db)
	staff := as(w.a[opname.RoleStaff])
	expired, err := db.CreateLink(staff, &opname.ClientLink{ClientID: w.assigned.ID, Party: "client", ExpiresAt: time.Now().Add(time.Second)})
	if err != nil {
		b.Fatal(err)
	}
	stopped := &opname.ClientLink{ClientID: w.assigned.ID, Party: "client"}
	stoppedCode, err := db.CreateLink(staff, stopped)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.RevokeLink(staff, stopped.ID); err != nil {
		b.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	codes := map[string]string{"unknown": opname.LinkCode(make([]byte, 17)), "expired": expired, "stopped": stoppedCode}
	n := 0
	for _, name := range []string{"unknown", "expired", "stopped"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				n++
				ctx := opname.WithAddr(context.Background(), fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				if _, _, err := db.OpenLink(ctx, codes[name]); opname.KindOf(err) != opname.NotFound {
					b.Fatal(err)
				}
			}
		})
	}
}
