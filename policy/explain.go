package policy

import (
	"fmt"
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

// explain builds the plain-language explanation of a decision: the outcome
// in one sentence, who answers for whom, who refused, what the rules that
// count say (each thing once), and what is possible instead. Dutch text
// uses the word "toestemming" only where a rule that asks for consent
// applied (Ombudsman tip 2: make equal agreements).
func explain(s *Situation, d *Decision, hits []applied, undecided bool) Text {
	var out Text
	pending := pendingCounts(hits, d.Outcome)
	key := s.Action
	if s.Action == "record" {
		key = "record/" + s.Medium
	}
	for _, lang := range []string{"nl", "en"} {
		sentences := make([]string, 0, 8)
		// add adds a sentence unless it was said; say adds each sentence
		// of a text.
		add := func(sentence string) {
			if !slices.Contains(sentences, sentence) {
				sentences = append(sentences, sentence)
			}
		}
		say := func(t string) {
			for _, sentence := range split(t) {
				add(sentence)
			}
		}
		for _, sentence := range outcomeSentences(lang, key, d, pending, undecided) {
			add(sentence)
		}
		if len(d.RefusedBy) > 0 {
			say(pick(lang,
				fmt.Sprintf("%s %s geen toestemming.", upper(partyList(d.RefusedBy, nil, lang)), plural(d.RefusedBy, "geeft", "geven")),
				fmt.Sprintf("%s %s not consent.", upper(partyList(d.RefusedBy, nil, lang)), plural(d.RefusedBy, "does", "do"))))
		}
		for i, h := range hits {
			if !counts(h, d.Outcome) || saidLater(hits, i, d.Outcome) {
				continue
			}
			for _, t := range h.rule.sentences(lang) {
				if strings.Contains(t, "{") {
					t = Fill(t, "{weighty_reasons}", reasons(s.WeightyReasons))
					t = Fill(t, "{recipient}", Recipients.Label(s.Recipient, lang))
				}
				add(t)
			}
			for _, r := range h.represented {
				say(representedSentence(lang, r))
			}
			if given := h.fullyGiven(); len(given) > 0 && !d.Outcome.Stops() {
				say(pick(lang,
					fmt.Sprintf("%s %s toestemming gegeven.", upper(partyList(given, nil, lang)), plural(given, "heeft", "hebben")),
					fmt.Sprintf("%s %s consented.", upper(partyList(given, nil, lang)), plural(given, "has", "have"))))
			}
		}
		if len(d.Alternatives) > 0 {
			labels := make([]string, len(d.Alternatives))
			for i, a := range d.Alternatives {
				labels[i] = Alternatives.Label(a, lang)
			}
			say(pick(lang, "Wat wel kan:", "What is possible instead:") + " " + strings.Join(labels, " "))
		}
		if lang == "nl" {
			out.NL = strings.Join(sentences, " ")
		} else {
			out.EN = strings.Join(sentences, " ")
		}
	}
	return out
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

// pendingCounts counts, per party, the people whose answer is still
// awaited by the rules that count; someone not in the conversation who
// answers for a minor stands for the parents.
func pendingCounts(hits []applied, final Outcome) map[string]int {
	if final.Stops() || !slices.ContainsFunc(hits, func(h applied) bool { return len(h.asked) > 0 }) {
		return nil
	}
	seen := map[asked]bool{}
	n := map[string]int{}
	for _, h := range hits {
		for _, x := range h.asked {
			if x.answer != "unknown" || seen[x] {
				continue
			}
			seen[x] = true
			n[x.role]++
			if x.person < 0 && x.role == "parent" {
				n[x.role]++
			}
		}
	}
	return n
}

// representedSentence says who answers for a person who cannot decide
// alone.
func representedSentence(lang string, r representation) string {
	who := upper(Parties.Label(r.role, lang))
	switch r.why {
	case underTwelve:
		return pick(lang,
			who+" is jonger dan 12 jaar. Daarom beslissen de ouders of de voogd.",
			who+" is under 12. So the parents or the guardian decide.")
	case twelveToSixt:
		return pick(lang,
			who+" is 12 tot 16 jaar. Daarom beslissen "+Parties.Label(r.role, lang)+" en de ouders of de voogd samen.",
			who+" is 12 to 15 years old. So "+Parties.Label(r.role, lang)+" and the parents or the guardian decide together.")
	case ageUnknown:
		return pick(lang,
			"De leeftijd van "+Parties.Label(r.role, lang)+" is niet bekend. Daarom beslissen "+Parties.Label(r.role, lang)+" en de ouders of de voogd samen.",
			"The age of "+Parties.Label(r.role, lang)+" is not known. So "+Parties.Label(r.role, lang)+" and the parents or the guardian decide together.")
	default:
		return pick(lang,
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

// outcomeSentences says the outcome: one sentence, or two when a decision
// also waits for consent. Sentences that need no names are made once, when
// the package loads (fixedOutcomes).
func outcomeSentences(lang, key string, d *Decision, pending map[string]int, undecided bool) []string {
	l := 0
	if lang == "en" {
		l = 1
	}
	if undecided {
		return undecidedSentence[l]
	}
	if fixed, ok := fixedOutcomes[outcomeKey{key, d.Outcome}]; ok {
		return fixed[l]
	}
	subject := subjects[key].In(lang)
	switch d.Outcome {
	case NeedsConsent:
		parties := partyList(d.ConsentFrom, pending, lang)
		one := len(d.ConsentFrom) == 1 && pending[d.ConsentFrom[0]] < 2
		return []string{pick(lang,
			subject+" mag pas als "+parties+" toestemming "+choose(one, "geeft", "geven")+".",
			subject+" is allowed once "+parties+" "+choose(one, "consents", "consent")+".")}
	case NeedsDecision:
		decider := Deciders.Label(d.DecidedBy, lang)
		out := []string{pick(lang,
			subject+": eerst beslist "+decider+" hierover.",
			subject+" needs a decision by "+decider+" first.")}
		if len(d.ConsentFrom) > 0 {
			parties := partyList(d.ConsentFrom, pending, lang)
			out = append(out, pick(lang, "Ook is toestemming nodig van "+parties+".", "Consent is also needed from "+parties+"."))
		}
		return out
	}
	// An act with no subject of its own (a situation that was not checked).
	return fixedOutcome(subjects[key], d.Outcome)[l]
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

// outcomeKey is an outcome of an act on a subject (subjects' keys).
type outcomeKey struct {
	subject string
	outcome Outcome
}

var (
	undecidedSentence = [2][]string{
		{"Het beleid van de organisatie zegt niets over deze situatie.", "Daarom beslist de medewerker."},
		{"The organisation's policy says nothing about this situation, so the staff member decides."},
	}
	// fixedOutcomes are the outcome sentences that name no one, in Dutch
	// and English, for every subject.
	fixedOutcomes = func() map[outcomeKey][2][]string {
		m := map[outcomeKey][2][]string{}
		for key, subject := range subjects {
			for _, o := range []Outcome{Allowed, Refused, Forbidden} {
				m[outcomeKey{key, o}] = fixedOutcome(subject, o)
			}
		}
		return m
	}()
)

// partyList names parties in plain words; a party counted more than once
// in n is named in the plural.
func partyList(parties []string, n map[string]int, lang string) string {
	labels := make([]string, len(parties))
	for i, p := range parties {
		labels[i] = Parties.Label(p, lang)
		if n[p] > 1 {
			labels[i] = PartiesPlural.Label(p, lang)
		}
	}
	if len(labels) < 2 {
		return strings.Join(labels, "")
	}
	return strings.Join(labels[:len(labels)-1], ", ") + pick(lang, " en ", " and ") + labels[len(labels)-1]
}

func plural(list []string, one, many string) string {
	return choose(len(list) == 1, one, many)
}

func choose(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func pick(lang, nl, en string) string {
	if lang == "en" {
		return en
	}
	return nl
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
		end := strings.IndexFunc(t, func(r rune) bool { return r == '.' || r == '?' || r == '!' })
		for end >= 0 && end+1 < len(t) && t[end+1] != ' ' {
			next := strings.IndexFunc(t[end+1:], func(r rune) bool { return r == '.' || r == '?' || r == '!' })
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			out = append(out, t)
			break
		}
		out = append(out, t[:end+1])
		t = strings.TrimSpace(t[end+1:])
	}
	return out
}
