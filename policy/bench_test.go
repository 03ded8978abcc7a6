package policy_test

import (
	"math/rand/v2"
	"testing"

	"github.com/opname/opname/policy"
)

// BenchmarkDecide measures one decision per shipped policy, compiled once,
// over a fixed mix of random situations. Target: under 20 µs a decision.
//
//	go test ./policy -run '^$' -bench Decide -benchmem
func BenchmarkDecide(b *testing.B) {
	lib := shipped(b)
	rng := rand.New(rand.NewPCG(1, 1))
	situations := make([]policy.Situation, 1024)
	for i := range situations {
		situations[i] = policy.RandomSituation(rng)
	}
	for _, name := range lib.Names() {
		p := load(b, lib, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := p.Decide(situations[i%len(situations)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkCompile measures compiling a shipped policy from its text.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		lib := shipped(b)
		load(b, lib, "blijf-groep")
	}
}
