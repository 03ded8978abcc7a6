package sqldb_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/translog"
)

// benchDB returns a migrated SQLite database with one organisation.
func benchDB(b *testing.B, slug string) (*sqldb.DB, *opname.Organisation) {
	db, err := sqldb.Open(filepath.Join(b.TempDir(), "opname.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db, mustOrg(&testing.T{}, db, slug)
}

// BenchmarkLogAppend measures appends to one organisation's log on SQLite,
// each in its own durable transaction with a newly signed checkpoint.
// Target: at least 1,000 appends a second.
//
//	go test ./sqldb -run '^$' -bench LogAppend
func BenchmarkLogAppend(b *testing.B) {
	ctx := context.Background()
	db, org := benchDB(b, "bench")
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
	ctx := context.Background()
	db, org := benchDB(b, "bench")
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

// BenchmarkInclusionProof1M measures an inclusion proof, and the whole
// receipt a client gets, in a log of 1,000,000 entries on SQLite. Target:
// under 5 ms. The log is filled in one transaction (FillLog) and checked
// first: an entry appended the normal way after the million, and one of
// the million, must both give receipts that verify.
//
//	go test ./sqldb -run '^$' -bench InclusionProof1M -benchtime 2000x
func BenchmarkInclusionProof1M(b *testing.B) {
	ctx := context.Background()
	db, org := benchDB(b, "million")
	const n = 1_000_000
	content := func(i int64) string { return fmt.Sprintf("opname %d", i) }
	entry := func(i int64) translog.Entry {
		sum := sha256.Sum256([]byte(content(i)))
		return translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprint(i), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content(i))), Time: time.Unix(1700000000+i, 0)}
	}
	start := time.Now()
	if err := db.FillLog(ctx, org.ID, n, entry); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d entries in %s", n, time.Since(start).Round(time.Millisecond))
	if _, err := db.Append(ctx, org.ID, entry(n)); err != nil {
		b.Fatal(err)
	}
	for _, i := range []int64{n, 123_457} {
		rc, err := db.Receipt(ctx, org.ID, i)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rc.Verify(strings.NewReader(content(i)), trusted(b, db, "million")); err != nil {
			b.Fatalf("receipt of entry %d in the filled log: %v", i, err)
		}
	}
	b.Run("proof", func(b *testing.B) {
		i := int64(0)
		for b.Loop() {
			if _, err := db.InclusionProof(ctx, "million", (i*7919)%n, n+1); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("receipt", func(b *testing.B) {
		i := int64(0)
		for b.Loop() {
			if _, err := db.Receipt(ctx, org.ID, (i*7919)%n); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkVerifyLog measures the part of the access log's verification
// that checks an organisation's tamper-evident log of 100,000 entries
// against its checkpoint: every entry read and hashed once.
//
//	go test ./sqldb -run '^$' -bench VerifyLog -benchtime 3x
func BenchmarkVerifyLog(b *testing.B) {
	ctx := context.Background()
	db, org := benchDB(b, "bench")
	const n = 100_000
	err := db.FillLog(ctx, org.ID, n, func(i int64) translog.Entry {
		return translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprint(i), SHA256: strings.Repeat("0", 64), Size: i, Time: time.Unix(i, 0)}
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.Verify(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkLoggedRead reads one client from 50 goroutines at once, as a
// staff member with an API token: the token, the client and its staff,
// and the access record each read must wait for (group commit), on
// SQLite and, when OPNAME_TEST_DATABASE_URL is set, PostgreSQL.
//
//	go test ./sqldb -run '^$' -bench LoggedRead -count 3
func BenchmarkLoggedRead(b *testing.B) {
	dsns := map[string]string{"sqlite": ""}
	if os.Getenv("OPNAME_TEST_DATABASE_URL") != "" {
		dsns["postgres"] = "postgres"
	}
	for _, name := range []string{"sqlite", "postgres"} {
		if _, ok := dsns[name]; !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "opname.db")
			if name == "postgres" {
				dsn = sqldbtest.PostgresURL(b)
			}
			db, err := sqldb.Open(dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			org := mustOrg(b, db, "bench")
			manager := mustUser(b, db, org, "manager@bench.example", opname.RoleManager)
			staff := mustUser(b, db, org, "staff@bench.example", opname.RoleStaff)
			admin := mustUser(b, db, org, "admin@bench.example", opname.RoleAdmin)
			c := &opname.Client{Name: "Load Client"}
			if err := db.CreateClient(opname.WithActor(ctx, manager), c); err != nil {
				b.Fatal(err)
			}
			if err := db.Assign(opname.WithActor(ctx, manager), c.ID, staff.UserID); err != nil {
				b.Fatal(err)
			}
			secret, _, err := db.CreateToken(opname.WithActor(ctx, admin), staff.UserID, "load")
			if err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a, err := db.AuthenticateToken(ctx, secret)
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := db.Client(opname.WithActor(ctx, a), c.ID); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}
