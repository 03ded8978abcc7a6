package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/opname/opname"
)

// newOrg adds an organisation with a shipped policy to a test server and
// returns it with a system actor's context inside it.
func newOrg(t testing.TB, s *server, slug, policy string, requireTOTP bool) (*opname.Organisation, context.Context) {
	t.Helper()
	org := &opname.Organisation{Slug: slug, Name: "Organisatie " + slug, RequireTOTP: requireTOTP, Policy: opname.PolicyVersion{Name: policy, Shipped: policy, Digest: "sha256:1", Text: "x"}}
	if err := s.db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), org); err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	return org, opname.WithActor(context.Background(), sys)
}

// wav returns a short, valid WAV file: a tone of seconds at 8 kHz.
func wav(seconds int, tone byte) []byte {
	samples := 8000 * seconds
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + samples))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))    // PCM
	le(uint16(1))    // mono
	le(uint32(8000)) // sample rate
	le(uint32(8000)) // byte rate
	le(uint16(1))    // block align
	le(uint16(8))    // bits per sample
	b.WriteString("data")
	le(uint32(samples))
	for i := range samples {
		b.WriteByte(128 + byte(int(tone)*((i/10)%2)))
	}
	return b.Bytes()
}

// browsers holds a place for each browser test running: two Chromiums side
// by side are fine on two cores, more make their scripts' waits too tight.
var browsers = make(chan struct{}, 2)

// browserScript is the path of a browser test's script in web/e2e and the
// Chromium to run it with. Without node, Chromium or web/node_modules the
// test skips, except in CI, where it fails. The test holds one of the
// places in browsers until it ends.
func browserScript(t *testing.T, name string) (script, chromium string) {
	t.Helper()
	browsers <- struct{}{}
	t.Cleanup(func() { <-browsers })
	script, _ = filepath.Abs("../../web/e2e/" + name)
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, nodeErr := exec.LookPath("node")
	_, chromeErr := os.Stat(chromium)
	_, modErr := os.Stat("../../web/node_modules/playwright-core")
	if nodeErr != nil || chromeErr != nil || modErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs node, Chromium and web/node_modules: %v %v %v", nodeErr, chromeErr, modErr)
		}
		t.Skip("node, Chromium or web/node_modules missing; run make assets and install chromium")
	}
	return script, chromium
}

// buildOpname builds opname into a folder of the test's own, for the tests
// that run it as a process (and kill it).
func buildOpname(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "opname")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// rawSQLite opens a test server's SQLite database beside the server, for
// a test that changes it by hand. It waits for the server's writers (its
// background jobs write at start) rather than failing busy.
func rawSQLite(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", sqliteWaiting(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// sqliteWaiting is the data source name of the SQLite database in
// dataDir, waiting up to ten seconds for a lock.
func sqliteWaiting(dataDir string) string {
	return "file:" + filepath.Join(dataDir, "opname.db") + "?_pragma=busy_timeout(10000)"
}
