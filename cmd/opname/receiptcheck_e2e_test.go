package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
)

// TestReceiptCheckInBrowser checks copies against receipts on the receipt
// page in headless Chromium (web/assets/receiptcheck.js), and compares each
// verdict with translog's Verify trusting the organisation's published
// key: the original file matches; a flipped byte, a tampered proof hash, a
// tampered checkpoint (size, root), a signature by another key, a receipt
// of another file and a receipt of another organisation's log do not. Then
// axe-core finds no violations on the page with a verdict, in nl and en.
func TestReceiptCheckInBrowser(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "receiptcheck.mjs")
	s := testServer(t)
	org, octx := newOrg(t, s, "bewijs", "veilig-thuis-utrecht", false)
	staff, secret := member(t, s, octx, "bewijs", opname.RoleStaff)
	c := &opname.Client{Name: "Cor Visser"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	sctx := actorCtx(org, staff)
	dir := t.TempDir()
	ingest := func(ctx context.Context, clientID string, tone byte) (*opname.Recording, string) {
		t.Helper()
		data := wav(1, tone)
		rec, err := s.web.Vault.Ingest(ctx, vault.Upload{ClientID: clientID, Source: "client_copy", Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "kopie-"+strconv.Itoa(int(tone))+".wav")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return rec, path
	}
	recA, fileA := ingest(sctx, c.ID, 40)
	recB, _ := ingest(sctx, c.ID, 41)
	ingest(sctx, c.ID, 42) // a log of several entries: the proofs have hashes

	b := signedInBrowser(t, s, secret, "nl")
	receiptOf := func(id string) *translog.Receipt {
		t.Helper()
		code, body, _ := b.do("GET", "/api/v1/recordings/"+id+"/receipt", "", "")
		if code != 200 {
			t.Fatalf("receipt of %s = %d %s", id, code, body)
		}
		rc, err := translog.DecodeReceipt(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	keyResp, err := http.Get(s.URL + "/api/v1/logs/bewijs/key")
	if err != nil {
		t.Fatal(err)
	}
	var keyText bytes.Buffer
	_, _ = keyText.ReadFrom(keyResp.Body)
	keyResp.Body.Close()
	published, err := translog.ParseVerifierKey(keyText.String())
	if err != nil {
		t.Fatal(err)
	}

	// Another organisation's receipt, which holds together under its own key.
	other, sysO := newOrg(t, s, "elders", "veilig-thuis-utrecht", false)
	otherStaff, _ := member(t, s, sysO, "elders", opname.RoleStaff)
	octx2 := actorCtx(other, otherStaff)
	oc := &opname.Client{Name: "Dina Smit"}
	if err := s.db.CreateClient(sysO, oc); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(sysO, oc.ID, otherStaff.ID); err != nil {
		t.Fatal(err)
	}
	recO, fileO := ingest(octx2, oc.ID, 43)
	receiptO, err := s.db.Receipt(octx2, other.ID, recO.LogIndex)
	if err != nil {
		t.Fatal(err)
	}

	edit := func(f func(rc *translog.Receipt)) *translog.Receipt {
		rc := receiptOf(recA.ID)
		f(rc)
		return rc
	}
	lines := func(rc *translog.Receipt) []string { return strings.SplitN(rc.Checkpoint, "\n", 4) }
	flipped := filepath.Join(dir, "omgedraaid.wav")
	data, _ := os.ReadFile(fileA)
	data[len(data)/2] ^= 1
	if err := os.WriteFile(flipped, data, 0o600); err != nil {
		t.Fatal(err)
	}
	type testCase struct {
		Name    string `json:"name"`
		Receipt string `json:"receipt"`
		File    string `json:"file"`
		rc      *translog.Receipt
		step    string // the step the browser must name
	}
	cases := []*testCase{
		{Name: "original", File: fileA, rc: receiptOf(recA.ID)},
		{Name: "flipped byte", File: flipped, rc: receiptOf(recA.ID), step: "file"},
		{Name: "another file's receipt", File: fileA, rc: receiptOf(recB.ID), step: "file"},
		{Name: "tampered proof hash", File: fileA, step: "proof", rc: edit(func(rc *translog.Receipt) {
			h, _ := base64.StdEncoding.DecodeString(rc.InclusionProof[0])
			h[0] ^= 1
			rc.InclusionProof[0] = base64.StdEncoding.EncodeToString(h)
		})},
		{Name: "tampered checkpoint size", File: fileA, step: "signature", rc: edit(func(rc *translog.Receipt) {
			l := lines(rc)
			n, _ := strconv.Atoi(l[1])
			rc.Checkpoint = l[0] + "\n" + strconv.Itoa(n+1) + "\n" + l[2] + "\n" + l[3]
		})},
		{Name: "tampered checkpoint root", File: fileA, step: "signature", rc: edit(func(rc *translog.Receipt) {
			l := lines(rc)
			root, _ := base64.StdEncoding.DecodeString(l[2])
			root[5] ^= 1
			rc.Checkpoint = l[0] + "\n" + l[1] + "\n" + base64.StdEncoding.EncodeToString(root) + "\n" + l[3]
		})},
		{Name: "signed by another key", File: fileA, step: "signature", rc: edit(func(rc *translog.Receipt) {
			cp, err := translog.OpenCheckpoint(rc.Checkpoint, rc.VerifierKey)
			if err != nil {
				t.Fatal(err)
			}
			signer, verifier, err := translog.NewKey(rand.Reader, cp.Origin)
			if err != nil {
				t.Fatal(err)
			}
			if rc.Checkpoint, err = translog.Sign(cp, signer); err != nil {
				t.Fatal(err)
			}
			rc.VerifierKey = verifier
		})},
		{Name: "tampered index", File: fileA, step: "proof", rc: edit(func(rc *translog.Receipt) { rc.Index++ })},
		{Name: "another organisation's log", File: fileO, step: "signature", rc: receiptO},
	}
	for i, tc := range cases {
		// The original goes through the page's own receipt request.
		if i > 0 {
			js, err := json.Marshal(tc.rc)
			if err != nil {
				t.Fatal(err)
			}
			tc.Receipt = string(js)
		}
	}
	casesPath := filepath.Join(dir, "cases.json")
	js, _ := json.Marshal(cases)
	if err := os.WriteFile(casesPath, js, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, s.URL, s.web.SessionCookie(), secret, "/opnames/"+recA.ID+"/bewijs", casesPath)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	type line struct {
		Case, Verdict, Step, Text string
		Axe                       string
		Violations                []map[string]any
	}
	got := map[string]line{}
	axeRuns := 0
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var v line
		if json.Unmarshal([]byte(l), &v) != nil {
			continue
		}
		t.Logf("%s", l)
		if v.Axe != "" {
			axeRuns++
			if len(v.Violations) > 0 {
				t.Errorf("axe-core, %s: %v", v.Axe, v.Violations)
			}
			continue
		}
		got[v.Case] = v
	}
	if runErr != nil {
		t.Fatalf("node: %v\n%s", runErr, stderr.String())
	}
	if axeRuns != 2 {
		t.Errorf("axe-core ran %d times, want 2 (nl, en)", axeRuns)
	}

	for _, tc := range cases {
		f, err := os.Open(tc.File)
		if err != nil {
			t.Fatal(err)
		}
		_, verr := tc.rc.Verify(f, []translog.VerifierKey{published})
		f.Close()
		wantMatch := verr == nil
		if (tc.step == "") != wantMatch {
			t.Fatalf("%s: Go's Verify says %v; the test expects otherwise", tc.Name, verr)
		}
		g, ok := got[tc.Name]
		if !ok {
			t.Errorf("%s: no verdict from the browser", tc.Name)
			continue
		}
		if gotMatch := g.Verdict == "match"; gotMatch != wantMatch || g.Step != tc.step {
			t.Errorf("%s: browser says %s (step %q), Go's Verify says %v (step %q)", tc.Name, g.Verdict, g.Step, verr, tc.step)
		}
	}
	for _, want := range []struct{ name, text string }{
		{"original", "Het klopt: kopie-40.wav is precies het bestand van dit bewijs."},
		{"flipped byte", "Stap 1 van 3, het bestand"},
		{"dropped nl", "Het klopt"},
		{"dropped en", "It matches"},
	} {
		if g := got[want.name]; !strings.Contains(g.Text, want.text) {
			t.Errorf("%s: the page says %q, want %q", want.name, g.Text, want.text)
		}
	}
}
