package policy

import (
	"fmt"
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// participant is how a rule condition sees a participant:
//
//	participants.exists(p, p.role == "staff" && !p.willing)
type participant struct {
	Role     string `cel:"role"`
	Age      int64  `cel:"age"` // -1 when not given
	Minor    bool   `cel:"minor"`
	Capacity string `cel:"capacity"`
	Consent  string `cel:"consent"`
	Willing  bool   `cel:"willing"`
	// Recorder is true for the one person who records, edits, shares,
	// publishes or asks for a copy.
	Recorder bool `cel:"recorder"`
}

const participantType = "policy.participant"

// maxConditionLength bounds a rule's condition, in characters.
const maxConditionLength = 2000

// variable is one name a rule condition can use. Derived variables are
// computed from the situation so that policies read plainly.
type variable struct {
	name  string
	typ   *cel.Type
	doc   string
	value func(a *activation) any
	// values lists the code words a string variable can take; nil for free text.
	values []string
}

// variables documents the condition language; `opname policy show` and the
// linter use it too.
var variables = [numVariables]variable{
	{"action", cel.StringType, "what someone wants to do", func(a *activation) any { return word(a.s.Action) }, actionValues},
	{"medium", cel.StringType, "audio or video (photo counts as video)", func(a *activation) any { return word(a.s.Medium) }, mediumValues},
	{"by", cel.StringType, "who records, edits, shares or publishes, or asks for a copy", func(a *activation) any { return word(a.s.By) }, byValues},
	{"announced", cel.StringType, "when the recording was announced", func(a *activation) any { return word(a.s.Announced) }, announcedValues},
	{"covert", cel.BoolType, "the recording is made in secret and was discovered", func(a *activation) any { return a.s.Covert }, nil},
	{"purpose", cel.StringType, "what the recording is for", func(a *activation) any { return word(a.s.Purpose) }, purposeValues},
	{"location", cel.StringType, "where the conversation takes place", func(a *activation) any { return word(a.s.Location) }, locationValues},
	{"by_takes_part", cel.BoolType, "the one who records takes part in the conversation", func(a *activation) any { return a.s.ByTakesPart }, nil},
	{"minor_interest_at_risk", cel.BoolType, "staff judge that recording is not in a minor's interest", func(a *activation) any { return a.s.MinorInterestAtRisk }, nil},
	{"weighty_reasons", cel.ListType(cel.StringType), "the organisation's weighty reasons against recording", func(a *activation) any { return a.s.WeightyReasons }, nil},
	{"organisation_consent", cel.StringType, "the organisation's own consent", func(a *activation) any { return word(a.s.OrganisationConsent) }, consentValues},
	{"recipient", cel.StringType, "the kind of recipient of a shared or published recording", func(a *activation) any { return word(a.s.Recipient) }, recipientValues[1:]},
	{"edit_declared", cel.BoolType, "an edit is made known to the other party", func(a *activation) any { return a.s.EditDeclared }, nil},
	{"participants", cel.ListType(cel.ObjectType(participantType)), "everyone in the conversation (role, age, minor, capacity, consent, willing, recorder)", func(a *activation) any { return a.people }, nil},
	{"decisions", cel.MapType(cel.StringType, cel.StringType), "decisions already taken, by role: approved or rejected", func(a *activation) any { return a.s.Decisions }, nil},
	{"declaration", cel.StringType, "the signed declaration of agreements", func(a *activation) any { return word(a.s.Declaration) }, declValues},
	{"minor_present", cel.BoolType, "a participant is under 18 or a child", func(a *activation) any { return a.minor }, nil},
	{"incapable_present", cel.BoolType, "an adult lacking capacity (WGBO) takes part", func(a *activation) any { return a.incapable }, nil},
	{"multi_party", cel.BoolType, "more parties than one client and the organisation take part", func(a *activation) any { return a.multiParty }, nil},
	{"staff_unwilling", cel.BoolType, "a staff member is not willing to take part while it is recorded", func(a *activation) any { return a.unwilling }, nil},
	{"third_party", cel.BoolType, "the one who acts did not take part in the conversation (rule 6: a third party)", func(a *activation) any { return a.recorder < 0 && a.s.By == "other" }, nil},
}

func newEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{
		ext.NativeTypes(reflect.TypeFor[participant](), ext.ParseStructTags(true)),
		// Policy texts may come from an organisation's upload: bound the work
		// one condition can cause.
		cel.ParserExpressionSizeLimit(maxConditionLength),
		cel.ParserRecursionLimit(32),
	}
	for _, v := range variables {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("policy: condition environment: %w", err)
	}
	return env, nil
}

// activation presents one situation to compiled conditions.
type activation struct {
	s *Situation
	// own holds the situation of an activation made by decisionActivation.
	own                                     Situation
	people                                  []participant
	minor, incapable, multiParty, unwilling bool
	// recorder is the index of the participant who acts, or -1.
	recorder int
	// adapter, when set, turns each variable into its CEL value once per
	// activation (vals), not at every condition that reads it.
	adapter types.Adapter
	vals    [numVariables]ref.Val
	// few holds people when there are few: one allocation for the whole
	// activation.
	few [4]participant
}

func newActivation(s *Situation) *activation {
	a := &activation{}
	a.init(s)
	return a
}

// activations are activations of decisions done with: nothing keeps an
// activation once its conditions are evaluated, and making one is a large
// share of a decision's small work.
var activations = sync.Pool{New: func() any { return new(activation) }}

// decisionActivation presents s to the conditions of a decision, whose
// adapter makes each variable's value once; the activation holds its own
// copy of s. Give it back with release when the decision is made.
func decisionActivation(s Situation, adapter types.Adapter) *activation {
	a := activations.Get().(*activation)
	a.own, a.adapter, a.vals = s, adapter, [numVariables]ref.Val{}
	a.init(&a.own)
	return a
}

// release gives back an activation of decisionActivation; nothing may use
// it after. decisionActivation sets every field again.
func (a *activation) release() {
	activations.Put(a)
}

// init presents s; it sets every field but own, adapter and vals.
func (a *activation) init(s *Situation) {
	a.s, a.recorder = s, s.RecorderIndex()
	a.minor, a.incapable, a.multiParty, a.unwilling = false, false, false, false
	if len(s.Participants) <= len(a.few) {
		a.people = a.few[:len(s.Participants)]
	} else {
		a.people = make([]participant, len(s.Participants))
	}
	clients := 0
	for i, p := range s.Participants {
		age := int64(-1)
		if p.Age != nil {
			age = int64(*p.Age)
		}
		a.people[i] = participant{Role: p.Role, Age: age, Minor: p.Minor(), Capacity: p.Capacity, Consent: p.Consent, Willing: p.Willing, Recorder: i == a.recorder}
		a.minor = a.minor || p.Minor()
		a.incapable = a.incapable || p.Capacity == "incapable"
		a.unwilling = a.unwilling || p.Role == "staff" && !p.Willing
		switch p.Role {
		case "client":
			clients++
		case "staff":
		default:
			a.multiParty = true
		}
	}
	a.multiParty = a.multiParty || clients > 1
}

// words are the CEL values of the code words string variables take, made
// once: a decision does not make a value of each code word it reads.
var words = func() map[string]ref.Val {
	m := map[string]ref.Val{}
	for _, list := range [][]string{actionValues, mediumValues, byValues, announcedValues, purposeValues, locationValues, consentValues, recipientValues, declValues} {
		for _, w := range list {
			m[w] = types.String(w)
		}
	}
	return m
}()

// word is the value of a string variable: its CEL value when it is a code
// word, else the string.
func word(s string) any {
	if v, ok := words[s]; ok {
		return v
	}
	return s
}

// numVariables is how many variables there are: an activation holds their
// values in an array.
const numVariables = 21

// variablesIndex finds a variable by name.
var variablesIndex = func() map[string]int {
	m := make(map[string]int, len(variables))
	for i, v := range variables {
		if v.name == "" {
			panic("policy: numVariables is larger than the list of variables")
		}
		m[v.name] = i
	}
	return m
}()

// mediumVariable is the index of the variable medium.
var mediumVariable = variablesIndex["medium"]

func (a *activation) ResolveName(name string) (any, bool) {
	i, ok := variablesIndex[name]
	if !ok {
		return nil, false
	}
	if a.adapter == nil {
		return variables[i].value(a), true
	}
	if a.vals[i] == nil {
		a.vals[i] = a.adapter.NativeToValue(variables[i].value(a))
	}
	return a.vals[i], true
}

func (a *activation) Parent() interpreter.Activation { return nil }
