package vault_test

import (
	"bytes"
	"context"
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

	sys := opname.WithActor(context.Background(), opname.System("fixity"))
	actx, cancel := context.WithCancel(sys)
	type run struct {
		n        int
		findings []vault.Finding
	}
	runs := make(chan run, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		v.Audit(actx, 50*time.Millisecond, time.Hour, func(n int, f []vault.Finding, err error) {
			if err != nil {
				t.Error(err)
			}
			runs <- run{n, f}
		})
	}()
	first, second := <-runs, <-runs
	cancel()
	<-done
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
