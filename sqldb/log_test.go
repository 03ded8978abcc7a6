package sqldb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// recording makes the bytes of a pretend recording and its log entry.
func recording(i int) ([]byte, translog.Entry) {
	data := bytes.Repeat([]byte(fmt.Sprintf("opname recording %d ", i)), 100+i)
	sum := sha256.Sum256(data)
	return data, translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprintf("rec-%d", i), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Time: time.Now()}
}

// trusted is the verifier key an organisation's log publishes, as a
// verifier that trusts it holds it.
func trusted(t testing.TB, db *sqldb.DB, slug string) []translog.VerifierKey {
	t.Helper()
	_, vkey, err := db.LatestCheckpoint(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	k, err := translog.ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return []translog.VerifierKey{k}
}

// TestLogReceipts appends to two organisations' logs, checks receipts for
// early and late entries against their files, consistency between
// checkpoints, and that tampering is found.
func TestLogReceipts(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := build(t, db)
		files := map[int64][]byte{}
		for i := range 40 {
			data, e := recording(i)
			idx, err := db.Append(ctx, w.orgA.ID, e)
			if err != nil {
				t.Fatal(err)
			}
			if idx != int64(i) {
				t.Fatalf("entry %d got index %d", i, idx)
			}
			files[idx] = data
			if _, err := db.Append(ctx, w.orgB.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		keyA := trusted(t, db, "org-a")
		early, err := db.Receipt(ctx, w.orgA.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		v, err := early.Verify(bytes.NewReader(files[3]), keyA)
		if err != nil {
			t.Fatalf("receipt 3: %v", err)
		}
		if v.Checkpoint.Size != 40 || v.Checkpoint.Origin != sqldb.LogOrigin+"org-a" || v.Record.RecordingID != "rec-3" {
			t.Fatalf("verification = %+v", v)
		}
		for _, idx := range []int64{0, 17, 39} {
			rc, err := db.Receipt(ctx, w.orgA.ID, idx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rc.Verify(bytes.NewReader(files[idx]), keyA); err != nil {
				t.Errorf("receipt %d: %v", idx, err)
			}
		}

		// One byte different: no match.
		bad := bytes.Clone(files[3])
		bad[len(bad)/2] ^= 1
		if _, err := early.Verify(bytes.NewReader(bad), keyA); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Errorf("a changed file: %v", err)
		}
		// A proof for another index.
		other := *early
		other.Index = 4
		if _, err := other.Verify(bytes.NewReader(files[3]), keyA); err == nil || !strings.Contains(err.Error(), "inclusion proof") {
			t.Errorf("another index: %v", err)
		}
		// A checkpoint signed by someone else.
		signer, _, _ := translog.NewKey(strings.NewReader(strings.Repeat("x", 64)), sqldb.LogOrigin+"org-a")
		c, _ := translog.OpenCheckpoint(early.Checkpoint, early.VerifierKey)
		forged, _ := translog.Sign(c, signer)
		f := *early
		f.Checkpoint = forged
		if _, err := f.Verify(bytes.NewReader(files[3]), keyA); err == nil || !strings.Contains(err.Error(), "signature") {
			t.Errorf("a forged checkpoint: %v", err)
		}
		// A checkpoint signed by someone else, with their key in the
		// receipt: it holds together, but only a trusted key proves the log.
		_, forgedKey, _ := translog.NewKey(strings.NewReader(strings.Repeat("x", 64)), sqldb.LogOrigin+"org-a")
		f.VerifierKey = forgedKey
		if _, err := f.Verify(bytes.NewReader(files[3]), keyA); err == nil || !strings.Contains(err.Error(), "not signed by the key you trust") {
			t.Errorf("a forged checkpoint with its own key, against the log's key: %v", err)
		}
		if _, err := f.Verify(bytes.NewReader(files[3]), nil); !errors.Is(err, translog.ErrUntrusted) {
			t.Errorf("a forged checkpoint with its own key, no key trusted: %v", err)
		}

		// The log grows; the old checkpoint is consistent with the new one.
		for i := 40; i < 45; i++ {
			_, e := recording(i)
			if _, err := db.Append(ctx, w.orgA.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		latest, _, err := db.LatestCheckpoint(ctx, "org-a")
		if err != nil {
			t.Fatal(err)
		}
		proof, err := db.ConsistencyProof(ctx, "org-a", 40, 45)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := translog.CheckConsistency(v.Checkpoint, latest, keyA, proof); err != nil {
			t.Fatalf("consistency: %v", err)
		}
		otherProof, _ := db.ConsistencyProof(ctx, "org-a", 39, 45)
		if _, err := translog.CheckConsistency(v.Checkpoint, latest, keyA, otherProof); err == nil {
			t.Error("a consistency proof for other sizes was accepted")
		}
		inc, err := db.InclusionProof(ctx, "org-a", 3, 40)
		if err != nil || len(inc) != len(early.InclusionProof) {
			t.Fatalf("InclusionProof = %v, %v", inc, err)
		}
		_, err = db.InclusionProof(ctx, "org-a", 50, 40)
		wantKind(t, err, opname.Invalid)
		_, _, err = db.LatestCheckpoint(ctx, "no-such-org")
		wantKind(t, err, opname.NotFound)
	})
}

// TestLogConcurrentAppends appends from many goroutines at once and checks
// every entry got its own index and proves against the final checkpoint.
func TestLogConcurrentAppends(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := build(t, db)
		var wg sync.WaitGroup
		idx := make([]int64, 30)
		errs := make([]error, 30)
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, e := recording(i)
				idx[i], errs[i] = db.Append(ctx, w.orgA.ID, e)
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i := range 30 {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if seen[idx[i]] {
				t.Fatalf("index %d given twice", idx[i])
			}
			seen[idx[i]] = true
			data, _ := recording(i)
			rc, err := db.Receipt(ctx, w.orgA.ID, idx[i])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rc.Verify(bytes.NewReader(data), trusted(t, db, "org-a")); err != nil {
				t.Fatalf("entry %d at %d: %v", i, idx[i], err)
			}
		}
	})
}

// TestLogOpenFromTheStart: a new organisation's log has its key and a
// signed checkpoint of no entries before anything is logged; an
// organisation made before that gets them when its log is first asked
// for; and the first entry is signed with the key that was published.
func TestLogOpenFromTheStart(t *testing.T) {
	withDBA(t, func(t *testing.T, db *sqldb.DB, admin *dba) {
		ctx := context.Background()
		fresh := mustOrg(t, db, "fresh")
		old := mustOrg(t, db, "old")
		admin.exec(`DELETE FROM log_checkpoints WHERE org_id = ?`, old.ID)
		admin.exec(`DELETE FROM log_keys WHERE org_id = ?`, old.ID)
		if _, err := db.Verify(system); err != nil {
			t.Fatalf("verify with nothing logged: %v", err)
		}
		for _, org := range []*opname.Organisation{fresh, old} {
			signed, key, err := db.LatestCheckpoint(ctx, org.Slug)
			if err != nil {
				t.Fatalf("%s: %v", org.Slug, err)
			}
			c, err := translog.OpenCheckpoint(signed, key)
			if err != nil || c.Size != 0 || c.Origin != sqldb.LogOrigin+org.Slug || c.Root != emptyTree() {
				t.Fatalf("%s: checkpoint %+v (%v)", org.Slug, c, err)
			}
			_, e := recording(1)
			if _, err := db.Append(ctx, org.ID, e); err != nil {
				t.Fatal(err)
			}
			signed, after, err := db.LatestCheckpoint(ctx, org.Slug)
			if err != nil || after != key {
				t.Fatalf("%s: the key changed with the first entry (%v)", org.Slug, err)
			}
			if c, err := translog.OpenCheckpoint(signed, key); err != nil || c.Size != 1 {
				t.Fatalf("%s: checkpoint after the first entry %+v (%v)", org.Slug, c, err)
			}
		}
		if _, err := db.Verify(system); err != nil {
			t.Fatalf("verify: %v", err)
		}
		if _, _, err := db.LatestCheckpoint(ctx, "no-such-org"); opname.KindOf(err) != opname.NotFound {
			t.Fatalf("the log of no organisation: %v", err)
		}
	})
}

// emptyTree is the root hash of a tree of no entries.
func emptyTree() tlog.Hash {
	h, _ := tlog.TreeHash(0, nil)
	return h
}
