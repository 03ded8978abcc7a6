package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestKeyRotationCrash rotates an organisation's key while its server
// serves, killing `opname keys rotate` with SIGKILL at random moments and
// running it again until it finishes. Throughout, every recording reads
// back byte for byte, and recordings keep arriving; the old key file is
// there until the rotation is done and gone after; erased recordings stay
// erased; the fixity audit finds nothing wrong; and the rotation is in the
// access log, whose chain still verifies.
func TestKeyRotationCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds opname and kills a key rotation")
	}
	bin := buildOpname(t)
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); keyRotationCrash(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); keyRotationCrash(t, bin, sqldbtest.PostgresURL(t)) })
}

func keyRotationCrash(t *testing.T, bin, databaseURL string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := append(os.Environ(), "OPNAME_DATA="+data, "OPNAME_DATABASE_URL="+databaseURL, "OPNAME_BLOB_URL=",
		"OPNAME_SMTP_URL=", "OPNAME_METRICS_ADDR=", "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("opname %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return strings.TrimSpace(string(out))
	}
	cli("org", "create", "--slug", "sleutel", "--name", "Sleutel", "--policy", "ombudsman")
	cli("user", "add", "--org", "sleutel", "--email", "leiding@sleutel.nl", "--role", "manager")
	token := cli("token", "create", "--org", "sleutel", "--user", "leiding@sleutel.nl")
	cli("user", "add", "--org", "sleutel", "--email", "privacy@sleutel.nl", "--role", "privacy_officer")
	privacy := cli("token", "create", "--org", "sleutel", "--user", "privacy@sleutel.nl")
	n := startNode(t, bin, "a", env)
	base := n.url.String()

	client := &http.Client{Timeout: 30 * time.Second}
	callAs := func(token, method, path string, body []byte) (int, []byte, error) {
		r, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(r)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	call := func(method, path string, body []byte) (int, []byte, error) { return callAs(token, method, path, body) }
	code, body, err := call("POST", "/api/v1/clients", []byte(`{"name": "Client van de sleutel"}`))
	if err != nil || code != 201 {
		t.Fatalf("client = %d %s %v", code, body, err)
	}
	var c opname.Client
	json.Unmarshal(body, &c)
	var mu sync.Mutex
	sums := map[string]string{} // recording id → SHA-256 of what was sent
	upload := func(tone byte) error {
		audio := wav(1, tone)
		code, body, err := call("POST", "/api/v1/clients/"+c.ID+"/recordings", audio)
		if err != nil || code != 201 {
			return fmt.Errorf("upload = %d %s %v", code, body, err)
		}
		var out registered
		json.Unmarshal(body, &out)
		sum := sha256.Sum256(audio)
		if out.Recording.SHA256 != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("upload answered %s", body)
		}
		mu.Lock()
		sums[out.Recording.ID] = out.Recording.SHA256
		mu.Unlock()
		return nil
	}
	const recordings = 36
	for i := range recordings {
		if err := upload(byte(i)); err != nil {
			t.Fatal(err)
		}
	}
	var erased []string
	for id := range sums {
		if len(erased) == 3 {
			break
		}
		if code, body, err := call("POST", "/api/v1/recordings/"+id+"/erasure", []byte(`{"reason": "verzoek van de cliënt"}`)); err != nil || code != 200 {
			t.Fatalf("erasure = %d %s %v", code, body, err)
		}
		erased = append(erased, id)
	}
	for _, id := range erased {
		delete(sums, id)
	}
	// An upload under way across the rotation: its file key is wrapped in
	// its state in the database, and must be re-wrapped too.
	tus := &tusClient{t: t, base: base, token: token}
	pending := wav(3, 7)
	resp, uploadID := tus.create(int64(len(pending)), map[string]string{"client_id": c.ID})
	if resp.StatusCode != 201 {
		t.Fatalf("tus create = %d %s", resp.StatusCode, uploadID)
	}
	half := int64(len(pending) / 2)
	if resp, body := tus.patch(uploadID, 0, pending[:half], nil); resp.StatusCode != 204 {
		t.Fatalf("tus first half = %d %s", resp.StatusCode, body)
	}
	// The organisation's key, from before rotation.
	keys := filepath.Join(data, "keys")
	old, _ := filepath.Glob(filepath.Join(keys, "*.kek"))
	if len(old) != 1 {
		t.Fatalf("key files before rotation: %v", old)
	}
	orgID := strings.TrimSuffix(filepath.Base(old[0]), ".kek")

	// read checks every recording reads back whole.
	read := func() error {
		mu.Lock()
		ids := make(map[string]string, len(sums))
		for id, sum := range sums {
			ids[id] = sum
		}
		mu.Unlock()
		for id, sum := range ids {
			code, content, err := call("GET", "/api/v1/recordings/"+id+"/content", nil)
			got := sha256.Sum256(content)
			if err != nil || code != 200 || hex.EncodeToString(got[:]) != sum {
				return fmt.Errorf("recording %s does not read back whole: %d %v", id, code, err)
			}
		}
		return nil
	}
	// While the rotation runs, recordings are read and new ones arrive.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	var erasedLate atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if err := read(); err != nil {
				t.Error(err)
				return
			}
			if err := upload(byte(100 + i)); err != nil {
				t.Error(err)
				return
			}
			if i == 0 {
				// One is erased while the rotation runs.
				mu.Lock()
				var id string
				for id = range sums {
					break
				}
				delete(sums, id)
				mu.Unlock()
				if code, body, err := call("POST", "/api/v1/recordings/"+id+"/erasure", []byte(`{"reason": "verzoek tijdens de rotatie"}`)); err != nil || code != 200 {
					t.Errorf("erasure during the rotation = %d %s %v", code, body, err)
					return
				}
				erasedLate.Store(id)
			}
			reads.Add(1)
		}
	}()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	rotate := func() *exec.Cmd {
		cmd := exec.Command(bin, "keys", "rotate", "--org", "sleutel", "--batch", "3", "--pause", "40ms", "--settle", "300ms")
		cmd.Env = env
		return cmd
	}
	// Each run but the last is killed at a step of its own: once it has
	// printed a random number (0 to 2) of progress lines — the new key,
	// each committed batch, the old key destroyed — and a random moment
	// more (0 to 60 ms, within or between batches).
	const killRuns = 5
	kills, resumed := 0, false
	for round := 0; ; round++ {
		if round > 40 {
			t.Fatal("the rotation did not finish in 40 runs")
		}
		cmd := rotate()
		stdout, _ := cmd.StdoutPipe()
		var out lockedBuffer
		cmd.Stderr = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				out.Write([]byte(sc.Text() + "\n"))
				lines <- sc.Text()
			}
		}()
		killAt := -1
		if kills < killRuns {
			killAt = rng.IntN(3)
		}
		killed, seen := false, 0
		for line := range lines {
			if strings.HasPrefix(line, "new key version") || strings.HasPrefix(line, "re-wrapped") || strings.HasPrefix(line, "resuming") || strings.HasPrefix(line, "key version") {
				if seen == killAt && !killed {
					time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				}
				seen++
			}
		}
		err := cmd.Wait()
		resumed = resumed || strings.Contains(out.String(), "resuming the rotation")
		if killed && err != nil {
			kills++
			// Until every key is re-wrapped, the old key is kept; a run
			// killed after it destroyed it leaves only the log to write.
			if _, serr := os.Stat(old[0]); serr != nil && !strings.Contains(out.String(), "key version 0 destroyed") {
				t.Fatalf("after kill %d the old key is gone: %v\n%s", kills, serr, out.String())
			}
			continue
		}
		if err != nil {
			t.Fatalf("keys rotate: %v\n%s", err, out.String())
		}
		t.Logf("finished after %d kills:\n%s", kills, out.String())
		break
	}
	stop.Store(true)
	wg.Wait()
	if kills == 0 || !resumed {
		t.Fatalf("%d kills, resumed %v: the test killed no rotation half-way", kills, resumed)
	}
	if reads.Load() == 0 || erasedLate.Load() == nil {
		t.Fatal("too little was read, and nothing erased, while the rotation ran")
	}
	erased = append(erased, erasedLate.Load().(string))
	if _, err := os.Stat(old[0]); !os.IsNotExist(err) {
		t.Fatalf("the old key is still there after the rotation: %v", err)
	}
	if _, err := os.Stat(filepath.Join(keys, orgID+".1.kek")); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	resp, tail := tus.patch(uploadID, half, pending[half:], nil)
	var finished registered
	if resp.StatusCode != 200 || json.Unmarshal(tail, &finished) != nil {
		t.Fatalf("the upload begun before the rotation does not finish after it: %d %s", resp.StatusCode, tail)
	}
	got := sha256.Sum256(pending)
	if code, content, err := call("GET", "/api/v1/recordings/"+finished.Recording.ID+"/content", nil); err != nil || code != 200 || !bytes.Equal(content, pending) {
		t.Fatalf("the upload begun before the rotation reads back = %d %v", code, err)
	}
	mu.Lock()
	sums[finished.Recording.ID] = hex.EncodeToString(got[:])
	mu.Unlock()
	for _, id := range erased {
		if code, _, _ := call("GET", "/api/v1/recordings/"+id+"/content", nil); code == 200 {
			t.Errorf("erased recording %s reads again", id)
		}
	}
	if out := cli("fixity"); !strings.HasSuffix(out, " 0 with problems") {
		t.Errorf("fixity after rotation:\n%s", out)
	}
	cli("accesslog", "verify")
	code, body, err = callAs(privacy, "GET", "/api/v1/access-log?action=update", nil)
	if err != nil || code != 200 || !bytes.Contains(body, []byte(`"key rotated`)) {
		t.Errorf("access log of the key = %d %s %v", code, body, err)
	}
	// A second rotation starts afresh: version 2, version 1 goes.
	cli("keys", "rotate", "--org", "sleutel", "--settle", "0s")
	if _, err := os.Stat(filepath.Join(keys, orgID+".1.kek")); !os.IsNotExist(err) {
		t.Fatalf("version 1 after a second rotation: %v", err)
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRotationFinishesLog: a rotation stopped after it destroyed the old
// key, before it logged, only logs when run again — it does not start
// another rotation.
func TestKeyRotationFinishesLog(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
			return map[string]string{"OPNAME_DATA": data}[k]
		}}
		if code := m.Run(context.Background(), args); code != 0 {
			t.Fatalf("opname %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	run("org", "create", "--slug", "stop", "--name", "Stop", "--policy", "ombudsman")
	run("keys", "rotate", "--org", "stop", "--settle", "0s") // version 0
	run("keys", "rotate", "--org", "stop", "--settle", "0s") // version 1
	files, _ := filepath.Glob(filepath.Join(data, "keys", "*.1.kek"))
	if len(files) != 1 {
		t.Fatalf("key files: %v", files)
	}
	orgID := strings.TrimSuffix(filepath.Base(files[0]), ".1.kek")
	keys, err := localkeys.Open(filepath.Join(data, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	// As the record stands when the old key is gone and the log not written.
	if err := keys.SaveRotation(orgID, localkeys.Rotation{To: 1, After: "zzz", Done: 4}); err != nil {
		t.Fatal(err)
	}
	out := run("keys", "rotate", "--org", "stop", "--settle", "0s")
	if !strings.Contains(out, "stop's key is rotated to version 1; 4 recordings re-wrapped") || strings.Contains(out, "new key version") {
		t.Fatalf("keys rotate after a stop before the log:\n%s", out)
	}
	if vs, _ := keys.Versions(orgID); len(vs) != 1 || vs[0] != 1 {
		t.Fatalf("versions = %v; want [1]", vs)
	}
	if _, ok, _ := keys.Rotation(orgID); ok {
		t.Error("the rotation is still recorded")
	}
	// Then a rotation is a new one again.
	if out := run("keys", "rotate", "--org", "stop", "--settle", "0s"); !strings.Contains(out, "new key version 2") {
		t.Fatalf("the next rotation:\n%s", out)
	}
}

// TestFixityAcrossRotation: an audit that listed the recordings before a
// key rotation, and checks them after the old key is gone, finds nothing
// wrong: it checks again with the header as it is now.
func TestFixityAcrossRotation(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "")
	newFixture(t, s)
	ctx := opname.WithActor(context.Background(), opname.System("fixity"))
	recs, sealed, err := s.db.AllRecordings(ctx, time.Time{}, 0)
	if err != nil || len(recs) == 0 {
		t.Fatalf("AllRecordings = %d, %v", len(recs), err)
	}
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		return map[string]string{"OPNAME_DATA": s.dataDir}[k]
	}}
	if code := m.Run(ctx, []string{"keys", "rotate", "--org", "org-a", "--settle", "0s"}); code != 0 {
		t.Fatalf("keys rotate: exit %d\n%s", code, stderr.String())
	}
	changed := 0
	for i, rec := range recs {
		if h, err := s.db.Header(ctx, rec.OrgID, rec.ID); err == nil && !bytes.Equal(h, sealed[i].Header) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatalf("the rotation re-wrapped none of the listed recordings:\n%s", stdout.String())
	}
	v, _, err := openVault(ctx, &config{Data: s.dataDir}, s.db)
	if err != nil {
		t.Fatal(err)
	}
	v.Store = listedBefore{s.db, recs, sealed}
	n, findings, err := v.Fixity(ctx, time.Time{})
	if err != nil || n != len(recs) || len(findings) != 0 {
		t.Fatalf("Fixity = %d, %v, %v; want %d checked and no findings", n, findings, err, len(recs))
	}
}

// listedBefore is the store as the audit saw it when it listed the
// recordings: their headers from before the rotation.
type listedBefore struct {
	*sqldb.DB
	recs   []opname.Recording
	sealed []opname.Sealed
}

func (l listedBefore) AllRecordings(context.Context, time.Time, int) ([]opname.Recording, []opname.Sealed, error) {
	return l.recs, l.sealed, nil
}
