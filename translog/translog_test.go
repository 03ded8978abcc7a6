package translog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// memLog is a log in memory, as storage would keep it: the tree's stored
// hashes, and a signer.
type memLog struct {
	origin           string
	signer, verifier string
	hashes           []tlog.Hash
	entries          [][]byte
}

// newMemLog makes a log whose key comes from seed, so that tests and the
// fuzz corpus are the same on every run.
func newMemLog(t testing.TB, origin, seed string) *memLog {
	t.Helper()
	signer, verifier, err := NewKey(strings.NewReader(strings.Repeat(seed, 64)), origin)
	if err != nil {
		t.Fatal(err)
	}
	return &memLog{origin: origin, signer: signer, verifier: verifier}
}

func (l *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

// add appends a recording of file and returns its index.
func (l *memLog) add(t testing.TB, file []byte) int64 {
	t.Helper()
	sum := sha256.Sum256(file)
	n := int64(len(l.entries))
	e, err := Entry{Kind: KindRecording, RecordingID: fmt.Sprintf("rec-%d", n), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(file)),
		Time: time.Date(2026, 3, 1, 9, 0, int(n), 0, time.UTC), Origin: l.origin}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	hs, err := tlog.StoredHashes(n, e, l)
	if err != nil {
		t.Fatal(err)
	}
	l.hashes = append(l.hashes, hs...)
	l.entries = append(l.entries, e)
	return n
}

// checkpoint signs the log's current checkpoint.
func (l *memLog) checkpoint(t testing.TB) (Checkpoint, string) {
	t.Helper()
	n := int64(len(l.entries))
	root, err := tlog.TreeHash(n, l)
	if err != nil {
		t.Fatal(err)
	}
	c := Checkpoint{Origin: l.origin, Size: n, Root: root}
	signed, err := Sign(c, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return c, signed
}

func (l *memLog) receipt(t testing.TB, index int64) *Receipt {
	t.Helper()
	_, signed := l.checkpoint(t)
	rc, err := NewReceipt(l.entries[index], index, signed, l.verifier, l)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func (l *memLog) key(t testing.TB) VerifierKey {
	t.Helper()
	k, err := ParseVerifierKey(l.verifier)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestVerifyTrust checks a receipt against trusted keys: the log's own key
// proves it; a receipt made by someone else for the same log name, with
// their own key inside, is refused with the log's key and only "untrusted"
// without it.
func TestVerifyTrust(t *testing.T) {
	real := newMemLog(t, "opname.log/kluis", "k")
	for i := range 5 {
		real.add(t, []byte(fmt.Sprintf("gesprek %d", i)))
	}
	genuine := real.receipt(t, 3)
	file := []byte("gesprek 3")

	forger := newMemLog(t, "opname.log/kluis", "f")
	forger.add(t, []byte("verzonnen"))
	forged := forger.receipt(t, 0)

	other := newMemLog(t, "opname.log/elders", "o")
	for _, c := range []struct {
		name    string
		rc      *Receipt
		file    []byte
		trusted []VerifierKey
		want    error // nil, ErrUntrusted, ErrOtherSigner
		wantKey string
	}{
		{"genuine, trusted", genuine, file, []VerifierKey{real.key(t)}, nil, real.verifier},
		{"genuine, also another log's key", genuine, file, []VerifierKey{other.key(t), real.key(t)}, nil, real.verifier},
		{"genuine, no key", genuine, file, nil, ErrUntrusted, real.verifier},
		{"genuine, another log's key only", genuine, file, []VerifierKey{other.key(t)}, ErrUntrusted, real.verifier},
		{"forged, log's key", forged, []byte("verzonnen"), []VerifierKey{real.key(t)}, ErrOtherSigner, ""},
		{"forged, no key", forged, []byte("verzonnen"), nil, ErrUntrusted, forger.verifier},
		{"forged, its own key", forged, []byte("verzonnen"), []VerifierKey{forger.key(t)}, nil, forger.verifier},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := c.rc.Verify(bytes.NewReader(c.file), c.trusted)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
			if c.wantKey != "" && (v == nil || v.Key.Text != c.wantKey) {
				t.Fatalf("verification = %+v, want signed by %s", v, c.wantKey)
			}
		})
	}
	if _, err := genuine.Verify(bytes.NewReader([]byte("gesprek 4")), []VerifierKey{real.key(t)}); err == nil || !strings.Contains(err.Error(), "does not match the receipt") {
		t.Errorf("another file: %v", err)
	}
}

// TestConsistency checks a newer checkpoint against a receipt's, signed by
// the trusted key only.
func TestConsistency(t *testing.T) {
	l := newMemLog(t, "opname.log/kluis", "k")
	for i := range 3 {
		l.add(t, []byte{byte(i)})
	}
	old, _ := l.checkpoint(t)
	for i := range 4 {
		l.add(t, []byte{byte(10 + i)})
	}
	_, signed := l.checkpoint(t)
	proof, err := tlog.ProveTree(7, 3, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckConsistency(old, signed, []VerifierKey{l.key(t)}, EncodeProof(proof)); err != nil {
		t.Errorf("consistency: %v", err)
	}
	if _, err := CheckConsistency(old, signed, nil, EncodeProof(proof)); err == nil {
		t.Error("consistency without a trusted key was accepted")
	}
	forger := newMemLog(t, "opname.log/kluis", "f")
	if _, err := CheckConsistency(old, signed, []VerifierKey{forger.key(t)}, EncodeProof(proof)); err == nil {
		t.Error("a checkpoint signed by another key than the trusted one was accepted")
	}
}

// TestParseVerifierKey checks keys in canonical form, their fingerprint
// and files of keys.
func TestParseVerifierKey(t *testing.T) {
	l := newMemLog(t, "opname.log/kluis", "k")
	k, err := ParseVerifierKey("  " + l.verifier + "\r\n")
	if err != nil || k.Text != l.verifier || k.Origin != "opname.log/kluis" {
		t.Fatalf("ParseVerifierKey = %+v, %v", k, err)
	}
	name, hash, _ := strings.Cut(l.verifier, "+")
	upper, err := ParseVerifierKey(name + "+" + strings.ToUpper(hash[:8]) + hash[8:])
	if err != nil || upper.Text != k.Text || upper.Fingerprint() != k.Fingerprint() {
		t.Errorf("a key with its hash in upper case = %+v, %v; want the same key", upper, err)
	}
	if fp := k.Fingerprint(); !strings.HasPrefix(fp, "SHA256:") || len(fp) != len("SHA256:")+43 || fp != Fingerprint(l.verifier+"\n") {
		t.Errorf("fingerprint = %q", fp)
	}
	for _, bad := range []string{"", "opname.log/kluis", "opname.log/kluis+00000000+AQ==", "a b+1234abcd+AQ=="} {
		if _, err := ParseVerifierKey(bad); err == nil {
			t.Errorf("ParseVerifierKey(%q) accepted", bad)
		}
	}
	keys, err := ParseVerifierKeys("# keys\n\n" + l.verifier + "\n  " + newMemLog(t, "opname.log/elders", "o").verifier)
	if err != nil || len(keys) != 2 || KeysFor(keys, "opname.log/elders")[0].Origin != "opname.log/elders" {
		t.Errorf("ParseVerifierKeys = %v, %v", keys, err)
	}
	if _, err := ParseVerifierKeys(l.verifier + "\nnot a key\n"); err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("a file with a bad line: %v", err)
	}
}

// TestParseCheckpoint accepts one text per checkpoint.
func TestParseCheckpoint(t *testing.T) {
	root := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	if c, err := ParseCheckpoint("o\n5\n" + root + "\n"); err != nil || c.Size != 5 || c.Origin != "o" {
		t.Errorf("ParseCheckpoint = %+v, %v", c, err)
	}
	for _, bad := range []string{"o\n+5\n" + root + "\n", "o\n05\n" + root + "\n", "o\n-1\n" + root + "\n", "o\n5\n" + root[:43] + "B\n", "o\n5\n" + root, "\n5\n" + root + "\n"} {
		if _, err := ParseCheckpoint(bad); err == nil {
			t.Errorf("ParseCheckpoint(%q) accepted", bad)
		}
	}
}

// TestDecodeReceipt names the field that is not usable.
func TestDecodeReceipt(t *testing.T) {
	l := newMemLog(t, "opname.log/kluis", "k")
	l.add(t, []byte("x"))
	good, err := receiptJSON(l.receipt(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeReceipt(strings.NewReader(good)); err != nil {
		t.Fatalf("a good receipt: %v", err)
	}
	for _, c := range []struct{ from, to, want string }{
		{`"opname-receipt/1"`, `"opname-receipt/9"`, `format: not "opname-receipt/1" (got "opname-receipt/9")`},
		{`"index":0`, `"index":-1`, "index: a number of 0 or more (got -1)"},
		{`"verifier_key":"opname.log/kluis+`, `"verifier_key":"x+`, "verifier_key: not a verifier key"},
		{`"checkpoint":"`, `"checkpoint":"","x":"`, "unknown field"},
		{`"entry":"{`, `"entry":"[`, "entry: not a log entry"},
	} {
		if !strings.Contains(good, c.from) {
			t.Fatalf("the receipt has no %s:\n%s", c.from, good)
		}
		_, err := DecodeReceipt(strings.NewReader(strings.Replace(good, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want %q", c.from, c.to, err, c.want)
		}
	}
	if _, err := DecodeReceipt(strings.NewReader(good + "{}")); err == nil {
		t.Error("a receipt with more after it was accepted")
	}
}
