package main

import (
	"bufio"
	"bytes"
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
)

// TestCrashDuringUploads kills the server with SIGKILL at random moments
// while several uploads run at once, restarts it on the same data, and
// checks the durability promise: every recording whose upload was answered
// is there and decrypts to its SHA-256, and every recording that is listed
// (answered or not) decrypts to the SHA-256 it was registered with —
// nothing half-written shows as complete. Then the fixity audit must find
// nothing wrong.
func TestCrashDuringUploads(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and kills a server")
	}
	dir := t.TempDir()
	bin := buildOpname(t)
	data := filepath.Join(dir, "data")
	// verify remembers the log's key in its own configuration, not the user's.
	env := append(os.Environ(), "OPNAME_DATA="+data, "OPNAME_DATABASE_URL=", "OPNAME_BLOB_URL=", "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("opname %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	cli("org", "create", "--slug", "crash", "--name", "Crash", "--policy", "ombudsman")
	cli("user", "add", "--org", "crash", "--email", "leiding@crash.nl", "--role", "manager")
	token := cli("token", "create", "--org", "crash", "--user", "leiding@crash.nl")

	var base atomic.Value // the running server's URL
	var server *exec.Cmd
	start := func() {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
		cmd.Env = env
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		server = cmd
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("serve printed nothing: %v", err)
		}
		go io.Copy(io.Discard, stdout)
		url, _, _ := strings.Cut(strings.TrimPrefix(line, "opname listens on "), " ")
		base.Store(url)
	}
	t.Cleanup(func() {
		if server != nil && server.ProcessState == nil {
			server.Process.Kill()
			server.Wait()
		}
	})
	start()
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(method, path string, body []byte) (int, []byte, error) {
		r, _ := http.NewRequest(method, base.Load().(string)+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(r)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	code, body, err := call("POST", "/api/v1/clients", []byte(`{"name": "Client bij een crash"}`))
	if err != nil || code != 201 {
		t.Fatalf("client = %d %s %v", code, body, err)
	}
	var c opname.Client
	json.Unmarshal(body, &c)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var mu sync.Mutex
	acked := map[string]string{} // recording id → SHA-256 of what was sent
	var attempts atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w+2)))
			for !stop.Load() {
				audio := wav(1+r.IntN(90), byte(r.IntN(256)))
				sum := sha256.Sum256(audio)
				attempts.Add(1)
				code, body, err := call("POST", "/api/v1/clients/"+c.ID+"/recordings", audio)
				if err != nil || code != 201 {
					time.Sleep(20 * time.Millisecond) // the server is down, or going
					continue
				}
				var out registered
				if json.Unmarshal(body, &out) != nil || out.Recording.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("answered upload = %s", body)
					continue
				}
				mu.Lock()
				acked[out.Recording.ID] = out.Recording.SHA256
				mu.Unlock()
			}
		}()
	}
	const rounds = 5
	for range rounds {
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		server.Process.Signal(syscall.SIGKILL)
		server.Wait()
		start()
		ready := false
		for range 100 {
			if code, _, err := call("GET", "/readyz", nil); err == nil && code == 200 {
				ready = true
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !ready {
			t.Fatal("the server did not come back")
		}
	}
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	// One page of the largest size holds every recording of the test.
	code, body, err = call("GET", "/api/v1/clients/"+c.ID+"/recordings?limit="+fmt.Sprint(opname.MaxPageSize), nil)
	if err != nil || code != 200 {
		t.Fatalf("list = %d %v", code, err)
	}
	var listed []opname.Recording
	json.Unmarshal(body, &listed)
	if len(listed) == opname.MaxPageSize {
		t.Fatalf("%d recordings fill a page: list the next pages too", len(listed))
	}
	registeredSum := map[string]string{}
	for _, rec := range listed {
		registeredSum[rec.ID] = rec.SHA256
	}
	for id, sum := range acked {
		if registeredSum[id] != sum {
			t.Errorf("answered recording %s is missing or changed (listed as %q)", id, registeredSum[id])
		}
	}
	for _, rec := range listed {
		code, content, err := call("GET", "/api/v1/recordings/"+rec.ID+"/content", nil)
		got := sha256.Sum256(content)
		if err != nil || code != 200 || hex.EncodeToString(got[:]) != rec.SHA256 {
			t.Errorf("listed recording %s does not read back whole: %d %v", rec.ID, code, err)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no upload was answered; the test proved nothing")
	}
	t.Logf("%d uploads tried, %d answered, %d listed, %d kills", attempts.Load(), len(acked), len(listed), rounds)

	// A receipt still verifies against the restarted log.
	for id := range acked {
		_, receipt, _ := call("GET", "/api/v1/recordings/"+id+"/receipt", nil)
		_, content, _ := call("GET", "/api/v1/recordings/"+id+"/content", nil)
		os.WriteFile(filepath.Join(dir, "bewijs.json"), receipt, 0o600)
		os.WriteFile(filepath.Join(dir, "opname.wav"), content, 0o600)
		cmd := exec.Command(bin, "verify", "--receipt", filepath.Join(dir, "bewijs.json"), "--log", base.Load().(string)+"/api/v1/logs/crash", filepath.Join(dir, "opname.wav"))
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("verify %s: %v\n%s", id, err, out)
		}
		break
	}

	server.Process.Signal(syscall.SIGTERM)
	server.Wait()
	cmd := exec.Command(bin, "fixity")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), fmt.Sprintf("%d recordings checked, 0 with problems", len(listed))) {
		t.Errorf("fixity after the crashes: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(filepath.Join(data, "recordings", ".staging")); len(left) != 0 {
		t.Errorf("staged uploads left: %d", len(left))
	}
	// Half-written blobs of killed uploads are removed when the server
	// starts; whole blobs whose row never committed are ciphertext without
	// a key, counted here.
	var blobs, partial int
	filepath.WalkDir(filepath.Join(data, "recordings"), func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case strings.HasPrefix(d.Name(), ".put-"):
			partial++
		default:
			blobs++
		}
		return nil
	})
	if partial != 0 {
		t.Errorf("%d half-written blobs left after a restart", partial)
	}
	t.Logf("%d blobs for %d recordings", blobs, len(listed))
}
