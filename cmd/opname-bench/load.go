package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

type result struct {
	requests, errors int
	elapsed          time.Duration
	latencies        []time.Duration
	firstError       string
}

// rate is the successful requests per second.
func (r result) rate() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

// p99 is the 99th percentile latency of the successful requests.
func (r result) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Sorted(slices.Values(r.latencies))
	return l[int(.99*float64(len(l)-1))]
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

// load sends GET target with the token from conns connections for d, at
// most max requests, and gathers what came back.
func load(target, token string, conns int, d time.Duration, max int) result {
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
