package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/opname/opname/policy"
)

// The properties of issue 10, checked over generated situations for every
// shipped policy. A failing property prints the smallest situation that
// still breaks it (as JSON that `opname policy check` reads), the decisions
// involved and the seed. To reproduce or explore:
//
//	go test ./policy -run Properties -props.seed 12345 -props.n 10000
//
// OPNAME_PROPS_SEED does the same as -props.seed.
var (
	propSeed = flag.Uint64("props.seed", 0, "seed for generated situations (0: $OPNAME_PROPS_SEED, else a fixed seed)")
	propN    = flag.Int("props.n", 0, "situations per shipped policy (0: the default; fewer with -short)")
)

const (
	defaultSeed = 1
	// defaultN keeps the test with -race well under 20 s on two cores.
	defaultN = 1500
	shortN   = 300
	// maxShown is how many shrunk failures a property prints per policy.
	maxShown = 2
)

func seed(t testing.TB) uint64 {
	t.Helper()
	if *propSeed != 0 {
		return *propSeed
	}
	if v := os.Getenv("OPNAME_PROPS_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("OPNAME_PROPS_SEED=%q: %v", v, err)
		}
		return n
	}
	return defaultSeed
}

func situationCount() int {
	switch {
	case *propN > 0:
		return *propN
	case testing.Short():
		return shortN
	}
	return defaultN
}

// rngFor gives each policy its own stream, so that a failure under one
// policy reproduces whatever other policies are shipped.
func rngFor(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// The code words of the contract (spec/contract.md, "Situation (input)").
var (
	genActions    = []string{"record", "copy", "edit", "share", "publish"}
	genMedia      = []string{"audio", "video"}
	genBy         = []string{"client", "organisation", "other"}
	genAnnounced  = []string{"in_advance", "at_start", "not_announced"}
	genPurposes   = []string{"private_use", "complaint_procedure", "legal_proceedings", "publication", "other"}
	genLocations  = []string{"office", "home_visit", "public_activity", "phone", "video_call"}
	genConsent    = []string{"unknown", "given", "refused"}
	genRecipients = []string{"", "lawyer", "complaints_committee", "court", "ombudsman", "care_provider", "municipality", "family", "press", "public"}
	genDecl       = []string{"unknown", "signed", "refused"}
	genRoles      = []string{"client", "staff", "parent", "child", "guardian", "representative", "other"}
	// Ages at the edges of the WGBO's age groups come up more often.
	genEdgeAges = []int{0, 11, 12, 15, 16, 17, 18}
)

func pick[T any](rng *rand.Rand, values []T) T { return values[rng.IntN(len(values))] }

func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }

// actsAs mirrors the contract's "recorder": which roles can act as by
// (policy/situation.go, actsAs).
func actsAs(role, by string) bool {
	switch by {
	case "client":
		return role == "client"
	case "organisation":
		return role == "staff"
	}
	return role != "client" && role != "staff"
}

// generate returns a random situation that is valid per the contract: it
// is built as a value, written as JSON and read back with
// policy.ParseSituation, which the test fails on if it refuses it.
func generate(t testing.TB, rng *rand.Rand) policy.Situation {
	t.Helper()
	s := policy.Situation{
		Action:              pick(rng, genActions),
		Medium:              pick(rng, genMedia),
		By:                  pick(rng, genBy),
		Announced:           pick(rng, genAnnounced),
		Covert:              chance(rng, 0.25),
		Purpose:             pick(rng, genPurposes),
		Location:            pick(rng, genLocations),
		ByTakesPart:         chance(rng, 0.8),
		MinorInterestAtRisk: chance(rng, 0.15),
		OrganisationConsent: pick(rng, genConsent),
		Recipient:           pick(rng, genRecipients),
		EditDeclared:        chance(rng, 0.5),
		Declaration:         pick(rng, genDecl),
	}
	if chance(rng, 0.2) {
		s.WeightyReasons = []string{"de veiligheid van een kind"}
	}
	switch rng.IntN(4) {
	case 0:
		s.Decisions = map[string]string{"manager": "approved"}
	case 1:
		s.Decisions = map[string]string{"manager": "rejected"}
	}
	// Mostly small conversations, sometimes up to eight people.
	n := 1 + rng.IntN(1+rng.IntN(8))
	for range n {
		p := policy.Participant{
			Role:     pick(rng, genRoles),
			Capacity: "capable",
			Consent:  pick(rng, genConsent),
			Willing:  true,
		}
		switch r := rng.IntN(10); {
		case r < 3:
			a := pick(rng, genEdgeAges)
			p.Age = &a
		case r < 7:
			a := rng.IntN(100)
			p.Age = &a
		}
		if chance(rng, 0.2) {
			p.Capacity = "incapable"
		}
		if p.Role == "staff" && chance(rng, 0.25) {
			p.Willing = false
		}
		s.Participants = append(s.Participants, p)
	}
	if s.ByTakesPart {
		var actors []int
		for i, p := range s.Participants {
			if actsAs(p.Role, s.By) {
				actors = append(actors, i)
			}
		}
		// Mostly let someone in the conversation be the one who acts.
		if len(actors) == 0 && chance(rng, 0.7) {
			i := rng.IntN(len(s.Participants))
			s.Participants[i].Role = map[string]string{"client": "client", "organisation": "staff", "other": pick(rng, genRoles[2:])}[s.By]
			s.Participants[i].Willing = true
			actors = []int{i}
		}
		if len(actors) > 0 && chance(rng, 0.5) {
			i := pick(rng, actors)
			s.Recorder = &i
		}
	}
	v, err := valid(s)
	if err != nil {
		js, _ := json.Marshal(s)
		t.Fatalf("the generator made an invalid situation: %v\n%s", err, js)
	}
	return v
}

// situationJSON writes s as the contract's JSON, leaving out fields that
// have their default value, so that a printed situation is short.
func situationJSON(s policy.Situation) []byte {
	m := map[string]any{"action": s.Action, "medium": s.Medium, "by": s.By}
	opt := func(key string, v, def any) {
		if v != def {
			m[key] = v
		}
	}
	opt("announced", s.Announced, "in_advance")
	opt("covert", s.Covert, false)
	opt("purpose", s.Purpose, "private_use")
	opt("location", s.Location, "office")
	opt("by_takes_part", s.ByTakesPart, true)
	opt("minor_interest_at_risk", s.MinorInterestAtRisk, false)
	opt("organisation_consent", s.OrganisationConsent, "unknown")
	opt("recipient", s.Recipient, "")
	opt("edit_declared", s.EditDeclared, false)
	opt("declaration", s.Declaration, "unknown")
	if len(s.WeightyReasons) > 0 {
		m["weighty_reasons"] = s.WeightyReasons
	}
	if len(s.Decisions) > 0 {
		m["decisions"] = s.Decisions
	}
	if s.Recorder != nil {
		m["recorder"] = *s.Recorder
	}
	var ps [][]byte
	for _, p := range s.Participants {
		pm := map[string]any{"role": p.Role}
		if p.Age != nil {
			pm["age"] = *p.Age
		}
		if p.Capacity != "capable" {
			pm["capacity"] = p.Capacity
		}
		if p.Consent != "unknown" {
			pm["consent"] = p.Consent
		}
		if !p.Willing {
			pm["willing"] = false
		}
		ps = append(ps, object(pm, "role", "age", "capacity", "consent", "willing"))
	}
	m["participants"] = verbatim(append(append([]byte("["), bytes.Join(ps, []byte(", "))...), ']'))
	// Keys in the contract's order read better than sorted ones.
	return object(m, "action", "medium", "by", "recorder", "announced", "covert", "purpose", "location", "by_takes_part",
		"minor_interest_at_risk", "weighty_reasons", "organisation_consent", "recipient", "edit_declared", "declaration", "decisions", "participants")
}

// verbatim is JSON that object writes as it is.
type verbatim []byte

// object writes the keys of m that are present, in order, as a JSON object.
func object(m map[string]any, order ...string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range order {
		v, ok := m[k]
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteString(", ")
		}
		kj, _ := json.Marshal(k)
		vj, ok := v.(verbatim)
		if !ok {
			vj, _ = json.Marshal(v)
		}
		b.Write(kj)
		b.WriteString(": ")
		b.Write(vj)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// valid reads s back through the contract's parser: what the properties
// decide on is exactly what the printed JSON says.
func valid(s policy.Situation) (policy.Situation, error) {
	return policy.ParseSituation(bytes.NewReader(situationJSON(s)))
}

// clone copies s deeply enough to change a participant or a field.
func clone(s policy.Situation) policy.Situation {
	c := s
	c.Participants = slices.Clone(s.Participants)
	c.WeightyReasons = slices.Clone(s.WeightyReasons)
	c.Decisions = maps.Clone(s.Decisions)
	if s.Recorder != nil {
		r := *s.Recorder
		c.Recorder = &r
	}
	return c
}

// shrinks returns smaller or simpler variants of s, each one step away.
// Invalid variants are dropped by the caller.
func shrinks(s policy.Situation) []policy.Situation {
	var out []policy.Situation
	add := func(f func(c *policy.Situation) bool) {
		c := clone(s)
		if f(&c) {
			out = append(out, c)
		}
	}
	for j := range s.Participants {
		add(func(c *policy.Situation) bool {
			if len(c.Participants) == 1 {
				return false
			}
			c.Participants = slices.Delete(c.Participants, j, j+1)
			switch {
			case c.Recorder == nil:
			case *c.Recorder == j:
				c.Recorder = nil
			case *c.Recorder > j:
				*c.Recorder--
			}
			return true
		})
	}
	add(func(c *policy.Situation) bool {
		ok := c.Recorder != nil
		c.Recorder = nil
		return ok
	})
	reset := func(field func(c *policy.Situation) *string, def string) {
		add(func(c *policy.Situation) bool {
			f := field(c)
			ok := *f != def
			*f = def
			return ok
		})
	}
	reset(func(c *policy.Situation) *string { return &c.Action }, "record")
	reset(func(c *policy.Situation) *string { return &c.Medium }, "audio")
	reset(func(c *policy.Situation) *string { return &c.By }, "client")
	reset(func(c *policy.Situation) *string { return &c.Announced }, "in_advance")
	reset(func(c *policy.Situation) *string { return &c.Purpose }, "private_use")
	reset(func(c *policy.Situation) *string { return &c.Location }, "office")
	reset(func(c *policy.Situation) *string { return &c.OrganisationConsent }, "unknown")
	reset(func(c *policy.Situation) *string { return &c.Recipient }, "")
	reset(func(c *policy.Situation) *string { return &c.Declaration }, "unknown")
	add(func(c *policy.Situation) bool { ok := c.Covert; c.Covert = false; return ok })
	add(func(c *policy.Situation) bool { ok := !c.ByTakesPart; c.ByTakesPart = true; return ok })
	add(func(c *policy.Situation) bool { ok := c.MinorInterestAtRisk; c.MinorInterestAtRisk = false; return ok })
	add(func(c *policy.Situation) bool { ok := c.EditDeclared; c.EditDeclared = false; return ok })
	add(func(c *policy.Situation) bool { ok := len(c.WeightyReasons) > 0; c.WeightyReasons = nil; return ok })
	add(func(c *policy.Situation) bool { ok := len(c.Decisions) > 0; c.Decisions = nil; return ok })
	for j, p := range s.Participants {
		if p.Age != nil {
			add(func(c *policy.Situation) bool { c.Participants[j].Age = nil; return true })
			for _, a := range []int{0, 12, 16, 18} {
				if a < *p.Age {
					add(func(c *policy.Situation) bool { c.Participants[j].Age = &a; return true })
				}
			}
		}
		add(func(c *policy.Situation) bool {
			ok := c.Participants[j].Capacity != "capable"
			c.Participants[j].Capacity = "capable"
			return ok
		})
		add(func(c *policy.Situation) bool {
			ok := c.Participants[j].Consent != "unknown"
			c.Participants[j].Consent = "unknown"
			return ok
		})
		add(func(c *policy.Situation) bool {
			ok := !c.Participants[j].Willing
			c.Participants[j].Willing = true
			return ok
		})
	}
	return out
}

// A property is checked for one policy and one situation; check returns ""
// when it holds, else what breaks it, with the decisions involved.
type property struct {
	name  string
	check func(c *checker, s policy.Situation, d policy.Decision) string
}

// checker decides under one policy.
type checker struct {
	t testing.TB
	p *policy.Policy

	explained []explained
}

// explained is a piece of a rule's explanation: a decision that contains it
// explains one of those rules.
type explained struct {
	lang, text string
	rules      []string
}

func (c *checker) explains() []explained {
	if c.explained != nil {
		return c.explained
	}
	c.explained = []explained{}
	for _, r := range c.p.Rules {
		for _, lang := range langs {
			f := fixedPart(r.Explain.In(lang))
			if len(f) < 20 {
				continue
			}
			i := slices.IndexFunc(c.explained, func(e explained) bool { return e.lang == lang && e.text == f })
			if i < 0 {
				c.explained = append(c.explained, explained{lang: lang, text: f})
				i = len(c.explained) - 1
			}
			c.explained[i].rules = append(c.explained[i].rules, r.ID)
		}
	}
	return c.explained
}

func (c *checker) decide(s policy.Situation) policy.Decision {
	c.t.Helper()
	d, err := c.p.Decide(s)
	if err != nil {
		c.t.Fatalf("%s: decide %s: %v", c.p.Name, situationJSON(s), err)
	}
	return d
}

// show describes a decision for a failure message.
func show(label string, d policy.Decision) string {
	ids := make([]string, len(d.Rules))
	for i, r := range d.Rules {
		ids[i] = r.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s: %s", label, d.Outcome)
	if len(d.ConsentFrom) > 0 {
		fmt.Fprintf(&b, " consent_from=%v", d.ConsentFrom)
	}
	if d.DecidedBy != "" {
		fmt.Fprintf(&b, " decided_by=%s", d.DecidedBy)
	}
	if len(d.RefusedBy) > 0 {
		fmt.Fprintf(&b, " refused_by=%v", d.RefusedBy)
	}
	if len(d.Alternatives) > 0 {
		fmt.Fprintf(&b, " alternatives=%v", d.Alternatives)
	}
	fmt.Fprintf(&b, " rules=%v\n    nl: %s\n    en: %s\n", ids, d.Explanation.NL, d.Explanation.EN)
	return b.String()
}

// weaker compares two decisions by strength, for "never weaker" properties.
func weaker(change string, before, after policy.Decision) string {
	if after.Outcome.Strength() >= before.Outcome.Strength() {
		return ""
	}
	return fmt.Sprintf("%s makes the outcome weaker: %s → %s\n%s%s", change, before.Outcome, after.Outcome,
		show("before", before), show("after", after))
}

// A phrase is fragments that occur in this order within one sentence,
// matched in lower case.
type phrase []string

func (ph phrase) in(sentence string) bool {
	for _, f := range ph {
		i := strings.Index(sentence, f)
		if i < 0 {
			return false
		}
		sentence = sentence[i+len(f):]
	}
	return true
}

// saying returns the first sentence of text that has one of the phrases.
func saying(text string, phrases []phrase) string {
	for _, sentence := range sentences(text) {
		lower := strings.ToLower(sentence)
		for _, ph := range phrases {
			if ph.in(lower) {
				return sentence
			}
		}
	}
	return ""
}

// stillNeeded are phrases that say consent (or a decision) is still to come.
// An allowed decision must not use them. A rule that only states a
// condition ("mag alleen met toestemming van …") is not listed in Dutch; its
// English ("needs …'s consent") is, as the English says a need, not a
// condition.
var stillNeeded = map[string][]phrase{
	"nl": {
		{"mag pas als"},
		{"mag pas na"},
		{"toestemming nodig"},
		{"nog toestemming"},
		{"nog geen toestemming"},
		{"toestemming", "moet nog"},
		{"toestemming", "moeten nog"},
		{"eerst beslist"},
	},
	"en": {
		{"is allowed once"},
		{"consent is needed"},
		{"consent is also needed"},
		{"consent is still needed"},
		{"needs ", " consent"},
		{"need ", " consent"},
		{"still ", "to consent"},
		{"needs a decision"},
	},
}

// outcomeSentences say how the explanation's first sentence states each
// outcome (policy/explain.go, outcomeSentence): a sentence ending in
// suffix, or containing one of contains. The staff member's default
// decision, where the policy says nothing, counts as needs_decision.
var outcomeSentences = map[string]map[policy.Outcome]struct {
	suffix   string
	contains []string
}{
	"nl": {
		policy.Allowed:       {suffix: " mag."},
		policy.NeedsConsent:  {contains: []string{" mag pas als "}},
		policy.NeedsDecision: {contains: []string{"eerst beslist", "zegt niets over deze situatie"}},
		policy.Refused:       {suffix: " kan nu niet."},
		policy.Forbidden:     {suffix: " mag hier niet."},
	},
	"en": {
		policy.Allowed:       {suffix: " is allowed."},
		policy.NeedsConsent:  {contains: []string{" is allowed once "}},
		policy.NeedsDecision: {contains: []string{"needs a decision", "says nothing about this situation"}},
		policy.Refused:       {suffix: " cannot go ahead now."},
		policy.Forbidden:     {suffix: " is not allowed here."},
	},
}

// states returns the outcomes a sentence states.
func states(lang, sentence string) []policy.Outcome {
	var says []policy.Outcome
	for _, o := range policy.Outcomes {
		m := outcomeSentences[lang][o]
		if m.suffix != "" && strings.HasSuffix(sentence, m.suffix) || slices.ContainsFunc(m.contains, func(c string) bool { return strings.Contains(sentence, c) }) {
			says = append(says, o)
		}
	}
	return says
}

// waivesAnnouncement are phrases that say a recording need not be announced
// in advance; a video decision must never use them (issue 10, class 4).
var waivesAnnouncement = map[string][]phrase{
	"nl": {
		{"niet vooraf te melden"},
		{"niet vooraf te zeggen"},
		{"niet van tevoren te melden"},
		{"niet van tevoren te zeggen"},
		{"niet vooraf gemeld"},
		{"niet van tevoren gemeld"},
		{"hoeft", "niet vooraf"},
		{"hoeft", "niet van tevoren"},
		{"hoeft", "niet", "te melden"},
		{"hoeft", "niet", "aan te kondigen"},
	},
	"en": {
		{"need not announce"},
		{"need not", "in advance"},
		{"not need to announce"},
		{"not need to be announced"},
		{"not need to", "in advance"},
		{"not have to announce"},
		{"not have to", "in advance"},
	},
}

var langs = []string{"nl", "en"}

func explanation(d policy.Decision, lang string) string {
	if lang == "en" {
		return d.Explanation.EN
	}
	return d.Explanation.NL
}

// abbreviations end in a full stop without ending a sentence.
var abbreviations = []string{"bijv.", "art.", "o.a.", "e.g.", "i.e.", "etc.", "nr.", "vs.", "zgn."}

// sentences splits a text after '.', '!' or '?' followed by white space.
func sentences(text string) []string {
	var out []string
	words := strings.Fields(text)
	start := 0
	for i, w := range words {
		last := w[len(w)-1]
		if (last == '.' || last == '!' || last == '?') && !slices.Contains(abbreviations, strings.ToLower(w)) || i == len(words)-1 {
			out = append(out, strings.Join(words[start:i+1], " "))
			start = i + 1
		}
	}
	return out
}

// same reports whether two sentences say the same thing: they are equal,
// or, both of at least six words, share at least 80% of their words
// ("Een opname aan anderen geven … mag alleen met toestemming van de andere
// partij" and "Beelden aan anderen geven … mag alleen met toestemming van de
// andere partij").
func same(a, b string) bool { return sameWords(a, b, words(a), words(b)) }

// sameWords is same with the sentences' words at hand.
func sameWords(a, b string, wa, wb map[string]bool) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	if len(wa) < 6 || len(wb) < 6 {
		return false
	}
	shared := 0
	for w := range wa {
		if wb[w] {
			shared++
		}
	}
	return 5*shared >= 4*(len(wa)+len(wb)-shared)
}

// words returns the set of words of a sentence, in lower case.
func words(sentence string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(sentence), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		set[w] = true
	}
	return set
}

// placeholder matches the parts of a rule's explain that the engine fills in.
var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// fixedPart is the longest part of a rule's explain without placeholders:
// an explanation that contains it explains that rule.
func fixedPart(text string) string {
	longest := ""
	for _, part := range placeholder.Split(text, -1) {
		if part = strings.TrimSpace(part); len(part) > len(longest) {
			longest = part
		}
	}
	return longest
}

var properties = []property{
	{"refusal_never_weakens", func(c *checker, s policy.Situation, d policy.Decision) string {
		rec := s.RecorderIndex()
		for i, p := range s.Participants {
			if i == rec || p.Consent == "refused" {
				continue
			}
			v := clone(s)
			v.Participants[i].Consent = "refused"
			if msg := weaker(fmt.Sprintf("participant %d (%s) refusing", i, p.Role), d, c.decide(v)); msg != "" {
				return msg
			}
		}
		return ""
	}},
	{"organisation_refusal_never_weakens", func(c *checker, s policy.Situation, d policy.Decision) string {
		if s.By == "organisation" || s.OrganisationConsent == "refused" {
			return ""
		}
		v := clone(s)
		v.OrganisationConsent = "refused"
		return weaker("the organisation refusing (organisation_consent: refused)", d, c.decide(v))
	}},
	{"covert_never_better", func(c *checker, s policy.Situation, d policy.Decision) string {
		if s.Covert {
			return ""
		}
		v := clone(s)
		v.Covert = true
		return weaker("recording covertly (covert: true)", d, c.decide(v))
	}},
	{"less_announced_never_better", func(c *checker, s policy.Situation, d policy.Decision) string {
		ds := map[string]policy.Decision{s.Announced: d}
		for _, a := range genAnnounced {
			if a != s.Announced {
				v := clone(s)
				v.Announced = a
				ds[a] = c.decide(v)
			}
		}
		for i := 1; i < len(genAnnounced); i++ {
			from, to := genAnnounced[i-1], genAnnounced[i]
			if msg := weaker(fmt.Sprintf("announced %s instead of %s", to, from), ds[from], ds[to]); msg != "" {
				return msg
			}
		}
		return ""
	}},
	{"video_never_better", func(c *checker, s policy.Situation, d policy.Decision) string {
		audio, video := d, d
		v := clone(s)
		if s.Medium == "audio" {
			v.Medium = "video"
			video = c.decide(v)
		} else {
			v.Medium = "audio"
			audio = c.decide(v)
		}
		return weaker("video instead of audio", audio, video)
	}},
	{"organisation_never_records_unknown", func(c *checker, s policy.Situation, d policy.Decision) string {
		// The organisation recording is never allowed without the client
		// knowing: covert or unannounced, it stops under every policy.
		if s.Action != "record" || s.By != "organisation" || !s.Covert && s.Announced != "not_announced" || d.Outcome.Stops() {
			return ""
		}
		return fmt.Sprintf("the organisation records covertly or unannounced (covert %t, announced %s), yet the outcome does not stop it\n%s",
			s.Covert, s.Announced, show("decision", d))
	}},
	{"allowed_never_needs_consent", func(c *checker, s policy.Situation, d policy.Decision) string {
		if d.Outcome != policy.Allowed {
			return ""
		}
		for _, lang := range langs {
			if m := saying(explanation(d, lang), stillNeeded[lang]); m != "" {
				return fmt.Sprintf("the outcome is allowed, but the %s explanation says %q\n%s", lang, m, show("decision", d))
			}
		}
		return ""
	}},
	{"first_sentence_matches_outcome", func(c *checker, s policy.Situation, d policy.Decision) string {
		for _, lang := range langs {
			ss := sentences(explanation(d, lang))
			if len(ss) == 0 {
				return fmt.Sprintf("the %s explanation is empty\n%s", lang, show("decision", d))
			}
			if says := states(lang, ss[0]); len(says) != 1 || says[0] != d.Outcome {
				return fmt.Sprintf("the outcome is %s, but the first %s sentence %q states %v\n%s", d.Outcome, lang, ss[0], says, show("decision", d))
			}
		}
		return ""
	}},
	{"rules_cited", func(c *checker, s policy.Situation, d policy.Decision) string {
		seen := map[string]bool{}
		for _, r := range d.Rules {
			switch {
			case r.ID == "" || r.Source == "" || r.Ref == "" || strings.TrimSpace(r.Text) == "":
				return fmt.Sprintf("rule %q is cited without id, source, ref or text: %+v\n%s", r.ID, r, show("decision", d))
			case seen[r.ID]:
				return fmt.Sprintf("rule %s is cited twice\n%s", r.ID, show("decision", d))
			}
			seen[r.ID] = true
			i := slices.IndexFunc(c.p.Rules, func(pr *policy.Rule) bool { return pr.ID == r.ID })
			if i < 0 {
				return fmt.Sprintf("rule %s is cited but is not a rule of the policy\n%s", r.ID, show("decision", d))
			}
			if pr := c.p.Rules[i]; pr.Source != r.Source || pr.Ref != r.Ref || pr.Text != r.Text {
				return fmt.Sprintf("rule %s is cited as %s %q, but the policy says %s %q\n%s", r.ID, r.Source, r.Ref, pr.Source, pr.Ref, show("decision", d))
			}
		}
		// A rule whose explanation the decision gives has applied, so it must
		// be cited (rules that share an explanation: any of them).
		for _, e := range c.explains() {
			if strings.Contains(explanation(d, e.lang), e.text) && !slices.ContainsFunc(e.rules, func(id string) bool { return seen[id] }) {
				return fmt.Sprintf("the %s explanation gives the explanation of rule %v (%q), which is not cited\n%s", e.lang, e.rules, e.text, show("decision", d))
			}
		}
		return ""
	}},
	{"says_each_thing_once", func(c *checker, s policy.Situation, d policy.Decision) string {
		for _, lang := range langs {
			ss := sentences(explanation(d, lang))
			ws := make([]map[string]bool, len(ss))
			for i := range ss {
				ws[i] = words(ss[i])
				for j := range i {
					if sameWords(ss[i], ss[j], ws[i], ws[j]) {
						return fmt.Sprintf("the %s explanation says the same thing twice:\n    %q\n    %q\n%s", lang, ss[j], ss[i], show("decision", d))
					}
				}
			}
		}
		return ""
	}},
	{"video_never_waives_announcement", func(c *checker, s policy.Situation, d policy.Decision) string {
		if s.Medium != "video" {
			return ""
		}
		for _, lang := range langs {
			if m := saying(explanation(d, lang), waivesAnnouncement[lang]); m != "" {
				return fmt.Sprintf("a video decision whose %s explanation says %q\n%s", lang, m, show("decision", d))
			}
		}
		return ""
	}},
	{"audio_only_offered_when_it_fits", func(c *checker, s policy.Situation, d policy.Decision) string {
		if s.Medium != "video" {
			return ""
		}
		v := clone(s)
		v.Medium = "audio"
		audio := c.decide(v)
		offered := slices.Contains(d.Alternatives, "audio_only")
		switch {
		case audio.Outcome.Stops() && offered:
			return fmt.Sprintf("audio_only is offered, but audio stops too\n%s%s", show("video", d), show("audio", audio))
		// Audio only is an alternative way to record; for a copy, edit, share
		// or publish of an existing video it does not apply.
		case s.Action == "record" && d.Outcome.Stops() && !audio.Outcome.Stops() && (len(d.Alternatives) == 0 || d.Alternatives[0] != "audio_only"):
			return fmt.Sprintf("video stops and audio does not, but audio_only is not the first alternative\n%s%s", show("video", d), show("audio", audio))
		}
		return ""
	}},
	{"consent_from_parties_once", func(c *checker, s policy.Situation, d policy.Decision) string {
		for i, who := range d.ConsentFrom {
			switch {
			case !policy.Parties.Has(who):
				return fmt.Sprintf("consent_from names %q, which is not a party code\n%s", who, show("decision", d))
			case slices.Contains(d.ConsentFrom[:i], who):
				return fmt.Sprintf("consent_from names %s twice\n%s", who, show("decision", d))
			}
		}
		return ""
	}},
}

// shrink returns the smallest variant of s that still breaks the property,
// taking the first simpler valid variant that fails until none does.
func shrink(c *checker, prop property, s policy.Situation) (policy.Situation, string) {
	msg := prop.check(c, s, c.decide(s))
	for steps := 0; steps < 1000; steps++ {
		smaller := false
		for _, cand := range shrinks(s) {
			v, err := valid(cand)
			if err != nil {
				continue
			}
			if m := prop.check(c, v, c.decide(v)); m != "" {
				s, msg, smaller = v, m, true
				break
			}
		}
		if !smaller {
			break
		}
	}
	return s, msg
}

// TestProperties checks the properties of issue 10 over generated
// situations for every shipped policy.
func TestProperties(t *testing.T) {
	lib := shipped(t)
	seed, n := seed(t), situationCount()
	for _, name := range lib.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &checker{t: t, p: load(t, lib, name)}
			rng := rngFor(seed, name)
			situations := make([]policy.Situation, n)
			decisions := make([]policy.Decision, n)
			for i := range situations {
				situations[i] = generate(t, rng)
				decisions[i] = c.decide(situations[i])
			}
			for _, prop := range properties {
				t.Run(prop.name, func(t *testing.T) {
					c := &checker{t: t, p: c.p, explained: c.explains()}
					var failing []int
					for i, s := range situations {
						if prop.check(c, s, decisions[i]) != "" {
							failing = append(failing, i)
						}
					}
					shown := map[string]bool{}
					for _, i := range failing {
						if len(shown) == maxShown {
							break
						}
						small, msg := shrink(c, prop, situations[i])
						js := string(situationJSON(small))
						if shown[js] {
							continue
						}
						shown[js] = true
						t.Errorf("%s fails under %s in %d of %d situations (go test ./policy -run 'TestProperties/%s/%s' -props.seed %d); smallest found:\nsituation: %s\n%s",
							prop.name, name, len(failing), n, name, prop.name, seed, js, msg)
					}
				})
			}
		})
	}
}

// TestGenerator checks that the generated situations cover what the
// properties are about; a property over situations that never occur would
// pass for nothing.
func TestGenerator(t *testing.T) {
	rng := rngFor(seed(t), "generator")
	count := map[string]int{}
	for range 2000 {
		s := generate(t, rng)
		count["action="+s.Action]++
		count["medium="+s.Medium]++
		count["by="+s.By]++
		count["announced="+s.Announced]++
		count["recipient="+s.Recipient]++
		count["declaration="+s.Declaration]++
		count["organisation_consent="+s.OrganisationConsent]++
		count["decisions="+s.Decisions["manager"]]++
		count[fmt.Sprintf("covert=%t", s.Covert)]++
		count[fmt.Sprintf("by_takes_part=%t", s.ByTakesPart)]++
		count[fmt.Sprintf("weighty_reasons=%d", len(s.WeightyReasons))]++
		count[fmt.Sprintf("participants=%d", len(s.Participants))]++
		count[fmt.Sprintf("recorder=%t", s.Recorder != nil)]++
		for _, p := range s.Participants {
			count["role="+p.Role]++
			count["consent="+p.Consent]++
			count["capacity="+p.Capacity]++
			count[fmt.Sprintf("age=%t", p.Age != nil)]++
			if p.Role == "staff" {
				count[fmt.Sprintf("willing=%t", p.Willing)]++
			}
		}
		if s.Recorder != nil {
			count["recorder_role="+s.Participants[*s.Recorder].Role]++
		}
	}
	want := []string{"covert=true", "covert=false", "by_takes_part=false", "weighty_reasons=0", "weighty_reasons=1",
		"recorder=true", "recorder=false", "willing=true", "willing=false", "age=true", "age=false", "decisions="}
	add := func(prefix string, values []string) {
		for _, v := range values {
			want = append(want, prefix+v)
		}
	}
	add("action=", genActions)
	add("medium=", genMedia)
	add("by=", genBy)
	add("announced=", genAnnounced)
	add("recipient=", genRecipients)
	add("declaration=", genDecl)
	add("organisation_consent=", genConsent)
	add("decisions=", []string{"approved", "rejected"})
	add("role=", genRoles)
	add("consent=", genConsent)
	add("capacity=", []string{"capable", "incapable"})
	add("recorder_role=", []string{"client", "staff", "parent", "child", "guardian", "representative", "other"})
	for i := 1; i <= 8; i++ {
		want = append(want, fmt.Sprintf("participants=%d", i))
	}
	for _, w := range want {
		if count[w] == 0 {
			t.Errorf("2000 generated situations have no %s", w)
		}
	}
}

// TestShrink checks the shrinker on a property that fails for a known
// reason: it must come down to the smallest situation that shows it.
func TestShrink(t *testing.T) {
	lib := shipped(t)
	c := &checker{t: t, p: load(t, lib, lib.Names()[0])}
	// "Someone aged 12 to 15 refuses": holds for nothing smaller than one
	// such person, whatever else the situation says.
	prop := property{"teen_refuses", func(c *checker, s policy.Situation, d policy.Decision) string {
		for _, p := range s.Participants {
			if p.Age != nil && *p.Age >= 12 && *p.Age < 16 && p.Consent == "refused" {
				return "a teenager refuses"
			}
		}
		return ""
	}}
	rng := rngFor(seed(t), "shrink")
	tried := 0
	for range 500 {
		s := generate(t, rng)
		if prop.check(c, s, policy.Decision{}) == "" {
			continue
		}
		tried++
		small, msg := shrink(c, prop, s)
		if msg == "" {
			t.Fatalf("shrunk to a situation that no longer fails: %s", situationJSON(small))
		}
		ok := len(small.Participants) == 1 && small.Recorder == nil
		if ok {
			p := small.Participants[0]
			ok = *p.Age == 12 && p.Consent == "refused" && p.Capacity == "capable" && p.Willing
			// Everything else at its default: the printed JSON names only
			// the required fields and the one participant.
			ok = ok && strings.HasPrefix(string(situationJSON(small)), `{"action": "record", "medium": "audio", "by": "client", "participants": [{"role": `)
		}
		if !ok {
			t.Fatalf("shrunk %s\nto %s\nwant one participant aged 12 who refuses and every other field at its default", situationJSON(s), situationJSON(small))
		}
	}
	if tried == 0 {
		t.Fatal("no generated situation had a refusing teenager")
	}
}

// TestPropertyHelpers checks the text helpers the properties rely on, so
// that a property cannot pass because a helper never matches.
func TestPropertyHelpers(t *testing.T) {
	if got, want := sentences("Het gesprek opnemen mag. Zie art. 139f. Wat wel kan: Neem iemand mee. Klaar"),
		[]string{"Het gesprek opnemen mag.", "Zie art. 139f.", "Wat wel kan: Neem iemand mee.", "Klaar"}; !slices.Equal(got, want) {
		t.Errorf("sentences = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"De opname moet stoppen.", "De opname moet stoppen.", true},
		{"Een opname aan anderen geven of openbaar maken mag alleen met toestemming van de andere partij.",
			"Beelden aan anderen geven of openbaar maken mag alleen met toestemming van de andere partij.", true},
		{"Een opname openbaar maken of aan anderen geven mag alleen met toestemming van Blijf Groep.",
			"Een opname aan anderen geven of openbaar maken mag alleen met toestemming van de andere partij.", false},
		{"De opname moet stoppen.", "De opname mag doorgaan.", false},
	} {
		if got := same(tc.a, tc.b); got != tc.same {
			t.Errorf("same(%q, %q) = %t, want %t", tc.a, tc.b, got, tc.same)
		}
	}
	for _, tc := range []struct {
		lang, text string
		phrases    map[string][]phrase
		want       string
	}{
		{"nl", "Het gesprek opnemen mag. Dan is toestemming nodig van de ouder.", stillNeeded, "Dan is toestemming nodig van de ouder."},
		{"en", "Recording is allowed. Sharing needs the parent's consent.", stillNeeded, "Sharing needs the parent's consent."},
		{"nl", "Het gesprek opnemen mag. De ouder heeft toestemming gegeven.", stillNeeded, ""},
		{"nl", "Beelden maken mag. U hoeft de opname niet vooraf te melden.", waivesAnnouncement, "U hoeft de opname niet vooraf te melden."},
		{"en", "You need not announce the recording in advance.", waivesAnnouncement, "You need not announce the recording in advance."},
		{"nl", "Opnemen hoeft niet stiekem.", waivesAnnouncement, ""},
	} {
		if got := saying(tc.text, tc.phrases[tc.lang]); got != tc.want {
			t.Errorf("saying(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang, sentence string
		want           policy.Outcome
	}{
		{"nl", "Het gesprek opnemen mag.", policy.Allowed},
		{"en", "Recording the conversation is allowed.", policy.Allowed},
		{"nl", "Het gesprek opnemen mag pas als de ouder toestemming geeft.", policy.NeedsConsent},
		{"en", "Recording the conversation is allowed once the parent consents.", policy.NeedsConsent},
		{"nl", "Beelden maken van het gesprek: eerst beslist de manager hierover.", policy.NeedsDecision},
		{"nl", "Het beleid van de organisatie zegt niets over deze situatie.", policy.NeedsDecision},
		{"en", "Filming or photographing the conversation needs a decision by the manager first.", policy.NeedsDecision},
		{"nl", "Het gesprek opnemen kan nu niet.", policy.Refused},
		{"en", "Recording the conversation cannot go ahead now.", policy.Refused},
		{"nl", "Beelden maken van het gesprek mag hier niet.", policy.Forbidden},
		{"en", "Filming or photographing the conversation is not allowed here.", policy.Forbidden},
	} {
		if got := states(tc.lang, tc.sentence); !slices.Equal(got, []policy.Outcome{tc.want}) {
			t.Errorf("states(%q) = %v, want [%s]", tc.sentence, got, tc.want)
		}
	}
}
