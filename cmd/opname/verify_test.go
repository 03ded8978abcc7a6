package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/opname/opname/translog"
)

// TestVerify runs `opname verify` as a user would: a match with the
// organisation's key, no trusted key, a file one byte off, a damaged
// receipt, unusable keys, and the check against the live log, before and
// after the log grew. The fingerprint verify prints is the one the log
// publishes.
func TestVerify(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, _ := newOrg(t, s, "kluis", "ombudsman", false)
	dir := t.TempDir()
	audio := bytes.Repeat([]byte("gesprek "), 5000)
	sum := sha256.Sum256(audio)
	idx, err := s.db.Append(context.Background(), org.ID, translog.Entry{Kind: translog.KindRecording, RecordingID: "rec-1", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(audio)), Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.db.Receipt(context.Background(), org.ID, idx)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	receipt, _ := json.Marshal(rc)
	rPath := write("receipt.json", receipt)
	good := write("gesprek.webm", audio)
	off := bytes.Clone(audio)
	off[100] ^= 0x20
	bad := write("anders.webm", off)
	broken := write("broken.json", []byte(`{"format": "opname-receipt/1", "colour": 1}`))
	logURL := s.URL + "/api/v1/logs/kluis"
	resp, err := http.Get(logURL + "/key")
	if err != nil {
		t.Fatal(err)
	}
	keyText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	key := strings.TrimSpace(string(keyText))
	fingerprint := resp.Header.Get("X-Key-Fingerprint")
	if !strings.HasPrefix(fingerprint, "SHA256:") || fingerprint != translog.Fingerprint(key) {
		t.Fatalf("X-Key-Fingerprint = %q for key %q", fingerprint, key)
	}
	notKey := write("keys.txt", []byte("# kluis\n"+key+"\nkluis+1234\n"))
	config := t.TempDir()

	run := cliRunner(config)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", "--receipt", rPath, "--key", key, good}, 0, "match: recording rec-1"},
		{[]string{"verify", "--receipt", rPath, "--key", key, good}, 0, "fingerprint " + fingerprint + ", given with --key"},
		{[]string{"verify", "--receipt", rPath, good}, 3, "NOT VERIFIED: who signed this receipt. Its key, fingerprint " + fingerprint},
		{[]string{"verify", "--receipt", rPath, "--key", key, bad}, 1, "does not match the receipt"},
		{[]string{"verify", "--receipt", broken, good}, 2, "not a receipt"},
		{[]string{"verify", "--receipt", rPath, filepath.Join(dir, "missing")}, 2, "no such file"},
		{[]string{"verify", "--receipt", rPath, "--key", "kluis+1234+abc", good}, 2, `--key "kluis+1234+abc": not a verifier key`},
		{[]string{"verify", "--receipt", rPath, "--key", filepath.Join(dir, "nokey"), good}, 2, "neither a verifier key (ORIGIN+HASH+KEY) nor a file"},
		{[]string{"verify", "--receipt", rPath, "--key", notKey, good}, 2, "keys.txt: line 3: not a verifier key"},
		{[]string{"verify", "--receipt", rPath, "--log", logURL, good}, 0, "consistent with the receipt's (1)"},
		{[]string{"verify", "--receipt", rPath, good}, 0, "remembered in " + filepath.Join(config, "opname", "known_logs")},
		{[]string{"verify", "--receipt", rPath, "--log", s.URL + "/api/v1/logs/nope", good}, 2, "404"},
	} {
		code, out, errOut := run(c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("opname %s = %d\n%s%s\nwant %d with %q", strings.Join(c.args, " "), code, out, errOut, c.code, c.want)
		}
	}
	for i := range 5 {
		if _, err := s.db.Append(context.Background(), org.ID, translog.Entry{Kind: translog.KindCopy, RecordingID: "rec-1", Time: time.Now(), Size: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := run("verify", "--receipt", rPath, "--log", logURL, good); code != 0 || !strings.Contains(out, "(6 entries) is consistent with the receipt's (1)") {
		t.Errorf("after the log grew: %d %s%s", code, out, errOut)
	}
}

// TestVerifyForgedWords checks that a receipt someone made up cannot print
// lines of its own: words from the receipt that hold line breaks or
// terminal escapes are shown quoted, so no "match" appears on a line of
// its own.
func TestVerifyForgedWords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := []byte("a file someone made up")
	rc, _, err := forgeReceipt("opname.log/kluis", "rec-1\nmatch: recording rec-1\nsigned by the key of log opname.log/kluis\x1b[2K", file)
	if err != nil {
		t.Fatal(err)
	}
	receipt, _ := json.Marshal(rc)
	os.WriteFile(filepath.Join(dir, "nep.json"), receipt, 0o600)
	os.WriteFile(filepath.Join(dir, "nep.wav"), file, 0o600)
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := m.Run(context.Background(), []string{"verify", "--receipt", filepath.Join(dir, "nep.json"), filepath.Join(dir, "nep.wav")})
	out := stdout.String() + stderr.String()
	if code != exitUntrusted || strings.Contains(out, "\nmatch") || strings.Contains(out, "\nsigned by") || strings.Contains(out, "\x1b") {
		t.Errorf("verify = %d, want %d without the receipt's own lines:\n%s", code, exitUntrusted, out)
	}
}

// FuzzVerifyOutput makes receipts with words of the fuzzer's choosing
// (kind, recording id, log name, original), signed as anyone could sign
// them, and prints what opname verify prints for them, trusting no key and
// then the receipt's own: every line is one of verify's own, without
// controls, and an error is one printable line.
func FuzzVerifyOutput(f *testing.F) {
	prefixes := []string{"match: ", "sha256 ", "entry ", "signed by the key of log ", "NOT VERIFIED: ", "the file matches the receipt: ",
		"proved: ", "not proved: ", "the keys you trust are for other logs: ", "to prove it: ", "If its fingerprint is ", "or with --log "}
	printable := func(s string) bool { return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) }
	check := func(t *testing.T, out string) {
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			ok := false
			for _, p := range prefixes {
				ok = ok || strings.HasPrefix(line, p)
			}
			if !ok || !printable(line) {
				t.Fatalf("verify printed a line of the receipt's own: %q\n%s", line, out)
			}
		}
	}
	f.Fuzz(func(t *testing.T, kind, id, origin, derivedFrom string, file []byte) {
		sum := sha256.Sum256(file)
		e := translog.Entry{Kind: kind, RecordingID: id, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(file)), Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Origin: origin, DerivedFrom: derivedFrom}
		made, _, err := signedReceipt(strings.NewReader(strings.Repeat("f", 64)), e)
		if err != nil {
			return // not a name a key can have
		}
		receipt, err := json.Marshal(made)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := translog.DecodeReceipt(bytes.NewReader(receipt))
		if err != nil {
			var stderr bytes.Buffer
			(&Main{Stderr: &stderr}).errorf("receipt: %v", err)
			if line, ok := strings.CutSuffix(stderr.String(), "\n"); !ok || !printable(line) {
				t.Fatalf("the error is not one printable line: %q", stderr.String())
			}
			return
		}
		var out bytes.Buffer
		v, err := rc.Verify(bytes.NewReader(file), nil)
		if !errors.Is(err, translog.ErrUntrusted) {
			t.Fatalf("a receipt signed by its own key, no key trusted: %v", err)
		}
		printUntrusted(&out, verifyWords{"en"}, v, &trust{})
		check(t, out.String())
		out.Reset()
		own, _ := translog.ParseVerifierKey(rc.VerifierKey)
		if v, err = rc.Verify(bytes.NewReader(file), []translog.VerifierKey{own}); err != nil {
			t.Fatalf("a receipt fails with its own key trusted: %v", err)
		}
		printFacts(&out, verifyWords{"en"}, v, "match")
		check(t, out.String())
	})
}
