package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	wavfile "github.com/opname/opname/internal/wav"
	"github.com/opname/opname/vault"
)

// BenchmarkEvidenceBundle makes the evidence bundle of a shared recording
// of OPNAME_BENCH_BUNDLE_MIB mebibytes (default 64) through the HTTP route,
// and beside it, in the same run, hashes the same bytes with SHA-256 alone.
// It reports the bundle's throughput as a ratio of the hash's, and the
// highest heap in use while the bundle streams: run it at 64 and at 4096
// MiB to see that memory stays flat.
//
//	OPNAME_BENCH_BUNDLE_MIB=4096 go test ./cmd/opname -run '^$' -bench EvidenceBundle -benchtime 1x -count 3
func BenchmarkEvidenceBundle(b *testing.B) {
	mib := 64
	if v := os.Getenv("OPNAME_BENCH_BUNDLE_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 4095 {
			b.Fatalf("OPNAME_BENCH_BUNDLE_MIB=%q: give a number of MiB from 1 to 4095 (a WAV file holds less than 4 GiB)", v)
		}
		mib = n
	}
	size := int64(mib) << 20
	s := testServer(b)
	org, octx := newOrg(b, s, "bundel", "veilig-thuis-utrecht", false)
	staff := &opname.User{Email: "staff@bundel.nl", Name: "Staff", Role: opname.RoleStaff}
	if err := s.db.CreateUser(octx, staff); err != nil {
		b.Fatal(err)
	}
	token, _, err := s.db.CreateToken(octx, staff.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	client := &opname.Client{Name: "Noor Bakker"}
	if err := s.db.CreateClient(octx, client); err != nil {
		b.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		b.Fatal(err)
	}
	ctx := actorCtx(org, staff)
	conv := &opname.Conversation{ClientID: client.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", UserID: staff.ID}}}
	if err := s.web.Workflow.Open(ctx, conv); err != nil {
		b.Fatal(err)
	}
	rec, err := s.web.Vault.Ingest(ctx, vault.Upload{ClientID: client.ID, Source: "organisation", ConversationID: conv.ID, Body: bigWAV(size)})
	if err != nil {
		b.Fatal(err)
	}
	share, err := s.web.Workflow.Ask(ctx, conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "complaints_committee",
		Share: &opname.Share{What: "recording", ID: rec.ID, To: "Klachtencommissie", Why: "Klacht"}})
	if err != nil {
		b.Fatal(err)
	}
	views, err := s.web.Workflow.View(ctx, share)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range views[0].Next.Ask {
		if _, err := s.web.Workflow.Answer(ctx, share.ID, p.Participant, true, "in_person"); err != nil {
			b.Fatal(err)
		}
	}
	hash := func() time.Duration {
		start := time.Now()
		h := sha256.New()
		if _, err := io.Copy(h, bigWAV(size)); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	bundle := func() (time.Duration, uint64, int64) {
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		r, _ := http.NewRequest("GET", s.URL+"/api/v1/requests/"+share.ID+"/evidence", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n < size {
			b.Fatalf("the bundle: %d, %d bytes, %v", resp.StatusCode, n, err)
		}
		elapsed := time.Since(start)
		close(done)
		<-sampled
		return elapsed, peak.Load(), n
	}
	var hashTime, bundleTime time.Duration
	var peak uint64
	b.ResetTimer()
	for range b.N {
		// Interleaved, so that the machine's load falls on both alike.
		hashTime += hash()
		t, p, n := bundle()
		bundleTime += t
		peak = max(peak, p)
		b.SetBytes(n)
	}
	b.ReportMetric(float64(size)/(1<<20)/bundleTime.Seconds()*float64(b.N), "bundle-MiB/s")
	b.ReportMetric(hashTime.Seconds()/bundleTime.Seconds(), "speed-vs-sha256")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// bigWAV streams a valid WAV file of size bytes (header included) without
// holding it: 8-bit mono at 8 kHz, a square tone.
func bigWAV(size int64) io.Reader {
	return io.MultiReader(bytes.NewReader(wavfile.Header(size)), io.LimitReader(&tone{}, size-44))
}

// tone is an endless square wave.
type tone struct{ i int }

func (t *tone) Read(p []byte) (int, error) {
	for k := range p {
		p[k] = 128 + byte(16*((t.i/10)%2))
		t.i++
	}
	return len(p), nil
}
