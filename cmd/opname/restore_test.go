package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/opname/opname"
	"github.com/opname/opname/backup"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestRestoreDrill is the drill an operator runs: a server with clients,
// conversations, recordings and erasures is backed up while uploads go
// on, and the backup is restored elsewhere. Every recording whose upload
// was answered before the backup began must be there, byte for byte, with
// a receipt that verifies; fixity and the access log's chains must pass;
// erased recordings must stay unreadable. A damaged backup, a wrong
// identity and a data folder in use are refused.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs servers")
	}
	bin := buildOpname(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		restoreDrill(t, bin, false)
	})
	// PostgreSQL with S3: the database is backed up with pg_dump, as the
	// README says, and the backup lists the objects, which the restore
	// checks against the bucket.
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		restoreDrill(t, bin, true)
	})
}

func restoreDrill(t *testing.T, bin string, pg bool) {
	dir := t.TempDir()
	var liveDB, blobURL string
	if pg {
		blobBase := os.Getenv("OPNAME_TEST_BLOB_URL")
		if blobBase == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
			}
			t.Skip("OPNAME_TEST_BLOB_URL is not set")
		}
		liveDB = sqldbtest.PostgresURL(t)
		// The test's own name (t.TempDir's parent) keeps its objects apart.
		blobURL = strings.TrimSuffix(blobBase, "/") + "/" + filepath.Base(filepath.Dir(dir))
	}
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(dir, "backup-identity.txt")
	if err := os.WriteFile(idFile, []byte(identity.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "backups")
	envWith := func(data, db string) []string {
		return append(os.Environ(), "OPNAME_DATA="+data, "OPNAME_DATABASE_URL="+db, "OPNAME_BLOB_URL="+blobURL, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	}
	// The restore's database: with PostgreSQL a new one, into which the
	// dump is restored.
	restoredDB := ""
	if pg {
		restoredDB = sqldbtest.PostgresURL(t)
	}
	envFor := func(data string) []string { return envWith(data, restoredDB) }
	// run returns what the command printed on both streams, and must only
	// its standard output.
	var stdout string
	run := func(env []string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		out := o.String() + e.String()
		stdout = o.String()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("opname %s: %v", strings.Join(args, " "), err)
		}
		return string(out), code
	}
	must := func(env []string, args ...string) string {
		t.Helper()
		out, code := run(env, args...)
		if code != 0 {
			t.Fatalf("opname %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return strings.TrimSpace(stdout)
	}
	env := envWith(filepath.Join(dir, "data"), liveDB)
	must(env, "org", "create", "--slug", "drill", "--name", "Drill", "--policy", "ombudsman")
	must(env, "user", "add", "--org", "drill", "--email", "leiding@drill.nl", "--role", "manager")
	token := must(env, "token", "create", "--org", "drill", "--user", "leiding@drill.nl")

	live := startNode(t, bin, "live", env)
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(base, method, path string, body []byte) (int, []byte) {
		r, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(r)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	base := live.url.String()
	var clients []string
	for i := range 3 {
		code, body := call(base, "POST", "/api/v1/clients", fmt.Appendf(nil, `{"name": "Cliënt %d van de oefening"}`, i))
		var c opname.Client
		if code != 201 || json.Unmarshal(body, &c) != nil {
			t.Fatalf("client = %d %s", code, body)
		}
		clients = append(clients, c.ID)
		conv, _ := json.Marshal(map[string]any{"location": "home_visit", "topic": "Terugblik", "participants": []opname.Participant{{Role: "client"}, {Role: "staff"}}})
		if code, body := call(base, "POST", "/api/v1/clients/"+c.ID+"/conversations", conv); code != 201 {
			t.Fatalf("conversation = %d %s", code, body)
		}
	}
	var n atomic.Int64 // makes every recording's bytes unique
	upload := func() (opname.Recording, bool) {
		i := n.Add(1)
		audio := wav(1+int(i/256), byte(i))
		code, body := call(base, "POST", "/api/v1/clients/"+clients[i%3]+"/recordings", audio)
		var out registered
		if code != 201 || json.Unmarshal(body, &out) != nil {
			return opname.Recording{}, false
		}
		return out.Recording, true
	}
	var mu sync.Mutex
	answered := map[string]time.Time{} // recording id → when its upload was answered
	for range 8 {
		rec, ok := upload()
		if !ok {
			t.Fatal("an upload failed before the backup")
		}
		answered[rec.ID] = time.Now()
	}
	var erased []string
	for id := range answered {
		if len(erased) == 2 {
			break
		}
		if code, body := call(base, "POST", "/api/v1/recordings/"+id+"/erasure", []byte(`{"reason": "verzoek van de cliënt"}`)); code != 200 {
			t.Fatalf("erasure = %d %s", code, body)
		}
		erased = append(erased, id)
		delete(answered, id)
	}

	// Uploads go on while the backup runs.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if rec, ok := upload(); ok {
					mu.Lock()
					answered[rec.ID] = time.Now()
					mu.Unlock()
				}
			}
		}()
	}
	// Some of them are answered before the backup begins.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(answered)
		mu.Unlock()
		if n >= 6+3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d uploads answered in 30 seconds", n)
		}
	}
	began := time.Now()
	dump := filepath.Join(dir, "opname.dump")
	if pg {
		if out, err := exec.Command("pg_dump", "-Fc", "-f", dump, liveDB).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
	}
	out := must(env, "backup", dest, "--recipient", identity.Recipient().String())
	t.Logf("first backup:\n%s", out)
	time.Sleep(200 * time.Millisecond)
	// A second backup into the same place copies only what is new.
	out2 := must(env, "backup", dest, "--recipient", identity.Recipient().String())
	stop.Store(true)
	wg.Wait()
	t.Logf("second backup:\n%s", out2)
	if pg {
		if !strings.Contains(out, "database: NOT IN THIS BACKUP") || !regexp.MustCompile(`recordings: \d+ objects in s3://`).MatchString(out) {
			t.Errorf("the backup of PostgreSQL and S3 does not say what it holds:\n%s", out)
		}
	} else if m := regexp.MustCompile(`recordings: (\d+) copied, (\d+) unchanged`).FindStringSubmatch(out2); m == nil || m[2] == "0" {
		t.Errorf("the second backup linked no recording of the first:\n%s", out2)
	}
	live.stop(t)

	var before []string // answered before the backup began
	for id, at := range answered {
		if at.Before(began) {
			before = append(before, id)
		}
	}
	if len(before) <= 6 {
		t.Fatalf("only %d uploads were answered before the backup began", len(before))
	}
	if len(answered) == len(before) {
		t.Logf("no upload was answered while the backups ran")
	}
	entries, _ := os.ReadDir(dest)
	if len(entries) != 2 {
		t.Fatalf("%d entries in the backup folder, want 2 backups", len(entries))
	}
	first := filepath.Join(dest, entries[0].Name())

	// Refusals: a data folder in use, a wrong identity, a damaged backup.
	if out, code := run(envFor(filepath.Join(dir, "data")), "restore", first, "--identity", idFile); code != 2 || !strings.Contains(out, filepath.Join(dir, "data")+" is not empty") {
		t.Errorf("restore over the live data = exit %d\n%s", code, out)
	}
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(dir, "other-identity.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	wrongData := filepath.Join(dir, "wrong")
	if out, code := run(envFor(wrongData), "restore", first, "--identity", otherFile); code != 1 || !strings.Contains(out, backup.KeysName+" does not open with the identity given") {
		t.Errorf("restore with another identity = exit %d\n%s", code, out)
	}
	if left, _ := os.ReadDir(wrongData); len(left) != 0 {
		t.Errorf("a refused restore left %d files", len(left))
	}
	damaged := filepath.Join(dir, "damaged")
	if err := os.CopyFS(damaged, os.DirFS(first)); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(damaged, backup.KeysName)
	filepath.WalkDir(filepath.Join(damaged, backup.RecordingsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			victim = p
		}
		return nil
	})
	flipByte(t, victim, 100)
	if out, code := run(envFor(filepath.Join(dir, "from-damaged")), "restore", damaged, "--identity", idFile); code != 1 || !strings.Contains(out, "the backup is damaged: "+victim) {
		t.Errorf("restore of a damaged backup = exit %d\n%s", code, out)
	}

	// The restore itself, of the first backup.
	restored := filepath.Join(dir, "restored")
	renv := envFor(restored)
	if pg {
		if out, err := exec.Command("pg_restore", "--no-owner", "-d", restoredDB, dump).CombinedOutput(); err != nil {
			t.Fatalf("pg_restore: %v\n%s", err, out)
		}
	}
	out = must(renv, "restore", first, "--identity", idFile)
	t.Logf("restore:\n%s", out)
	if pg && !regexp.MustCompile(`\d+ objects in s3://\S+ checked, 0 missing or changed`).MatchString(out) {
		t.Errorf("the restore did not check the objects:\n%s", out)
	}
	fix := must(renv, "fixity")
	if !strings.Contains(fix, " 0 with problems") {
		t.Errorf("fixity on the restore:\n%s", fix)
	}
	must(renv, "accesslog", "verify")

	again := startNode(t, bin, "restored", renv)
	rbase := again.url.String()
	for _, id := range before {
		code, content := call(rbase, "GET", "/api/v1/recordings/"+id+"/content", nil)
		_, meta := call(rbase, "GET", "/api/v1/recordings/"+id, nil)
		var rec opname.Recording
		json.Unmarshal(meta, &rec)
		sum := sha256.Sum256(content)
		if code != 200 || rec.SHA256 == "" || hex.EncodeToString(sum[:]) != rec.SHA256 {
			t.Errorf("recording %s answered before the backup: %d, %d bytes, registered %q", id, code, len(content), rec.SHA256)
			continue
		}
		_, receipt := call(rbase, "GET", "/api/v1/recordings/"+id+"/receipt", nil)
		rf, cf := filepath.Join(dir, "bewijs.json"), filepath.Join(dir, "opname.wav")
		os.WriteFile(rf, receipt, 0o600)
		os.WriteFile(cf, content, 0o600)
		if out, code := run(renv, "verify", "--receipt", rf, "--log", rbase+"/api/v1/logs/drill", cf); code != 0 {
			t.Errorf("verify %s on the restore: exit %d\n%s", id, code, out)
		}
	}
	for _, id := range erased {
		if code, _ := call(rbase, "GET", "/api/v1/recordings/"+id+"/content", nil); code == 200 {
			t.Errorf("erased recording %s reads on the restore", id)
		}
	}
	for _, c := range clients {
		code, body := call(rbase, "GET", "/api/v1/clients/"+c+"/conversations", nil)
		if code != 200 || !strings.Contains(string(body), "Terugblik") {
			t.Errorf("client %s's conversations on the restore = %d %s", c, code, body)
		}
	}
	again.stop(t)
	t.Logf("%d recordings answered before the backup, %d in all, %d erased", len(before), len(answered), len(erased))
}

// flipByte changes one byte of the file at p.
func flipByte(t *testing.T, p string, off int64) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
