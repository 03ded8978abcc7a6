package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// report times the privacy officer's monthly report of a month half a
// year back, at b.records records, against the CSV export of the same
// month's records from the same server: the report counts the month from
// an index, so it must cost far less than reading the month's records.
func (b *bench) report() ([]row, error) {
	d, err := b.generated("log", b.records, 0)
	if err != nil {
		return nil, err
	}
	token, err := b.cli(d.dir, "token", "create", "--org", "schaal", "--user", "privacy@schaal.example")
	if err != nil {
		return nil, err
	}
	p, _, err := b.startOpname(d.dir, "")
	if err != nil {
		return nil, err
	}
	defer p.stop()
	back := time.Now().UTC().AddDate(0, -6, 0)
	from := time.Date(back.Year(), back.Month(), 1, 0, 0, 0, 0, time.UTC)
	report := p.base + "/api/v1/reports/privacy?month=" + from.Format("2006-01")
	export := p.base + "/api/v1/access-log?format=csv&since=" + url.QueryEscape(from.Format(time.RFC3339)) + "&until=" + url.QueryEscape(from.AddDate(0, 1, 0).Format(time.RFC3339))
	r := row{what: fmt.Sprintf("privacy report of a month, %s records", count(b.records)), baseline: "CSV export of that month's records", target: "≤ 0.25x"}
	for range b.rounds {
		bt, err := timeBodies(export, token, 1)
		if err != nil {
			return nil, err
		}
		rt, err := timeBodies(report, token, 5)
		if err != nil {
			return nil, err
		}
		r.measured, r.base = rt.Round(10*time.Microsecond).String(), bt.Round(10*time.Microsecond).String()
		r.ratios = append(r.ratios, rt.Seconds()/bt.Seconds())
	}
	return []row{judged(r, func(x float64) bool { return x <= 0.25 })}, nil
}

// timeBodies gets u n times, one after the other, reading each whole
// answer, and returns the mean time of an answer.
func timeBodies(u, token string, n int) (time.Duration, error) {
	var total time.Duration
	for range n {
		t0 := time.Now()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		total += time.Since(t0)
	}
	return total / time.Duration(n), nil
}
