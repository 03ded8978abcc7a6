package vault_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// TestAuditFindsFlippedByte runs the background fixity audit over two
// recordings, one with a byte flipped in storage, and checks that it is
// reported, stored for the privacy officer, and that a second run within
// the period checks nothing again.
func TestAuditFindsFlippedByte(t *testing.T) {
	dir := t.TempDir()
	v, ctx, clientID := benchVault(t, dir)
	for i := range 2 {
		data := append(wavHeader(200000), bytes.Repeat([]byte{byte(i + 1)}, 200000)...)
		if _, err := v.Ingest(ctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
	}
	var victim string
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	data, _ := os.ReadFile(victim)
	data[len(data)/3] ^= 0x40
	os.WriteFile(victim, data, 0o600)

	// The audit as the server runs it every interval: what was checked
	// within the period minus the interval is not checked again.
	sys := opname.WithActor(context.Background(), opname.System("fixity"))
	type run struct {
		n        int
		findings []vault.Finding
	}
	audit := func() run {
		n, findings, err := v.Fixity(sys, time.Now().Add(-(time.Hour - 50*time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		return run{n, findings}
	}
	first, second := audit(), audit()
	if first.n != 2 || len(first.findings) != 1 || first.findings[0].Problem == "" {
		t.Fatalf("first run = %+v", first)
	}
	if second.n != 0 {
		t.Fatalf("second run checked %d again within the period", second.n)
	}
	problems, _, err := v.Store.FixityProblems(ctx, opname.Page{})
	if err != nil || len(problems) != 1 || problems[0].ID != first.findings[0].Recording.ID || problems[0].Fixity == nil {
		t.Fatalf("problems = %+v, %v", problems, err)
	}
}

// probeAll is a Prober that reads everything and counts it.
type probeAll struct{ n int64 }

func (p *probeAll) Probe(ctx context.Context, r io.Reader) (*opname.MediaInfo, error) {
	n, err := io.Copy(io.Discard, r)
	p.n = n
	return &opname.MediaInfo{Format: "wav", Streams: []string{"audio/pcm_s16le"}}, err
}

// TestProbedAfterTheAnswer checks that a recording is answered without
// waiting for probing, and that what probing finds is stored when done.
func TestProbedAfterTheAnswer(t *testing.T) {
	v, ctx, clientID := benchVault(t, t.TempDir())
	p := &probeAll{}
	v.Probe = p
	data := append(wavHeader(100000), bytes.Repeat([]byte{7}, 100000)...)
	rec, err := v.Ingest(ctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Media != nil {
		t.Fatalf("media in the answer: %+v", rec.Media)
	}
	v.WaitProbes(false)
	if p.n != int64(len(data)) {
		t.Fatalf("probed %d bytes, want %d", p.n, len(data))
	}
	got, _, err := v.Store.Recording(ctx, rec.ID)
	if err != nil || got.Media == nil || got.Media.Format != "wav" {
		t.Fatalf("stored media = %+v, %v", got, err)
	}
}
