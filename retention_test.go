package opname_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// TestDueNeverHeldNeverEarly is a property of the due list: for random
// rules, records, holds (placed and released) and clocks, it never holds a
// record a hold keeps, never one before its period is over, never one
// counted from an end of care that has not come, and holds every other
// record that is past its time.
func TestDueNeverHeldNeverEarly(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(16, 16))
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func() time.Time { return base.AddDate(0, 0, rng.IntN(365*40)) }
	for round := range 2000 {
		var rules []opname.RetentionRule
		for _, k := range policy.RetentionKinds {
			if rng.IntN(6) == 0 {
				continue // no rule: never due
			}
			rules = append(rules, opname.RetentionRule{Kind: k, Years: rng.IntN(25), Months: rng.IntN(12), Clock: policy.RetentionClocks[rng.IntN(2)], Source: "policy"})
		}
		clients := []string{"c1", "c2", "c3"}
		var cs []opname.RetentionCandidate
		var recordings []string
		for i := range rng.IntN(30) {
			c := opname.RetentionCandidate{Kind: policy.RetentionKinds[rng.IntN(len(policy.RetentionKinds))], ObjectID: fmt.Sprint("o", i), ClientID: clients[rng.IntN(len(clients))], Recorded: day()}
			if rng.IntN(2) == 0 {
				c.CareEnded = day()
			}
			switch c.Kind {
			case opname.RetainRecording, opname.RetainClientCopy, opname.RetainEdit:
				c.ObjectType, c.RecordingID = "recording", c.ObjectID
				if c.Kind == opname.RetainEdit && len(recordings) > 0 {
					c.Original = recordings[rng.IntN(len(recordings))]
				}
				recordings = append(recordings, c.ObjectID)
			default:
				c.ObjectType = "request"
			}
			cs = append(cs, c)
		}
		var holds []opname.LegalHold
		for range rng.IntN(4) {
			h := opname.LegalHold{ClientID: clients[rng.IntN(len(clients))]}
			if len(recordings) > 0 && rng.IntN(2) == 0 {
				h.RecordingID = recordings[rng.IntN(len(recordings))]
			}
			if rng.IntN(3) == 0 {
				at := day()
				h.ReleasedAt = &at
			}
			holds = append(holds, h)
		}
		now := day().AddDate(rng.IntN(30), 0, 0)
		// Often the clock stands just at, or just before, a record's
		// time: where an off-by-one would show.
		if len(cs) > 0 && rng.IntN(2) == 0 {
			c := cs[rng.IntN(len(cs))]
			for _, r := range rules {
				if r.Kind == c.Kind {
					start := c.Recorded
					if r.Clock == opname.ClockCareEnded && !c.CareEnded.IsZero() {
						start = c.CareEnded
					}
					now = r.DueAt(start).Add([]time.Duration{-time.Second, 0, time.Second}[rng.IntN(3)])
				}
			}
		}
		due := opname.Due(rules, cs, holds, now)

		for _, d := range due {
			for _, h := range holds {
				if h.ReleasedAt == nil && h.ClientID == d.ClientID && (h.RecordingID == "" || h.RecordingID == d.RecordingID || h.RecordingID == d.Original) {
					t.Fatalf("round %d: %s %s is due, but held by %+v", round, d.Kind, d.ObjectID, h)
				}
			}
			r := rules[slices.IndexFunc(rules, func(r opname.RetentionRule) bool { return r.Kind == d.Kind })]
			start := d.Recorded
			if r.Clock == opname.ClockCareEnded {
				start = d.CareEnded
			}
			if start.IsZero() || start.AddDate(r.Years, r.Months, 0).After(now) || d.DueAt.After(now) {
				t.Fatalf("round %d: %s %s is due at %s before its time (started %s, rule %+v)", round, d.Kind, d.ObjectID, now, start, r)
			}
		}
		// And nothing past its time and free is left out.
		for _, c := range cs {
			at := slices.IndexFunc(rules, func(r opname.RetentionRule) bool { return r.Kind == c.Kind })
			if at < 0 {
				continue
			}
			r := rules[at]
			start := c.Recorded
			if r.Clock == opname.ClockCareEnded {
				start = c.CareEnded
			}
			held := slices.ContainsFunc(holds, func(h opname.LegalHold) bool { return h.Holds(c) })
			listed := slices.ContainsFunc(due, func(d opname.DueItem) bool { return d.ObjectID == c.ObjectID && d.Kind == c.Kind })
			if want := !held && !start.IsZero() && !start.AddDate(r.Years, r.Months, 0).After(now); listed != want {
				t.Fatalf("round %d: %s %s listed %v, want %v", round, c.Kind, c.ObjectID, listed, want)
			}
		}
	}
}

// TestRetentionRuleCheck: a rule names what is wrong with it.
func TestRetentionRuleCheck(t *testing.T) {
	t.Parallel()
	ok := opname.RetentionRule{Kind: "recording", Years: 20, Clock: "recorded", BasisNL: "WGBO", BasisEN: "WGBO"}
	for _, c := range []struct {
		change func(*opname.RetentionRule)
		field  string
	}{
		{func(r *opname.RetentionRule) {}, ""},
		{func(r *opname.RetentionRule) { r.Kind = "recordings" }, "kind"},
		{func(r *opname.RetentionRule) { r.Clock = "forever" }, "clock"},
		{func(r *opname.RetentionRule) { r.Years = 0 }, "period"},
		{func(r *opname.RetentionRule) { r.Months = 12 }, "period"},
		{func(r *opname.RetentionRule) { r.Years = 116 }, "period"},
		{func(r *opname.RetentionRule) { r.BasisEN = " " }, "basis"},
		{func(r *opname.RetentionRule) { r.BasisNL = "a\x00b" }, "basis_nl"},
	} {
		r := ok
		c.change(&r)
		err := r.Check()
		var field string
		if e, isErr := err.(*opname.Error); isErr {
			field = e.Field
		}
		if field != c.field || (err == nil) != (c.field == "") {
			t.Errorf("%+v: error %v (field %q), want field %q", r, err, field, c.field)
		}
	}
}
