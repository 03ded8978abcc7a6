package policy

import (
	"math/rand/v2"
	"testing"
	"time"

	"cel.dev/cel-go/interpreter"
)

// BenchmarkDecideVsCEL decides random situations under each shipped policy
// and, interleaved with each decision, evaluates every rule's condition of
// that policy on the same situation with CEL alone (its variables given
// as a plain map made beforehand). It reports both times and their ratio:
// what deciding costs beyond the conditions.
//
//	go test ./policy -run '^$' -bench DecideVsCEL -count 5
func BenchmarkDecideVsCEL(b *testing.B) {
	lib, err := Shipped()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	situations := make([]Situation, 1024)
	for i := range situations {
		situations[i] = RandomSituation(rng)
	}
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			b.Fatal(err)
		}
		// The plain variables of each situation, for CEL alone.
		bare := make([]interpreter.Activation, len(situations))
		for i := range situations {
			act := newActivation(&situations[i])
			vars := map[string]any{}
			for _, v := range variables {
				vars[v.name] = v.value(act)
			}
			bare[i], err = interpreter.NewActivation(vars)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name, func(b *testing.B) {
			var decide, cel time.Duration
			i := 0
			for b.Loop() {
				k := i % len(situations)
				start := time.Now()
				if _, err := p.Decide(situations[k]); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				for _, r := range p.Rules {
					if _, _, err := r.prg.Eval(bare[k]); err != nil {
						b.Fatal(err)
					}
				}
				decide += mid.Sub(start)
				cel += time.Since(mid)
				i++
			}
			b.ReportMetric(float64(decide.Nanoseconds())/float64(i), "decide-ns")
			b.ReportMetric(float64(cel.Nanoseconds())/float64(i), "cel-ns")
			b.ReportMetric(decide.Seconds()/cel.Seconds(), "decide/cel")
		})
	}
}
