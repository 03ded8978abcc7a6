// Command opname-bench measures opname side by side with a baseline run in
// the same program — a minimal net/http server, sha256sum, the bare CEL
// programs of a policy — in interleaved rounds, so that the load of a
// shared machine falls on both alike, and prints each comparison as a
// ratio beside its target. BENCHMARKS.md explains the table.
//
//	go run ./cmd/opname-bench                        # everything, 3 rounds
//	go run ./cmd/opname-bench -only decide,ready     # some comparisons
//	OPNAME_BENCH_DATABASE_URL=postgres://… go run ./cmd/opname-bench -only read
//	go run ./cmd/opname-bench -only logsearch,logverify,busyupload -records 10000000 -busy-recordings 100000 -scale-dir /var/tmp/opname-scale
//
// It builds ./cmd/opname and starts it on loopback with fresh data folders;
// run it from the repository.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "baseline-server" {
		if err := baselineServer(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "opname-bench: baseline server:", err)
			os.Exit(1)
		}
		return
	}
	b := &bench{}
	flag.IntVar(&b.rounds, "rounds", 3, "interleaved rounds of each comparison")
	only := flag.String("only", "", "comparisons to run, by name, comma-separated: "+strings.Join(names(), ", "))
	flag.IntVar(&b.conns, "c", 50, "connections of the read comparisons")
	flag.DurationVar(&b.duration, "d", 5*time.Second, "how long each side of a read comparison sends requests")
	flag.IntVar(&b.uploadMiB, "upload-mib", 1024, "size of the recording the upload comparisons send, in MiB")
	flag.IntVar(&b.records, "records", 1_000_000, "access-log records of the large organisation of the scale comparisons (10000000 at full scale)")
	flag.IntVar(&b.busyRecordings, "busy-recordings", 10_000, "recordings of the busy client of the upload comparison at scale (100000 at full scale)")
	flag.StringVar(&b.scaleDir, "scale-dir", "", "keep the generated organisations of the scale comparisons in this folder and use them again")
	flag.StringVar(&b.profile, "profile", "", "folder for profiles of opname under the read load (CPU, mutex, block, allocations; built with -tags pprof)")
	flag.Parse()
	chosen := names()
	if *only != "" {
		chosen = strings.Split(*only, ",")
		for _, n := range chosen {
			if !slices.Contains(names(), n) {
				fmt.Fprintf(os.Stderr, "opname-bench: -only: %q is not a comparison; choose from %s\n", n, strings.Join(names(), ", "))
				os.Exit(2)
			}
		}
	}
	if err := b.setUp(); err != nil {
		fmt.Fprintln(os.Stderr, "opname-bench:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(b.work)
	fmt.Printf("opname-bench: %d rounds, %d cores, %s\n", b.rounds, numCPU(), time.Now().UTC().Format(time.RFC3339))
	failed := false
	for _, c := range comparisons {
		if !slices.Contains(chosen, c.name) {
			continue
		}
		rows, err := c.run(b)
		if err != nil {
			fmt.Fprintf(os.Stderr, "opname-bench: %s: %v\n", c.name, err)
			failed = true
			continue
		}
		b.rows = append(b.rows, rows...)
	}
	b.print()
	if failed {
		os.Exit(1)
	}
}

// bench holds the settings and results of one run.
type bench struct {
	rounds, conns, uploadMiB int
	// records and busyRecordings are the sizes of the scale comparisons;
	// scaleDir, when set, keeps their generated data.
	records, busyRecordings int
	scaleDir                string
	duration                time.Duration
	// work is a temporary folder; opname is the binary built there.
	work, opname string
	// profile, when set, is where the read comparison keeps opname's
	// profiles of its first round.
	profile string
	rows    []row
}

// row is one comparison's outcome: the measured side and the baseline,
// each as people read them, their ratio per round, and the target.
type row struct {
	what, baseline string
	measured, base string
	ratios         []float64
	target         string
	// met says whether the median ratio meets the target; nil when the
	// comparison has no target of its own (it is shown for context).
	met *bool
}

type comparison struct {
	name string
	run  func(b *bench) ([]row, error)
}

var comparisons = []comparison{
	{"decide", (*bench).decide},
	{"ready", (*bench).ready},
	{"read", (*bench).read},
	{"upload", (*bench).upload},
	{"logsearch", (*bench).logSearch},
	{"logverify", (*bench).logVerify},
	{"busyupload", (*bench).busyUpload},
	{"report", (*bench).report},
	{"backup", (*bench).backup},
}

func names() []string {
	out := make([]string, len(comparisons))
	for i, c := range comparisons {
		out[i] = c.name
	}
	return out
}

func (b *bench) setUp() error {
	work, err := os.MkdirTemp("", "opname-bench-")
	if err != nil {
		return err
	}
	b.work, b.opname = work, work+"/opname"
	args := []string{"build", "-o", b.opname}
	if b.profile != "" {
		if err := os.MkdirAll(b.profile, 0o755); err != nil {
			return err
		}
		args = append(args, "-tags", "pprof")
	}
	build := exec.Command("go", append(args, "./cmd/opname")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(work)
		return fmt.Errorf("go build ./cmd/opname (run opname-bench from the repository): %w", err)
	}
	return nil
}

// median is the middle of xs (the mean of the two middle ones).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// judged is a row whose median ratio is checked with ok.
func judged(r row, ok func(ratio float64) bool) row {
	met := ok(median(r.ratios))
	r.met = &met
	return r
}

func (b *bench) print() {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "what\tmeasured\tbaseline\tbaseline value\tratio (median; range)\ttarget\tmet")
	for _, r := range b.rows {
		lo, hi := slices.Min(r.ratios), slices.Max(r.ratios)
		met := "-"
		if r.met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*r.met]
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.2fx (%.2f–%.2f)\t%s\t%s\n", r.what, r.measured, r.baseline, r.base, median(r.ratios), lo, hi, r.target, met)
	}
	w.Flush()
}
