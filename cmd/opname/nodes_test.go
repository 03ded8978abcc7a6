package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
)

// TestTwoNodes runs two opname servers on one PostgreSQL database and one
// S3 bucket behind a round-robin proxy that sends each request to the
// other server, as an organisation that outgrew one machine does. Through
// the proxy: a person signs in and out and is throttled across servers;
// recordings arrive in single requests and over tus, part by part on
// alternate servers; one server is killed in the middle of a tus upload,
// which the other finishes. Every answered recording must read back whole
// and verify against its receipt, the fixity audit must find nothing, and
// each background job must have run once per period across both servers.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds opname and runs two servers")
	}
	blobBase := os.Getenv("OPNAME_TEST_BLOB_URL")
	if blobBase == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
		}
		t.Skip("OPNAME_TEST_BLOB_URL is not set")
	}
	databaseURL := sqldbtest.PostgresURL(t)
	dir := t.TempDir()
	bin := buildOpname(t)

	proxy := &roundRobin{}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: proxy}
	go front.Serve(pln)
	t.Cleanup(func() { front.Close() })
	base := "http://" + pln.Addr().String()

	// Both servers have a data folder of their own, except the
	// key-encryption keys: one folder for both, as a shared mount would
	// be (the README's "Several servers").
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	const jobInterval = time.Second
	env := func(node string) []string {
		data := filepath.Join(dir, node)
		if err := os.MkdirAll(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(keys, filepath.Join(data, "keys")); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		return append(os.Environ(), "OPNAME_DATA="+data, "OPNAME_DATABASE_URL="+databaseURL,
			"OPNAME_BLOB_URL="+strings.TrimSuffix(blobBase, "/")+"/"+filepath.Base(dir),
			"OPNAME_PUBLIC_URL="+base, "OPNAME_NODE="+node, "OPNAME_SMTP_URL=", "OPNAME_METRICS_ADDR=",
			"OPNAME_FIXITY_INTERVAL="+jobInterval.String(), "OPNAME_ANCHOR_INTERVAL="+jobInterval.String(),
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	}
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env("a")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("opname %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return strings.TrimSpace(string(out))
	}
	cli("migrate")
	cli("org", "create", "--slug", "twee", "--name", "Twee servers", "--policy", "ombudsman")
	cli("user", "add", "--org", "twee", "--email", "leiding@twee.nl", "--role", "manager")
	// Someone else signs in with a browser: setting a password revokes
	// one's API tokens.
	added := cli("user", "add", "--org", "twee", "--email", "beheer@twee.nl", "--role", "admin")
	_, code, ok := strings.Cut(added, "/welkom?code=")
	if !ok {
		t.Fatalf("user add printed no sign-in link:\n%s", added)
	}
	code, _, _ = strings.Cut(code, "\n")
	code, _ = url.QueryUnescape(code)
	token := cli("token", "create", "--org", "twee", "--user", "leiding@twee.nl")

	nodes := map[string]*node{}
	for _, name := range []string{"a", "b"} {
		n := startNode(t, bin, name, env(name))
		nodes[name] = n
		proxy.add(n)
	}

	api := func(t *testing.T) *tusClient { return &tusClient{t: t, base: base, token: token} }
	resp, body := api(t).do("POST", "/api/v1/clients", []byte(`{"name": "Client van twee servers"}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 201 {
		t.Fatalf("client = %d %s", resp.StatusCode, body)
	}
	var client opname.Client
	json.Unmarshal(body, &client)

	t.Run("sessions", func(t *testing.T) {
		// Every step lands on the other server: the session, the form and
		// the sign-in throttle must be the same on both.
		b := newBrowser(t, base)
		const password = "twee servers, een wachtwoord"
		if code, _, _ := b.do("GET", "/welkom?code="+url.QueryEscape(code), "", ""); code != 200 {
			t.Fatalf("welcome page = %d", code)
		}
		if code, body, _ := b.form("/welkom", url.Values{"code": {code}, "wachtwoord": {password}, "herhaal": {password}}); code != 303 {
			t.Fatalf("welcome = %d\n%s", code, body)
		}
		for range 4 {
			if code, v := b.json("GET", "/api/v1/me", ""); code != 200 || v["email"] != "beheer@twee.nl" {
				t.Fatalf("me after signing in = %d %v", code, v)
			}
		}
		if code, _, _ := b.do("GET", "/clienten", "", ""); code != 200 {
			t.Fatalf("clients page = %d", code)
		}
		if code, _ := b.json("DELETE", "/api/v1/session", ""); code != 204 {
			t.Fatalf("sign out = %d", code)
		}
		for range 2 {
			if code, _ := b.json("GET", "/api/v1/me", ""); code != 401 {
				t.Fatalf("me after signing out = %d, want 401 on both servers", code)
			}
		}
		other := newBrowser(t, base)
		for i := 0; ; i++ {
			code, v := other.json("POST", "/api/v1/session", signInBody("twee", "beheer@twee.nl", "niet mijn wachtwoord"))
			if code == 429 && i > 0 {
				break
			}
			if code != 401 || i == sqldb.FreeFailures {
				t.Fatalf("wrong password %d = %d %v; want 401 and then 429, counted across both servers", i+1, code, v)
			}
		}
	})

	var mu sync.Mutex
	answered := map[string]string{} // recording id → SHA-256 of what was sent
	answer := func(t *testing.T, body []byte, sent []byte) {
		t.Helper()
		var out registered
		sum := sha256.Sum256(sent)
		if json.Unmarshal(body, &out) != nil || out.Recording.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("answered upload = %s", body)
		}
		mu.Lock()
		answered[out.Recording.ID] = out.Recording.SHA256
		mu.Unlock()
	}
	plain := func(t *testing.T, n int, tone byte) {
		api := api(t)
		for i := range n {
			audio := wav(2+i, tone+byte(i))
			resp, body := api.do("POST", "/api/v1/clients/"+client.ID+"/recordings", audio, map[string]string{"Content-Type": "audio/wav"})
			if resp.StatusCode != 201 {
				t.Fatalf("upload %d = %d %s", i, resp.StatusCode, body)
			}
			answer(t, body, audio)
		}
	}
	t.Run("plain uploads", func(t *testing.T) {
		before := proxy.counts()
		plain(t, 6, 10)
		after := proxy.counts()
		for _, name := range []string{"a", "b"} {
			if after[name]-before[name] != 3 {
				t.Errorf("server %s took %d of 6 uploads, want 3", name, after[name]-before[name])
			}
		}
	})

	// The tus subtest needs resumable uploads that any server can
	// continue: staged ciphertext in the blob storage, the upload's state
	// in the database and its lock in PostgreSQL. Were the staging a
	// server's own folder, the first part would fail ("needs shared tus
	// staging": 404 on the other server).

	// a is killed between its background jobs, not during one: a server
	// killed during a job holds it for a lease (a minute) before b takes
	// over (TestJobsTakeover), longer than this test should wait. If a
	// still claimed one in between, the wait below is longer.
	db, err := sqldb.Open(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holding := func(name string) (until time.Time) {
		leases, err := db.JobLeases(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			if l.Holder == name && l.Until.After(until) {
				until = l.Until
			}
		}
		return until
	}
	var killed, heldUntil time.Time
	kill := func() {
		if !killed.IsZero() {
			return
		}
		for deadline := time.Now().Add(2 * jobInterval); time.Now().Before(deadline) && !holding("a").IsZero(); {
			time.Sleep(5 * time.Millisecond)
		}
		proxy.remove("a")
		nodes["a"].kill()
		killed = time.Now()
		heldUntil = holding("a")
	}
	t.Run("tus across servers, one killed", func(t *testing.T) {
		api := api(t)
		audio := wav(200, 40) // 1.6 MB
		parts := splitBytes(audio, 5)
		resp, id := api.create(int64(len(audio)), map[string]string{"client_id": client.ID})
		if resp.StatusCode != 201 {
			t.Fatalf("create = %d %s", resp.StatusCode, id)
		}
		offset := int64(0)
		for i, part := range parts[:2] {
			resp, body := api.patch(id, offset, part, nil)
			if resp.StatusCode != 204 {
				t.Fatalf("part %d on server %s (needs shared tus staging) = %d %s", i+1, proxy.lastServed(), resp.StatusCode, body)
			}
			offset += int64(len(part))
		}
		// The third part goes to a, which is killed while it receives it.
		if proxy.peek() != "a" {
			api.do("GET", "/healthz", nil, nil)
		}
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			r, _ := http.NewRequest("PATCH", base+"/api/v1/uploads/"+id, pr)
			r.Header.Set("Authorization", "Bearer "+token)
			r.Header.Set("Tus-Resumable", "1.0.0")
			r.Header.Set("Upload-Offset", fmt.Sprint(offset))
			r.Header.Set("Content-Type", "application/offset+octet-stream")
			r.ContentLength = int64(len(parts[2]))
			resp, err := http.DefaultClient.Do(r)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		third := parts[2]
		pw.Write(third[:len(third)/2])
		time.Sleep(200 * time.Millisecond)
		kill()
		pw.CloseWithError(io.ErrUnexpectedEOF)
		<-done

		// The client asks where the upload stands and sends the rest to
		// the server that is left.
		resp, body := api.do("HEAD", "/api/v1/uploads/"+id, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("HEAD after the kill (needs shared tus staging) = %d %s", resp.StatusCode, body)
		}
		fmt.Sscan(resp.Header.Get("Upload-Offset"), &offset)
		if offset < int64(len(parts[0])+len(parts[1])) || offset > int64(len(audio)) {
			t.Fatalf("offset after the kill = %d", offset)
		}
		rest := splitBytes(audio[offset:], 2)
		for i, part := range rest {
			resp, body = api.patch(id, offset, part, nil)
			offset += int64(len(part))
			if i < len(rest)-1 && resp.StatusCode != 204 || i == len(rest)-1 && resp.StatusCode != 200 {
				t.Fatalf("part after the kill = %d %s", resp.StatusCode, body)
			}
		}
		answer(t, body, audio)
	})
	kill()

	t.Run("after the kill", func(t *testing.T) { plain(t, 2, 60) })

	t.Run("every answered recording verifies", func(t *testing.T) {
		api := api(t)
		mu.Lock()
		defer mu.Unlock()
		if len(answered) == 0 {
			t.Fatal("no upload was answered")
		}
		for id, sum := range answered {
			resp, content := api.do("GET", "/api/v1/recordings/"+id+"/content", nil, nil)
			got := sha256.Sum256(content)
			if resp.StatusCode != 200 || hex.EncodeToString(got[:]) != sum {
				t.Errorf("recording %s does not read back whole: %d", id, resp.StatusCode)
				continue
			}
			_, receipt := api.do("GET", "/api/v1/recordings/"+id+"/receipt", nil, nil)
			os.WriteFile(filepath.Join(dir, "bewijs.json"), receipt, 0o600)
			os.WriteFile(filepath.Join(dir, "opname.wav"), content, 0o600)
			cmd := exec.Command(bin, "verify", "--receipt", filepath.Join(dir, "bewijs.json"), "--log", base+"/api/v1/logs/twee", filepath.Join(dir, "opname.wav"))
			cmd.Env = env("a")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("verify %s: %v\n%s", id, err, out)
			}
		}
		if out := cli("fixity"); !strings.Contains(out, fmt.Sprintf("%d recordings checked, 0 with problems", len(answered))) {
			t.Errorf("fixity:\n%s", out)
		}
	})

	t.Run("jobs once across servers", func(t *testing.T) {
		// b takes the jobs over once a is gone.
		deadline := time.Now().Add(5 * jobInterval)
		if heldUntil.After(time.Now()) {
			deadline = heldUntil.Add(5 * jobInterval)
		}
		for !slices.ContainsFunc(nodes["b"].jobRuns(), func(r jobRun) bool { return r.Job == "fixity" && r.Started.After(killed) }) {
			if time.Now().After(deadline) {
				t.Fatalf("b did not run the fixity audit after a was killed at %s:\n%s", killed.Format(time.StampMicro), nodes["b"].log.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		nodes["b"].stop(t)
		runs := append(nodes["a"].jobRuns(), nodes["b"].jobRuns()...)
		slices.SortFunc(runs, func(x, y jobRun) int { return x.Started.Compare(y.Started) })
		last := map[string]jobRun{}
		count := map[string]int{}
		for _, r := range runs {
			count[r.Job]++
			if prev, ok := last[r.Job]; ok && r.Started.Sub(prev.Started) < jobInterval-time.Millisecond {
				t.Errorf("%s ran on %s at %s and on %s at %s: twice within its interval of %s", r.Job, prev.Node, prev.Started.Format(time.StampMicro), r.Node, r.Started.Format(time.StampMicro), jobInterval)
			}
			last[r.Job] = r
		}
		// Ending expired shares and removing unfinished uploads run
		// hourly: once for both servers.
		if count["shares"] != 1 || count["uploads"] != 1 || count["fixity"] < 2 || count["anchor"] < 2 {
			t.Errorf("job runs = %v; want shares and uploads once, fixity and anchor at least twice", count)
		}
		t.Logf("job runs across both servers: %v", count)
		// The lease table counts every claim: one per logged run.
		leases, err := db.JobLeases(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			if l.Runs != int64(count[l.Name]) && heldUntil.IsZero() {
				t.Errorf("job %s was claimed %d times and ran %d times", l.Name, l.Runs, count[l.Name])
			}
		}
	})
}

// splitBytes cuts b into n parts of about the same size.
func splitBytes(b []byte, n int) [][]byte {
	var parts [][]byte
	size := (len(b) + n - 1) / n
	for len(b) > 0 {
		k := min(size, len(b))
		parts = append(parts, b[:k])
		b = b[k:]
	}
	return parts
}

// node is an opname server process and what it logs.
type node struct {
	name string
	url  *url.URL
	cmd  *exec.Cmd
	log  *lockedBuffer
}

// startNode starts `opname serve` as the server name, and stops it when
// the test ends.
func startNode(t *testing.T, bin, name string, env []string) *node {
	t.Helper()
	n := &node{name: name, log: &lockedBuffer{}}
	n.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	n.cmd.Env = env
	n.cmd.Stderr = n.log
	stdout, _ := n.cmd.StdoutPipe()
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			n.cmd.Process.Kill()
			n.cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server %s printed nothing: %v\n%s", name, err, n.log.String())
	}
	go io.Copy(io.Discard, stdout)
	addr, _, _ := strings.Cut(strings.TrimPrefix(line, "opname listens on "), " ")
	if n.url, err = url.Parse(addr); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *node) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	n.cmd.Wait()
}

// stop stops the server as its operator does, and waits for it.
func (n *node) stop(t *testing.T) {
	n.cmd.Process.Signal(syscall.SIGTERM)
	if err := n.cmd.Wait(); err != nil {
		t.Errorf("server %s stopped with %v\n%s", n.name, err, n.log.String())
	}
}

// jobRun is a background job's run, as the server logs it.
type jobRun struct {
	Msg     string    `json:"msg"`
	Job     string    `json:"job"`
	Node    string    `json:"node"`
	Started time.Time `json:"started"`
}

// jobRuns are the runs of background jobs the server logged.
func (n *node) jobRuns() []jobRun {
	var runs []jobRun
	for _, line := range strings.Split(n.log.String(), "\n") {
		var r jobRun
		if json.Unmarshal([]byte(line), &r) == nil && slices.Contains([]string{"job ran", "job failed", "job stopped with the server", "job taken over by another server"}, r.Msg) {
			runs = append(runs, r)
		}
	}
	return runs
}

// lockedBuffer is a buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// roundRobin is a reverse proxy without sticky sessions: each request goes
// to the next server in turn. A server removed (as a load balancer's health
// check would) gets no more requests.
type roundRobin struct {
	mu      sync.Mutex
	nodes   []*node
	next    int
	history []string // the server each request went to
}

func (p *roundRobin) add(n *node) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nodes = append(p.nodes, n)
}

func (p *roundRobin) remove(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nodes = slices.DeleteFunc(p.nodes, func(n *node) bool { return n.name == name })
	p.next = 0
}

// peek is the server the next request goes to.
func (p *roundRobin) peek() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nodes[p.next%len(p.nodes)].name
}

func (p *roundRobin) lastServed() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.history) == 0 {
		return ""
	}
	return p.history[len(p.history)-1]
}

// counts is how many requests each server took.
func (p *roundRobin) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := map[string]int{}
	for _, name := range p.history {
		c[name]++
	}
	return c
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	n := p.nodes[p.next%len(p.nodes)]
	p.next++
	p.history = append(p.history, n.name)
	p.mu.Unlock()
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(n.url)
		pr.Out.Host = pr.In.Host
		pr.SetXForwarded()
	}, ErrorLog: log.New(io.Discard, "", 0)} // a killed server's requests fail, as the test means them to
	rp.ServeHTTP(w, r)
}
