package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
)

func TestParseSituationDefaults(t *testing.T) {
	s, err := policy.ParseSituation(strings.NewReader(`{"action":"record","medium":"audio","by":"client","participants":[{"role":"client","age":15},{"role":"staff"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ field, got, want string }{
		{"announced", s.Announced, "in_advance"},
		{"purpose", s.Purpose, "private_use"},
		{"location", s.Location, "office"},
		{"organisation_consent", s.OrganisationConsent, "unknown"},
		{"declaration", s.Declaration, "unknown"},
		{"participants[0].capacity", s.Participants[0].Capacity, "capable"},
		{"participants[1].consent", s.Participants[1].Consent, "unknown"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !s.ByTakesPart || s.Covert || s.EditDeclared || s.MinorInterestAtRisk {
		t.Errorf("boolean defaults wrong: %+v", s)
	}
	if !s.Participants[1].Willing {
		t.Errorf("participants[1].willing = false, want true")
	}
	if !s.Participants[0].Minor() || s.Participants[1].Minor() {
		t.Errorf("minor: a 15-year-old is a minor, a staff member without age is not")
	}
	if got := s.RecorderIndex(); got != 0 {
		t.Errorf("recorder without recorder field = %d, want 0 (the first client)", got)
	}
	if s.WeightyReasons == nil || s.Decisions == nil {
		t.Errorf("lists and maps must not be nil")
	}
}

// TestParseSituationErrors checks that bad input names the field and the
// value, and never yields a situation.
func TestParseSituationErrors(t *testing.T) {
	const ok = `"action":"record","medium":"audio","by":"client"`
	const people = `"participants":[{"role":"client"}]`
	for _, c := range []struct {
		name, in    string
		field, want string // want: a phrase the message contains
	}{
		{"empty", ``, "situation", "empty input"},
		{"blank", "  \n ", "situation", "empty input"},
		{"not an object", `[1,2]`, "situation", "JSON object"},
		{"malformed", `{"action": "record",}`, "situation", "line 1, column"},
		{"truncated", `{"action": "record"`, "situation", "ends too early"},
		{"trailing data", `{` + ok + `,` + people + `} {}`, "situation", "after the JSON object"},
		{"unknown field", `{` + ok + `,` + people + `,"colour":"blue"}`, "colour", "unknown field"},
		{"unknown nested field", `{` + ok + `,"participants":[{"role":"client","name":"Jan"}]}`, "name", "unknown field"},
		{"missing action", `{"medium":"audio","by":"client",` + people + `}`, "action", "missing"},
		{"null action", `{"action":null,"medium":"audio","by":"client",` + people + `}`, "action", "missing"},
		{"bad action", `{"action":"film","medium":"audio","by":"client",` + people + `}`, "action", `"film"`},
		{"bad medium", `{"action":"record","medium":"vidoe","by":"client",` + people + `}`, "medium", `"vidoe"`},
		{"empty enum", `{` + ok + `,"announced":"",` + people + `}`, "announced", "not one of"},
		{"bad purpose", `{` + ok + `,"purpose":"fun",` + people + `}`, "purpose", `"fun"`},
		{"wrong type bool", `{` + ok + `,"covert":"yes",` + people + `}`, "covert", "true or false"},
		{"wrong type string", `{"action":1,"medium":"audio","by":"client",` + people + `}`, "action", "a string"},
		{"no participants", `{` + ok + `}`, "participants", "at least one"},
		{"empty participants", `{` + ok + `,"participants":[]}`, "participants", "at least one"},
		{"bad role", `{` + ok + `,"participants":[{"role":"grandma"}]}`, "participants[0].role", `"grandma"`},
		{"missing role", `{` + ok + `,"participants":[{"age":3}]}`, "participants[0].role", "missing"},
		{"negative age", `{` + ok + `,"participants":[{"role":"client"},{"role":"child","age":-3}]}`, "participants[1].age", `"-3"`},
		{"absurd age", `{` + ok + `,"participants":[{"role":"client","age":400}]}`, "participants[0].age", `"400"`},
		{"fractional age", `{` + ok + `,"participants":[{"role":"client","age":3.5}]}`, "participants.age", "whole number"},
		{"bad consent", `{` + ok + `,"participants":[{"role":"client","consent":"yes"}]}`, "participants[0].consent", `"yes"`},
		{"unwilling client", `{` + ok + `,"participants":[{"role":"client","willing":false}]}`, "participants[0].willing", "only staff"},
		{"empty weighty reason", `{` + ok + `,"weighty_reasons":[" "],` + people + `}`, "weighty_reasons[0]", "cannot be empty"},
		{"bad decider", `{` + ok + `,"decisions":{"director":"approved"},` + people + `}`, "decisions", `"director"`},
		{"bad verdict", `{` + ok + `,"decisions":{"manager":"maybe"},` + people + `}`, "decisions.manager", `"maybe"`},
		{"bad declaration", `{` + ok + `,"declaration":"lost",` + people + `}`, "declaration", `"lost"`},
		{"bad recipient", `{` + ok + `,"recipient":"my neighbour",` + people + `}`, "recipient", `"my neighbour"`},
		{"recorder out of range", `{` + ok + `,"recorder":1,` + people + `}`, "recorder", "not a participant"},
		{"negative recorder", `{` + ok + `,"recorder":-1,` + people + `}`, "recorder", "not a participant"},
		{"recorder of another role", `{` + ok + `,"recorder":1,"participants":[{"role":"client"},{"role":"staff"}]}`, "recorder", "cannot act as"},
		{"recorder not taking part", `{` + ok + `,"recorder":0,"by_takes_part":false,` + people + `}`, "recorder", "by_takes_part is false"},
		{"too large", `{"recipient":"` + strings.Repeat("x", 1<<20) + `"}`, "situation", "larger than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := policy.ParseSituation(strings.NewReader(c.in))
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *policy.Error", err)
			}
			if got, want := pe.Field, c.field; got != want {
				t.Errorf("field = %q, want %q (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("message %q does not contain %q", err, c.want)
			}
		})
	}
}

// FuzzParseSituation feeds arbitrary bytes to the parser and the engine:
// either an *Error or a situation every shipped policy can decide.
func FuzzParseSituation(f *testing.F) {
	f.Add([]byte(`{"action":"record","medium":"audio","by":"client","participants":[{"role":"client"},{"role":"staff"}]}`))
	f.Add([]byte(`{"action":"share","medium":"video","by":"other","covert":true,"weighty_reasons":["x"],"decisions":{"manager":"approved"},"participants":[{"role":"parent","age":40,"consent":"refused"},{"role":"staff","willing":false}]}`))
	f.Add([]byte(`{"action":"edit"`))
	lib, err := policy.Shipped()
	if err != nil {
		f.Fatal(err)
	}
	var policies []*policy.Policy
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			f.Fatal(err)
		}
		policies = append(policies, p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := policy.ParseSituation(strings.NewReader(string(data)))
		if err != nil {
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %T %v, want a *policy.Error", err, err)
			}
			if pe.Field == "" || pe.Msg == "" {
				t.Fatalf("error without field or message: %#v", pe)
			}
			return
		}
		for _, p := range policies {
			d, err := p.Decide(s)
			if err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			if d.Outcome.Strength() == 0 {
				t.Fatalf("%s: outcome %q", p.Name, d.Outcome)
			}
		}
	})
}
