package main

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

// baselineServer is the minimal Go server opname is measured against: it
// checks a Bearer token and answers a small JSON object, nothing else.
func baselineServer(addr, token string) error {
	want := []byte("Bearer " + token)
	body := []byte(`{"id":"c_0123456789","name":"Load Client","dossier_ref":"","contact":"","staff":["u_0123456789"]}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, `{"error":"unauthenticated"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	return http.ListenAndServe(addr, mux)
}

// process is a server the bench started.
type process struct {
	cmd  *exec.Cmd
	base string
	logs bytes.Buffer
	// pprof is the address of opname's profiles, when built for them.
	pprof string
}

// freeAddr is a loopback address with a free port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startBaseline starts the baseline server as a process of its own, like
// opname, and returns once it answers, with how long that took.
func startBaseline(token string) (*process, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	p := &process{cmd: exec.Command(self, "baseline-server", addr, token), base: "http://" + addr}
	d, err := p.start("/", token)
	return p, d, err
}

// startOpname starts `opname serve` on data (and databaseURL when given)
// and returns once /readyz answers, with how long that took.
func (b *bench) startOpname(data, databaseURL string) (*process, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(b.opname, "serve")
	cmd.Env = opnameEnv(data, databaseURL, addr)
	p := &process{cmd: cmd, base: "http://" + addr}
	if b.profile != "" {
		if p.pprof, err = freeAddr(); err != nil {
			return nil, 0, err
		}
		cmd.Env = append(cmd.Env, "OPNAME_PPROF_ADDR="+p.pprof)
	}
	d, err := p.start("/readyz", "")
	return p, d, err
}

func opnameEnv(data, databaseURL, addr string) []string {
	env := append(os.Environ(), "OPNAME_DATA="+data, "OPNAME_ADDR="+addr)
	if databaseURL != "" {
		env = append(env, "OPNAME_DATABASE_URL="+databaseURL)
	}
	return env
}

func (p *process) start(path, token string) (time.Duration, error) {
	p.cmd.Stdout, p.cmd.Stderr = &p.logs, &p.logs
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return 0, err
	}
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 30*time.Second {
		req, _ := http.NewRequest("GET", p.base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	p.stop()
	return 0, fmt.Errorf("%s did not answer within 30 s:\n%s", p.cmd.Path, p.logs.String())
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// rss is the process's resident memory in bytes (Linux).
func (p *process) rss() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", p.cmd.Process.Pid)
}

// saveProfile fetches one of opname's profiles (see cmd/opname/pprof.go)
// into file.
func (p *process) saveProfile(query, file string) error {
	resp, err := http.Get("http://" + p.pprof + "/debug/pprof/" + query)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", query, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
