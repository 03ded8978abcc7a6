package translog

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// The fuzz tests feed every parser of outside input (receipts, checkpoints,
// verifier keys and files of them, consistency proofs) with what a
// stranger could send. Their seed corpus in testdata/fuzz is made by
// TestFuzzCorpus from logs with fixed keys; -update-corpus writes it.

var updateCorpus = flag.Bool("update-corpus", false, "write the fuzz seed corpus in testdata/fuzz")

// The fuzz logs: the organisation's, whose key the fuzz tests trust, and a
// forger's that claims the same name.
func fuzzLogs(t testing.TB) (real, forger *memLog) {
	real = newMemLog(t, "opname.log/kluis", "k")
	for i := range 6 {
		real.add(t, []byte(fmt.Sprintf("gesprek %d", i)))
	}
	forger = newMemLog(t, "opname.log/kluis", "f")
	forger.add(t, []byte("verzonnen"))
	return real, forger
}

func receiptJSON(rc *Receipt) (string, error) {
	b, err := json.Marshal(rc)
	return string(b), err
}

// seeds are the corpus of each fuzz test: its arguments, in order.
func seeds(t testing.TB) map[string][][]any {
	real, forger := fuzzLogs(t)
	mustJSON := func(rc *Receipt) []byte {
		s, err := receiptJSON(rc)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(s)
	}
	_, oldSigned := real.checkpoint(t)
	real.add(t, []byte("gesprek 6"))
	_, newSigned := real.checkpoint(t)
	_, forgedSigned := forger.checkpoint(t)
	return map[string][][]any{
		"FuzzDecodeReceipt": {
			{mustJSON(real.receipt(t, 4)), []byte("gesprek 4")},
			{mustJSON(real.receipt(t, 0)), []byte("gesprek 0")},
			{mustJSON(forger.receipt(t, 0)), []byte("verzonnen")},
			{[]byte(`{"format":"opname-receipt/1","entry":"{}","record":{},"index":0,"inclusion_proof":[],"checkpoint":"","verifier_key":""}`), []byte("")},
			{[]byte(`{"format": "opname-receipt/1", "colour": 1}`), []byte("x")},
		},
		"FuzzParseCheckpoint": {
			{"opname.log/kluis\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"},
			{"opname.log/kluis\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension line\n"},
			// Other texts for the same checkpoint, which a parser must refuse.
			{"o\n+7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"},
			{"o\n07\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"},
			{"o\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"},
			{"o\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n"},
		},
		"FuzzOpenCheckpoint": {
			{oldSigned},
			{newSigned},
			{forgedSigned},
			{"opname.log/kluis\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— opname.log/kluis AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"},
		},
		"FuzzParseVerifierKeys": {
			{real.verifier + "\n"},
			{"# trusted logs\n\n" + real.verifier + "\n" + newMemLog(t, "opname.log/elders", "o").verifier},
			{"opname.log/kluis+00000000+AQ==\n"},
			{forger.verifier},
		},
		"FuzzCheckConsistency": {
			{newSigned, strings.Join(mustProve(t, real, 7, 6), "\n")},
			{newSigned, ""},
			{oldSigned, ""},
			{forgedSigned, "AAAA"},
		},
	}
}

// mustProve proves that the log's tree of m entries is in its tree of n.
func mustProve(t testing.TB, l *memLog, n, m int64) []string {
	p, err := tlog.ProveTree(n, m, l)
	if err != nil {
		t.Fatal(err)
	}
	return EncodeProof(p)
}

// TestFuzzCorpus checks that the committed seed corpus is the one the
// fixed logs make, and writes it with -update-corpus.
func TestFuzzCorpus(t *testing.T) {
	for name, inputs := range seeds(t) {
		for i, args := range inputs {
			path := filepath.Join("testdata", "fuzz", name, fmt.Sprintf("seed-%d", i))
			want := corpusFile(args)
			if *updateCorpus {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != want {
				t.Errorf("%s is not the seed the test makes (%v); run go test ./translog -run TestFuzzCorpus -update-corpus", path, err)
			}
		}
	}
}

// corpusFile is args in the fuzz corpus file format.
func corpusFile(args []any) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		}
	}
	return b.String()
}

// fuzzKey is the key the fuzz tests trust: the organisation's.
func fuzzKey(t testing.TB) []VerifierKey {
	real, _ := fuzzLogs(t)
	return []VerifierKey{real.key(t)}
}

// FuzzDecodeReceipt reads receipts and checks them against a file. A
// receipt is accepted as trusted only when the organisation's key signed
// its checkpoint, and never without a trusted key.
func FuzzDecodeReceipt(f *testing.F) {
	trusted := fuzzKey(f)
	f.Fuzz(func(t *testing.T, data, file []byte) {
		rc, err := DecodeReceipt(bytes.NewReader(data))
		if err != nil {
			if rc != nil {
				t.Fatal("a receipt and an error")
			}
			return
		}
		// What was decoded encodes and decodes to the same receipt.
		again, err := receiptJSON(rc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeReceipt(strings.NewReader(again)); err != nil {
			t.Fatalf("a decoded receipt, encoded again, does not decode: %v\n%s", err, again)
		}
		v, err := rc.Verify(bytes.NewReader(file), trusted)
		if err == nil {
			if v.Key.Text != trusted[0].Text {
				t.Fatalf("trusted, but signed by %s", v.Key.Text)
			}
			if _, err := OpenCheckpoint(rc.Checkpoint, trusted[0].Text); err != nil {
				t.Fatalf("trusted, but the checkpoint does not open with the trusted key: %v", err)
			}
		}
		if errors.Is(err, ErrUntrusted) && (v == nil || v.Key.Origin == trusted[0].Origin) {
			t.Fatalf("untrusted for a log whose key is trusted: %+v", v)
		}
		if v, err := rc.Verify(bytes.NewReader(file), nil); err == nil || errors.Is(err, ErrUntrusted) && v == nil {
			t.Fatalf("without a trusted key: %+v, %v", v, err)
		}
	})
}

// FuzzParseCheckpoint reads checkpoint bodies: one checkpoint has one text.
func FuzzParseCheckpoint(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		again, err := ParseCheckpoint(c.Text())
		if err != nil || again != c {
			t.Fatalf("%q parses to %+v, whose text %q parses to %+v, %v", text, c, c.Text(), again, err)
		}
		if !strings.HasPrefix(text, c.Text()) {
			t.Fatalf("%q parses to %+v, whose text %q differs", text, c, c.Text())
		}
	})
}

// FuzzOpenCheckpoint opens signed notes with the organisation's key: what
// opens is of the key's log.
func FuzzOpenCheckpoint(f *testing.F) {
	trusted := fuzzKey(f)
	f.Fuzz(func(t *testing.T, signed string) {
		c, err := OpenCheckpointWith(signed, trusted)
		if err != nil {
			return
		}
		if c.Origin != trusted[0].Origin {
			t.Fatalf("a checkpoint of %q opened with the key of %q", c.Origin, trusted[0].Origin)
		}
		if _, err := OpenCheckpoint(signed, trusted[0].Text); err != nil {
			t.Fatalf("OpenCheckpointWith accepts what OpenCheckpoint does not: %v", err)
		}
	})
}

// FuzzParseVerifierKeys reads files of keys, as --key and known_logs hold
// them: every key read has one canonical text and a fingerprint.
func FuzzParseVerifierKeys(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		keys, err := ParseVerifierKeys(text)
		if err != nil {
			return
		}
		for _, k := range keys {
			again, err := ParseVerifierKey(k.Text)
			if err != nil || again.Text != k.Text || again.Origin != k.Origin {
				t.Fatalf("key %q reads back as %+v, %v", k.Text, again, err)
			}
			if !utf8.ValidString(k.Origin) || strings.ContainsAny(k.Origin, " \n+") {
				t.Fatalf("key %q has origin %q", k.Text, k.Origin)
			}
			if fp := k.Fingerprint(); len(fp) != len("SHA256:")+43 {
				t.Fatalf("fingerprint %q", fp)
			}
		}
		if len(keys) == 1 {
			if k, err := ParseVerifierKey(text); err == nil && k.Text != keys[0].Text {
				t.Fatalf("one key read two ways: %q and %q", k.Text, keys[0].Text)
			}
		}
	})
}

// FuzzCheckConsistency checks a log's answer (its current checkpoint and
// a consistency proof, one base64 hash a line) against a receipt's
// checkpoint of 6 entries.
func FuzzCheckConsistency(f *testing.F) {
	real, _ := fuzzLogs(f)
	old, _ := real.checkpoint(f)
	trusted := []VerifierKey{real.key(f)}
	f.Fuzz(func(t *testing.T, signed, proof string) {
		var p []string
		if proof != "" {
			p = strings.Split(proof, "\n")
		}
		newer, err := CheckConsistency(old, signed, trusted, p)
		if err != nil {
			return
		}
		if newer.Size < old.Size || newer.Size == old.Size && newer.Root != old.Root {
			t.Fatalf("checkpoint %+v accepted as consistent with %+v", newer, old)
		}
	})
}
