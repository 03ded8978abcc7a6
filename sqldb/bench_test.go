package sqldb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/translog"
)

// BenchmarkLogAppend measures appends to one organisation's log on SQLite,
// each in its own durable transaction with a newly signed checkpoint.
// Target: at least 1,000 appends a second.
//
//	go test ./sqldb -run '^$' -bench LogAppend
func BenchmarkLogAppend(b *testing.B) {
	db, err := sqldb.Open(filepath.Join(b.TempDir(), "opname.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	org := mustOrg(&testing.T{}, db, "bench")
	i := 0
	for b.Loop() {
		if _, err := db.Append(ctx, org.ID, translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprint(i), SHA256: "00", Size: 1, Time: time.Now()}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

// BenchmarkInclusionProof measures a receipt's inclusion proof in a log of
// 20,000 entries (built once; a proof reads about log2(n) hashes, so its
// cost grows with the logarithm of the log's size).
func BenchmarkInclusionProof(b *testing.B) {
	db, err := sqldb.Open(filepath.Join(b.TempDir(), "opname.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	org := mustOrg(&testing.T{}, db, "bench")
	const n = 20000
	for i := range n {
		if _, err := db.Append(ctx, org.ID, translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprint(i), SHA256: "00", Size: 1, Time: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	i := int64(0)
	for b.Loop() {
		if _, err := db.InclusionProof(ctx, "bench", (i*7919)%n, n); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
