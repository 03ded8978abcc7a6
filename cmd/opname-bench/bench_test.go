package main

import (
	"os"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestDecideComparison runs the decision comparison once: a row per
// shipped policy, each with a ratio and a verdict.
func TestDecideComparison(t *testing.T) {
	t.Parallel()
	rows, err := (&bench{rounds: 1}).decide()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 5 {
		t.Fatalf("%d rows, want one per shipped policy", len(rows))
	}
	for _, r := range rows {
		if !strings.HasPrefix(r.what, "decision, ") || len(r.ratios) != 1 || r.ratios[0] <= 0 || r.met == nil || r.measured == "" {
			t.Errorf("row %+v", r)
		}
	}
}

// TestWAV writes a small recording the upload comparison would send.
func TestWAV(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/r.wav"
	if err := writeWAV(path, 10_000); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) != 10_000 || string(data[:4]) != "RIFF" || string(data[36:40]) != "data" {
		t.Fatalf("%d bytes, %v", len(data), err)
	}
}
