package policy

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestIndexDecidesAlike decides random situations under every shipped
// policy twice: with the scope index, and evaluating every rule. The
// decisions must be the same: the index only leaves out rules that cannot
// hold.
func TestIndexDecidesAlike(t *testing.T) {
	t.Parallel()
	lib, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.byScope == nil {
			t.Fatalf("%s has no scope index", name)
		}
		every := *p
		every.byScope = nil
		for range 20000 {
			s := RandomSituation(rng)
			a, errA := p.Decide(s)
			b, errB := every.Decide(s)
			if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: %+v\nwith the index: %+v %v\nevery rule:     %+v %v", name, s, a, errA, b, errB)
			}
		}
	}
}
