package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname/translog"
)

// TestVerify runs `opname verify` as a user would: a match, a file one byte
// off, a damaged receipt, and the check against the live log, before and
// after the log grew.
func TestVerify(t *testing.T) {
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

	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := m.Run(context.Background(), args)
		return code, stdout.String(), stderr.String()
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", "--receipt", rPath, good}, 0, "match: recording rec-1"},
		{[]string{"verify", "--receipt", rPath, bad}, 1, "does not match the receipt"},
		{[]string{"verify", "--receipt", broken, good}, 2, "not a receipt"},
		{[]string{"verify", "--receipt", rPath, filepath.Join(dir, "missing")}, 2, "no such file"},
		{[]string{"verify", "--receipt", rPath, "--log", logURL, good}, 0, "consistent with the receipt's (1)"},
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
