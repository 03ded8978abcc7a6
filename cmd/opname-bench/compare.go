package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname/internal/wav"
	"github.com/opname/opname/policy"
)

// decide times decisions under each shipped policy against its CEL
// programs alone, interleaved situation by situation.
func (b *bench) decide() ([]row, error) {
	lib, err := policy.Shipped()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	situations := make([]policy.Situation, 2000)
	for i := range situations {
		situations[i] = policy.RandomSituation(rng)
	}
	var rows []row
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			return nil, err
		}
		bare := make([]func() error, len(situations))
		for i, s := range situations {
			if bare[i], err = p.Conditions(s); err != nil {
				return nil, err
			}
		}
		r := row{what: "decision, " + name, baseline: "its CEL programs alone", target: "≤ 1.5x, < 10 µs"}
		var slowest time.Duration
		for range b.rounds {
			var decide, cel time.Duration
			for i, s := range situations {
				t0 := time.Now()
				if _, err := p.Decide(s); err != nil {
					return nil, err
				}
				t1 := time.Now()
				if err := bare[i](); err != nil {
					return nil, err
				}
				decide += t1.Sub(t0)
				cel += time.Since(t1)
			}
			n := time.Duration(len(situations))
			r.measured, r.base = (decide / n).String(), (cel / n).String()
			slowest = max(slowest, decide/n)
			r.ratios = append(r.ratios, decide.Seconds()/cel.Seconds())
		}
		rows = append(rows, judged(r, func(ratio float64) bool { return ratio <= 1.5 && slowest < 10*time.Microsecond }))
	}
	return rows, nil
}

// ready starts opname on an empty SQLite database and the baseline server,
// in turns, and compares the time to their first answer; then opname's
// resident memory, idle.
func (b *bench) ready() ([]row, error) {
	r := row{what: "opname serve to ready (empty SQLite)", baseline: "minimal net/http server to its first answer", target: "≤ 3x"}
	mem := row{what: "opname serve idle memory (RSS)", baseline: "the minimal server's RSS", target: "< 40 MB"}
	var largest int64
	for i := range b.rounds {
		base, baseTook, err := startBaseline("t")
		if err != nil {
			return nil, err
		}
		baseRSS, _ := base.rss()
		base.stop()
		p, took, err := b.startOpname(fmt.Sprintf("%s/ready-%d", b.work, i), "")
		if err != nil {
			return nil, err
		}
		time.Sleep(2 * time.Second)
		rss, err := p.rss()
		p.stop()
		if err != nil {
			return nil, err
		}
		largest = max(largest, rss)
		r.measured, r.base = took.Round(time.Millisecond).String(), baseTook.Round(time.Millisecond).String()
		r.ratios = append(r.ratios, took.Seconds()/baseTook.Seconds())
		mem.measured, mem.base = mib(rss), mib(baseRSS)
		mem.ratios = append(mem.ratios, float64(rss)/float64(baseRSS))
	}
	return []row{judged(r, func(x float64) bool { return x <= 3 }), judged(mem, func(float64) bool { return largest < 40e6 })}, nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// fixture is an organisation on a running opname: a staff member's API
// token and a client assigned to them.
type fixture struct {
	p             *process
	token, client string
}

// fixture makes an organisation with a manager and a staff member on a
// fresh data folder (and database, when given), starts opname on it and
// makes a client assigned to the staff member.
func (b *bench) fixture(data, databaseURL string) (*fixture, error) {
	slug := "bench-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(b.opname, args...)
		cmd.Env = opnameEnv(data, databaseURL, "127.0.0.1:0")
		var out, errs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errs
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("opname %s: %v: %s", strings.Join(args, " "), err, errs.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	steps := [][]string{
		{"org", "create", "--slug", slug, "--name", "Bench", "--policy", "veilig-thuis-utrecht"},
		{"user", "add", "--org", slug, "--email", "manager@bench.example", "--role", "manager"},
		{"user", "add", "--org", slug, "--email", "staff@bench.example", "--role", "staff"},
	}
	for _, s := range steps {
		if _, err := cli(s...); err != nil {
			return nil, err
		}
	}
	manager, err := cli("token", "create", "--org", slug, "--user", "manager@bench.example")
	if err != nil {
		return nil, err
	}
	staff, err := cli("token", "create", "--org", slug, "--user", "staff@bench.example")
	if err != nil {
		return nil, err
	}
	p, _, err := b.startOpname(data, databaseURL)
	if err != nil {
		return nil, err
	}
	f := &fixture{p: p, token: staff}
	var client, me struct{ ID string }
	if err := f.api(manager, "POST", "/api/v1/clients", `{"name": "Load Client"}`, &client); err != nil {
		p.stop()
		return nil, err
	}
	if err := f.api(staff, "GET", "/api/v1/me", "", &me); err != nil {
		p.stop()
		return nil, err
	}
	if err := f.api(manager, "POST", "/api/v1/clients/"+client.ID+"/staff", `{"user_id": "`+me.ID+`"}`, nil); err != nil {
		p.stop()
		return nil, err
	}
	f.client = client.ID
	return f, nil
}

func (f *fixture) api(token, method, path, body string, out any) error {
	req, _ := http.NewRequest(method, f.p.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// read loads a client's record (a read written to the access log) and the
// baseline server's answer in turns, on SQLite and, when
// OPNAME_BENCH_DATABASE_URL is set, on PostgreSQL.
func (b *bench) read() ([]row, error) {
	dbs := []struct{ name, url, target string }{{"SQLite", "", "≥ 0.5x req/s, p99 ≤ 3x"}}
	if u := os.Getenv("OPNAME_BENCH_DATABASE_URL"); u != "" {
		dbs = append(dbs, struct{ name, url, target string }{"PostgreSQL", u, "≥ 0.35x req/s"})
	}
	var rows []row
	for i, db := range dbs {
		f, err := b.fixture(fmt.Sprintf("%s/read-%d", b.work, i), db.url)
		if err != nil {
			return nil, err
		}
		base, _, err := startBaseline(f.token)
		if err != nil {
			f.p.stop()
			return nil, err
		}
		rate := row{what: fmt.Sprintf("logged JSON read, %d connections, %s", b.conns, db.name), baseline: "minimal net/http server, Bearer check", target: db.target}
		p99 := row{what: "  its p99 latency", baseline: "the minimal server's p99", target: "≤ 3x"}
		for round := range b.rounds {
			bres := load(base.base+"/api/v1/clients/"+f.client, f.token, b.conns, b.duration, 5_000_000)
			var profiled chan error
			if b.profile != "" && round == 0 {
				profiled = make(chan error, 1)
				go func() {
					seconds := max(1, int(b.duration.Seconds())-1)
					profiled <- f.p.saveProfile(fmt.Sprintf("profile?seconds=%d", seconds), fmt.Sprintf("%s/read-%s-cpu.pprof", b.profile, db.name))
				}()
			}
			ores := load(f.p.base+"/api/v1/clients/"+f.client, f.token, b.conns, b.duration, 5_000_000)
			if profiled != nil {
				err := <-profiled
				for _, kind := range []string{"mutex", "block", "allocs"} {
					err = errors.Join(err, f.p.saveProfile(kind, fmt.Sprintf("%s/read-%s-%s.pprof", b.profile, db.name, kind)))
				}
				if err != nil {
					f.p.stop()
					base.stop()
					return nil, err
				}
			}
			if ores.errors > 0 || bres.errors > 0 {
				f.p.stop()
				base.stop()
				return nil, fmt.Errorf("errors under load: opname %s; baseline %s", ores, bres)
			}
			rate.measured, rate.base = fmt.Sprintf("%.0f req/s", ores.rate()), fmt.Sprintf("%.0f req/s", bres.rate())
			rate.ratios = append(rate.ratios, ores.rate()/bres.rate())
			p99.measured, p99.base = ores.p99().Round(10*time.Microsecond).String(), bres.p99().Round(10*time.Microsecond).String()
			p99.ratios = append(p99.ratios, ores.p99().Seconds()/bres.p99().Seconds())
		}
		f.p.stop()
		base.stop()
		floor := 0.5
		if db.url != "" {
			floor = 0.35
		}
		rows = append(rows, judged(rate, func(x float64) bool { return x >= floor }))
		if db.url == "" {
			rows = append(rows, judged(p99, func(x float64) bool { return x <= 3 }))
		}
	}
	return rows, nil
}

// upload sends one recording of b.uploadMiB as a plain upload and over tus
// (the resumable protocol, in parts of 64 MiB), and hashes the same file
// with sha256sum, in turns.
func (b *bench) upload() ([]row, error) {
	file := b.work + "/recording.wav"
	if err := writeWAV(file, int64(b.uploadMiB)<<20); err != nil {
		return nil, err
	}
	f, err := b.fixture(b.work+"/upload", "")
	if err != nil {
		return nil, err
	}
	defer f.p.stop()
	size := fmt.Sprintf("%d MiB", b.uploadMiB)
	plain := row{what: size + " plain upload", baseline: "sha256sum of the file", target: "≥ 0.8x"}
	resumable := row{what: size + " tus upload", baseline: "the plain upload", target: "≥ 0.85x"}
	for range b.rounds {
		t0 := time.Now()
		if out, err := exec.Command("sha256sum", file).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sha256sum: %v: %s", err, out)
		}
		hashed := time.Since(t0)
		plainTook, err := f.plainUpload(file)
		if err != nil {
			return nil, err
		}
		tusTook, err := f.tusUpload(file, 64<<20)
		if err != nil {
			return nil, err
		}
		plain.measured, plain.base = rate(b.uploadMiB, plainTook), rate(b.uploadMiB, hashed)
		plain.ratios = append(plain.ratios, hashed.Seconds()/plainTook.Seconds())
		resumable.measured, resumable.base = rate(b.uploadMiB, tusTook), rate(b.uploadMiB, plainTook)
		resumable.ratios = append(resumable.ratios, plainTook.Seconds()/tusTook.Seconds())
	}
	return []row{judged(plain, func(x float64) bool { return x >= 0.8 }), judged(resumable, func(x float64) bool { return x >= 0.85 })}, nil
}

func rate(mebibytes int, d time.Duration) string {
	return fmt.Sprintf("%.0f MiB/s", float64(mebibytes)/d.Seconds())
}

// plainUpload posts the file as a recording of the client and returns how
// long the answer took.
func (f *fixture) plainUpload(file string) (time.Duration, error) {
	body, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	st, _ := body.Stat()
	start := time.Now()
	req, _ := http.NewRequest("POST", f.p.base+"/api/v1/clients/"+f.client+"/recordings", body)
	req.ContentLength = st.Size()
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "audio/wav")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("plain upload: %s %s", resp.Status, data)
	}
	return time.Since(start), nil
}

// tusUpload sends the file over tus in parts of chunk bytes and returns how
// long it took until the last part's answer (the recording sealed).
func (f *fixture) tusUpload(file string, chunk int64) (time.Duration, error) {
	body, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	st, _ := body.Stat()
	start := time.Now()
	req, _ := http.NewRequest("POST", f.p.base+"/api/v1/uploads", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(st.Size(), 10))
	req.Header.Set("Upload-Metadata", "client_id "+base64.StdEncoding.EncodeToString([]byte(f.client)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	location := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || location == "" {
		return 0, fmt.Errorf("tus create: %s", resp.Status)
	}
	if strings.HasPrefix(location, "/") {
		location = f.p.base + location
	}
	for offset := int64(0); offset < st.Size(); {
		n := min(chunk, st.Size()-offset)
		req, _ := http.NewRequest("PATCH", location, io.NewSectionReader(body, offset, n))
		req.ContentLength = n
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("tus part at %d: %s %s", offset, resp.Status, data)
		}
		offset += n
	}
	return time.Since(start), nil
}

// writeWAV writes a valid WAV file of size bytes: 8-bit mono at 8 kHz,
// noise, so that nothing on the way compresses it.
func writeWAV(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	header := wav.Header(size)
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.Write(header)
	// SHA-256 in counter mode: fast, incompressible noise.
	var counter [8]byte
	for n, rest := uint64(0), size-44; rest > 0; n++ {
		binary.LittleEndian.PutUint64(counter[:], n)
		block := sha256.Sum256(counter[:])
		k := min(rest, int64(len(block)))
		_, _ = w.Write(block[:k])
		rest -= k
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
