package policy

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The subject of the outcome sentence, by action (and medium for record).
var subjects = map[string]Text{
	"record/audio": {"Het gesprek opnemen", "Recording the conversation"},
	"record/video": {"Beelden maken van het gesprek", "Filming or photographing the conversation"},
	"copy":         {"Een kopie van de opname krijgen", "Getting a copy of the recording"},
	"edit":         {"Knippen of plakken in de opname", "Cutting or pasting in the recording"},
	"share":        {"De opname aan anderen geven", "Passing the recording on to others"},
	"publish":      {"De opname openbaar maken", "Making the recording public"},
}

// subject is the subject of the outcome sentence in Dutch and English, and
// the outcome sentences that name no one, made when the package loads.
type subject struct {
	name [2]string
	// fixed holds the sentences of Allowed, Refused and Forbidden, in
	// Dutch and English.
	fixed [3][2][]string
}

func newSubject(t Text) *subject {
	sj := &subject{name: [2]string{t.In("nl"), t.In("en")}}
	for i, o := range []Outcome{Allowed, Refused, Forbidden} {
		sj.fixed[i] = fixedOutcome(t, o)
	}
	return sj
}

var (
	subjectsMade = func() map[string]*subject {
		m := make(map[string]*subject, len(subjects))
		for key, t := range subjects {
			m[key] = newSubject(t)
		}
		return m
	}()
	// noSubject stands for an act with no subject of its own (a situation
	// that was not checked).
	noSubject = newSubject(Text{})
)

// subjectOf is the subject of an act (subjects' keys).
func subjectOf(action, medium string) *subject {
	key := action
	if action == "record" {
		switch medium {
		case "audio":
			key = "record/audio"
		case "video":
			key = "record/video"
		default:
			key = "record/" + medium
		}
	}
	if sj, ok := subjectsMade[key]; ok {
		return sj
	}
	return noSubject
}

// explain builds the plain-language explanation of a decision: the outcome
// in one sentence, who answers for whom, who refused, what the rules that
// count say (each thing once), and what is possible instead. Dutch text
// uses the word "toestemming" only where a rule that asks for consent
// applied (Ombudsman tip 2: make equal agreements).
func explain(s *Situation, d *Decision, hits []applied, undecided bool) Text {
	var pending partyCounts
	pendingCounts(&pending, hits, d.Outcome)
	sj := subjectOf(s.Action, s.Medium)
	var nlBuf, enBuf [16]string
	dutch := explainIn(nl, explanation(nlBuf[:0]), s, d, hits, &pending, sj, undecided)
	english := explainIn(en, explanation(enBuf[:0]), s, d, hits, &pending, sj, undecided)
	// Both texts in one allocation.
	var b strings.Builder
	b.Grow(dutch.size() + english.size())
	dutch.writeTo(&b)
	english.writeTo(&b)
	both := b.String()
	return Text{NL: both[:dutch.size()], EN: both[dutch.size():]}
}

// The languages of an explanation, as indexes of [2] arrays: Dutch, English.
const (
	nl = 0
	en = 1
)

// explanation gathers the sentences of an explanation, each once. Its
// methods return the explanation with what they add (like append), so that
// its sentences can stay on the stack.
type explanation []string

// add adds a sentence unless it was said.
func (e explanation) add(sentence string) explanation {
	if slices.Contains(e, sentence) {
		return e
	}
	return append(e, sentence)
}

// size is the length of the sentences joined by spaces.
func (e explanation) size() int {
	n := max(len(e)-1, 0)
	for _, sentence := range e {
		n += len(sentence)
	}
	return n
}

// writeTo writes the sentences joined by spaces.
func (e explanation) writeTo(b *strings.Builder) {
	for i, sentence := range e {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentence)
	}
}

// say adds each sentence of a text.
func (e explanation) say(t string) explanation {
	for t = strings.TrimSpace(t); t != ""; {
		var sentence string
		sentence, t = nextSentence(t)
		e = e.add(sentence)
	}
	return e
}

// explainIn adds to e the explanation in one language (nl or en).
func explainIn(l int, e explanation, s *Situation, d *Decision, hits []applied, pending *partyCounts, sj *subject, undecided bool) explanation {
	e = e.outcome(l, sj, d, pending, undecided)
	if len(d.RefusedBy) > 0 {
		who := partyList(d.RefusedBy, nil, l, true)
		if l == nl {
			e = e.say(who + choose(len(d.RefusedBy) == 1, " geeft", " geven") + " geen toestemming.")
		} else {
			e = e.say(who + choose(len(d.RefusedBy) == 1, " does", " do") + " not consent.")
		}
	}
	lang := [2]string{"nl", "en"}[l]
	for i, h := range hits {
		if !counts(h, d.Outcome) || saidLater(hits, i, d.Outcome) {
			continue
		}
		for _, t := range h.rule.sentences(lang) {
			if h.rule.fills && strings.Contains(t, "{") {
				t = Fill(t, "{weighty_reasons}", reasons(s.WeightyReasons))
				t = Fill(t, "{recipient}", Recipients.Label(s.Recipient, lang))
			}
			e = e.add(t)
		}
		for _, r := range h.represented {
			e = e.say(representedSentence(l, r))
		}
		if given := h.fullyGiven(); given != 0 && !d.Outcome.Stops() {
			parties := Parties.codes(given)
			who := partyList(parties, nil, l, true)
			if l == nl {
				e = e.say(who + choose(len(parties) == 1, " heeft", " hebben") + " toestemming gegeven.")
			} else {
				e = e.say(who + choose(len(parties) == 1, " has", " have") + " consented.")
			}
		}
	}
	if len(d.Alternatives) > 0 {
		var b strings.Builder
		b.WriteString(choose(l == nl, "Wat wel kan:", "What is possible instead:"))
		for _, a := range d.Alternatives {
			b.WriteByte(' ')
			b.WriteString(Alternatives.Label(a, lang))
		}
		e = e.say(b.String())
	}
	return e
}

// reasons lists reasons people gave, each as they wrote it, with a
// semicolon between them.
func reasons(rs []string) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r
		if i < len(rs)-1 {
			out[i] = Clause(r)
		}
	}
	return strings.Join(out, "; ")
}

// saidLater reports whether a later rule that counts asks the same people
// for the same thing, so that the requirement is explained once, by the
// most specific rule (an extending policy's rules come after its base's).
func saidLater(hits []applied, i int, final Outcome) bool {
	h := hits[i]
	if h.rule.Outcome != NeedsConsent {
		return false
	}
	for _, later := range hits[i+1:] {
		if later.rule.Outcome == NeedsConsent && later.outcome == h.outcome && counts(later, final) && slices.Equal(later.asked, h.asked) {
			return true
		}
	}
	return false
}

// partyCounts counts people by party (by the index of their role in
// Parties).
type partyCounts [64]int

func (n *partyCounts) of(party string) int {
	if n == nil {
		return 0
	}
	if i := Parties.index(party); i >= 0 {
		return n[i]
	}
	return 0
}

// pendingCounts counts into n, per party, the people whose answer is still
// awaited by the rules that count; someone not in the conversation who
// answers for a minor stands for the parents.
func pendingCounts(n *partyCounts, hits []applied, final Outcome) {
	if final.Stops() || !slices.ContainsFunc(hits, func(h applied) bool { return len(h.asked) > 0 }) {
		return
	}
	var buf [16]asked
	seen := buf[:0]
	for _, h := range hits {
		for _, x := range h.asked {
			if x.answer != "unknown" || slices.Contains(seen, x) {
				continue
			}
			seen = append(seen, x)
			i := Parties.index(x.role)
			if i < 0 {
				continue // never named: decisions list parties only
			}
			n[i]++
			if x.person < 0 && x.role == "parent" {
				n[i]++
			}
		}
	}
}

// representedSentence says who answers for a person who cannot decide
// alone.
func representedSentence(l int, r representation) string {
	lang := [2]string{"nl", "en"}[l]
	party := Parties.Label(r.role, lang)
	who := upper(party)
	switch r.why {
	case underTwelve:
		return choose(l == nl,
			who+" is jonger dan 12 jaar. Daarom beslissen de ouders of de voogd.",
			who+" is under 12. So the parents or the guardian decide.")
	case twelveToSixt:
		return choose(l == nl,
			who+" is 12 tot 16 jaar. Daarom beslissen "+party+" en de ouders of de voogd samen.",
			who+" is 12 to 15 years old. So "+party+" and the parents or the guardian decide together.")
	case ageUnknown:
		return choose(l == nl,
			"De leeftijd van "+party+" is niet bekend. Daarom beslissen "+party+" en de ouders of de voogd samen.",
			"The age of "+party+" is not known. So "+party+" and the parents or the guardian decide together.")
	default:
		return choose(l == nl,
			who+" kan niet zelf beslissen. Daarom beslist de vertegenwoordiger.",
			who+" cannot decide alone. So the representative decides.")
	}
}

// counts reports whether a rule that applied is worth explaining: a rule
// whose outcome is the decision's, a rule without an outcome while the act
// may go ahead, and a rule that says how to enforce when it may not.
func counts(h applied, final Outcome) bool {
	switch {
	case h.outcome == final:
		return true
	case final.Stops():
		return len(h.rule.Enforcement) > 0
	default:
		return h.outcome == ""
	}
}

// outcome says the outcome: one sentence, or two when a decision also
// waits for consent. Sentences that need no names are made once, when the
// package loads (subject).
func (e explanation) outcome(l int, sj *subject, d *Decision, pending *partyCounts, undecided bool) explanation {
	if undecided {
		for _, sentence := range undecidedSentence[l] {
			e = e.add(sentence)
		}
		return e
	}
	var fixed [2][]string
	switch d.Outcome {
	case Allowed:
		fixed = sj.fixed[0]
	case Refused:
		fixed = sj.fixed[1]
	case NeedsConsent:
		parties := partyList(d.ConsentFrom, pending, l, false)
		one := len(d.ConsentFrom) == 1 && pending.of(d.ConsentFrom[0]) < 2
		if l == nl {
			e = e.add(sj.name[l] + " mag pas als " + parties + " toestemming " + choose(one, "geeft", "geven") + ".")
		} else {
			e = e.add(sj.name[l] + " is allowed once " + parties + " " + choose(one, "consents", "consent") + ".")
		}
		return e
	case NeedsDecision:
		decider := Deciders.Label(d.DecidedBy, [2]string{"nl", "en"}[l])
		if l == nl {
			e = e.add(sj.name[l] + ": eerst beslist " + decider + " hierover.")
		} else {
			e = e.add(sj.name[l] + " needs a decision by " + decider + " first.")
		}
		if len(d.ConsentFrom) > 0 {
			parties := partyList(d.ConsentFrom, pending, l, false)
			e = e.add(choose(l == nl, "Ook is toestemming nodig van "+parties+".", "Consent is also needed from "+parties+"."))
		}
		return e
	default:
		fixed = sj.fixed[2]
	}
	for _, sentence := range fixed[l] {
		e = e.add(sentence)
	}
	return e
}

// fixedOutcome is the outcome sentence of subject that names no one.
func fixedOutcome(subject Text, o Outcome) [2][]string {
	switch o {
	case Allowed:
		return [2][]string{{subject.NL + " mag."}, {subject.EN + " is allowed."}}
	case Refused:
		return [2][]string{{subject.NL + " kan nu niet."}, {subject.EN + " cannot go ahead now."}}
	}
	return [2][]string{{subject.NL + " mag hier niet."}, {subject.EN + " is not allowed here."}}
}

var undecidedSentence = [2][]string{
	{"Het beleid van de organisatie zegt niets over deze situatie.", "Daarom beslist de medewerker."},
	{"The organisation's policy says nothing about this situation, so the staff member decides."},
}

// partyList names parties in plain words, the first letter a capital when
// capital is true; a party counted more than once in n is named in the
// plural.
func partyList(parties []string, n *partyCounts, l int, capital bool) string {
	lang := [2]string{"nl", "en"}[l]
	label := func(i int, p string) string {
		plural := 0
		if n.of(p) > 1 {
			plural = 1
		}
		v := [2]Vocabulary{Parties, PartiesPlural}[plural]
		k := v.index(p)
		switch {
		case k < 0 && i == 0 && capital:
			return upper(p)
		case k < 0:
			return p
		case i == 0 && capital:
			return capitals[plural][k][l]
		}
		return v[k].Label.In(lang)
	}
	if len(parties) == 1 {
		return label(0, parties[0])
	}
	var b strings.Builder
	b.Grow(24 * len(parties))
	for i, p := range parties {
		switch {
		case i == 0:
		case i == len(parties)-1:
			b.WriteString(choose(l == nl, " en ", " and "))
		default:
			b.WriteString(", ")
		}
		b.WriteString(label(i, p))
	}
	return b.String()
}

// capitals are the labels of Parties and of PartiesPlural, by index, with
// a capital first letter, in Dutch and English.
var capitals = func() (c [2][][2]string) {
	for i, v := range []Vocabulary{Parties, PartiesPlural} {
		for _, t := range v {
			c[i] = append(c[i], [2]string{upper(t.Label.In("nl")), upper(t.Label.In("en"))})
		}
	}
	return c
}()

func choose(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func upper(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentences is the rule's explanation in lang, as sentences; the English
// falls back to the Dutch like Text.In.
func (r *Rule) sentences(lang string) []string {
	if lang == "en" && r.Explain.EN != "" || r.Explain.NL == "" {
		return r.explained[1]
	}
	return r.explained[0]
}

// split cuts a text into sentences after a full stop, question mark or
// exclamation mark that a space follows; "Wat wel kan:" stays with what
// follows.
func split(t string) []string {
	var out []string
	for t = strings.TrimSpace(t); t != ""; {
		var sentence string
		sentence, t = nextSentence(t)
		out = append(out, sentence)
	}
	return out
}

// nextSentence cuts the first sentence off t, which is trimmed and not
// empty (split), and returns it and the rest, trimmed.
func nextSentence(t string) (sentence, rest string) {
	end := strings.IndexAny(t, ".?!")
	for end >= 0 && end+1 < len(t) && t[end+1] != ' ' {
		next := strings.IndexAny(t[end+1:], ".?!")
		if next < 0 {
			end = -1
			break
		}
		end += 1 + next
	}
	if end < 0 {
		return t, ""
	}
	return t[:end+1], strings.TrimSpace(t[end+1:])
}
