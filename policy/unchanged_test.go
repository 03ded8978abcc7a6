package policy_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/opname/opname/policy"
)

// TestDecisionsUnchanged decides 20,000 random situations under every
// shipped policy and compares a digest of the decisions' JSON with
// testdata/decisions.json: the decision's work is done differently for
// speed (Decide), never with a different answer. A change that is meant to
// change decisions rewrites the digests with -update.
//
// To see what changed, write every decision as JSON lines at both versions
// and compare the files:
//
//	OPNAME_DECISIONS_OUT=/tmp/new.jsonl go test ./policy -run TestDecisionsUnchanged
func TestDecisionsUnchanged(t *testing.T) {
	t.Parallel()
	lib := shipped(t)
	var dump *bufio.Writer
	if out := os.Getenv("OPNAME_DECISIONS_OUT"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dump = bufio.NewWriter(f)
		defer dump.Flush()
	}
	got := map[string]string{}
	for _, name := range lib.Names() {
		p := load(t, lib, name)
		rng := rand.New(rand.NewPCG(15, 15))
		sum := sha256.New()
		for range 20000 {
			s := policy.RandomSituation(rng)
			d, err := p.Decide(s)
			if err != nil {
				t.Fatal(err)
			}
			line, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			line = append(line, '\n')
			sum.Write(line)
			if dump != nil {
				dump.Write(line)
			}
		}
		got[name] = hex.EncodeToString(sum.Sum(nil))
	}
	path := filepath.Join("testdata", "decisions.json")
	if *update {
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./policy -run TestDecisionsUnchanged -update to create it)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for name, sum := range got {
		if want[name] != sum {
			t.Errorf("%s: the decisions' JSON differs from %s (see the test's comment to find which)", name, path)
		}
	}
}
