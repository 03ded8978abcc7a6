// Command opname-load sends authenticated JSON reads to a running opname
// over loopback and reports throughput and latency. It sends a bounded
// number of requests for a bounded time and then stops.
//
//	opname-load -url http://127.0.0.1:8080/api/v1/clients/ID -token opn_… -c 50 -d 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	target := flag.String("url", "", "the URL to GET")
	token := flag.String("token", os.Getenv("OPNAME_TOKEN"), "API token (or OPNAME_TOKEN)")
	conns := flag.Int("c", 50, "concurrent connections")
	duration := flag.Duration("d", 10*time.Second, "how long to send requests (at most 5m)")
	max := flag.Int("n", 2_000_000, "at most this many requests")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Hostname() == "" {
		fmt.Fprintln(os.Stderr, "opname-load: error: -url: give the URL of a running opname")
		os.Exit(2)
	}
	if ip := u.Hostname(); ip != "127.0.0.1" && ip != "localhost" && ip != "::1" {
		fmt.Fprintln(os.Stderr, "opname-load: error: -url: load is only sent to loopback")
		os.Exit(2)
	}
	*duration = min(*duration, 5*time.Minute)
	res := run(*target, *token, *conns, *duration, *max)
	fmt.Println(res)
	if res.errors > 0 {
		os.Exit(1)
	}
}

type result struct {
	requests, errors int
	elapsed          time.Duration
	latencies        []time.Duration
	firstError       string
}

func (r result) String() string {
	if len(r.latencies) == 0 {
		return fmt.Sprintf("no successful requests; %d errors (%s)", r.errors, r.firstError)
	}
	slices.Sort(r.latencies)
	p := func(q float64) time.Duration { return r.latencies[int(q*float64(len(r.latencies)-1))] }
	s := fmt.Sprintf("%d requests in %.1fs: %.0f req/s; latency p50 %v, p90 %v, p99 %v, max %v; %d errors",
		r.requests, r.elapsed.Seconds(), float64(r.requests)/r.elapsed.Seconds(),
		p(.5).Round(10*time.Microsecond), p(.9).Round(10*time.Microsecond), p(.99).Round(10*time.Microsecond), r.latencies[len(r.latencies)-1].Round(10*time.Microsecond), r.errors)
	if r.firstError != "" {
		s += " (first: " + r.firstError + ")"
	}
	return s
}

func run(target, token string, conns int, d time.Duration, max int) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var total result
	var sent int
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine result
			for ctx.Err() == nil {
				mu.Lock()
				if sent >= max {
					mu.Unlock()
					break
				}
				sent++
				mu.Unlock()
				req, _ := http.NewRequestWithContext(ctx, "GET", target, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						mine.errors++
						mine.firstError = err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine.requests++
				if resp.StatusCode != http.StatusOK {
					mine.errors++
					mine.firstError = resp.Status
					continue
				}
				mine.latencies = append(mine.latencies, time.Since(t0))
			}
			mu.Lock()
			total.requests += mine.requests
			total.errors += mine.errors
			total.latencies = append(total.latencies, mine.latencies...)
			if total.firstError == "" {
				total.firstError = mine.firstError
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}
