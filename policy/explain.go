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
// in one sentence, who refused, what the rules that count say, and what is
// possible instead. Dutch text uses the word "toestemming" only where a rule
// that asks for consent applied (Ombudsman tip 2: make equal agreements).
func explain(s *Situation, d *Decision, hits []applied, undecided bool) Text {
	var out Text
	for _, lang := range []string{"nl", "en"} {
		var sentences []string
		subject := subjects[s.Action]
		if s.Action == "record" {
			subject = subjects["record/"+s.Medium]
		}
		sentences = append(sentences, outcomeSentence(lang, subject.In(lang), d, undecided))
		if len(d.RefusedBy) > 0 {
			sentences = append(sentences, pick(lang,
				fmt.Sprintf("%s %s geen toestemming.", upper(partyList(d.RefusedBy, lang)), plural(d.RefusedBy, "geeft", "geven")),
				fmt.Sprintf("%s %s not consent.", upper(partyList(d.RefusedBy, lang)), plural(d.RefusedBy, "does", "do"))))
		}
		for _, h := range hits {
			if !counts(h, d.Outcome) {
				continue
			}
			t := strings.ReplaceAll(h.rule.Explain.In(lang), "{weighty_reasons}", strings.Join(s.WeightyReasons, "; "))
			t = strings.ReplaceAll(t, "{recipient}", s.Recipient)
			if t != "" && !slices.Contains(sentences, t) {
				sentences = append(sentences, t)
			}
		}
		if len(d.Alternatives) > 0 {
			labels := make([]string, len(d.Alternatives))
			for i, a := range d.Alternatives {
				labels[i] = Alternatives.Label(a, lang)
			}
			sentences = append(sentences, pick(lang, "Wat wel kan:", "What is possible instead:")+" "+strings.Join(labels, " "))
		}
		if lang == "nl" {
			out.NL = strings.Join(sentences, " ")
		} else {
			out.EN = strings.Join(sentences, " ")
		}
	}
	return out
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

func outcomeSentence(lang, subject string, d *Decision, undecided bool) string {
	if undecided {
		return pick(lang,
			"Het beleid van de organisatie zegt niets over deze situatie. Daarom beslist de medewerker.",
			"The organisation's policy says nothing about this situation, so the staff member decides.")
	}
	switch d.Outcome {
	case Allowed:
		return pick(lang, subject+" mag.", subject+" is allowed.")
	case NeedsConsent:
		parties := partyList(d.ConsentFrom, lang)
		return pick(lang,
			fmt.Sprintf("%s mag pas als %s toestemming %s.", subject, parties, plural(d.ConsentFrom, "geeft", "geven")),
			fmt.Sprintf("%s is allowed once %s %s.", subject, parties, plural(d.ConsentFrom, "consents", "consent")))
	case NeedsDecision:
		decider := Deciders.Label(d.DecidedBy, lang)
		sentence := pick(lang,
			fmt.Sprintf("%s: eerst beslist %s hierover.", subject, decider),
			fmt.Sprintf("%s needs a decision by %s first.", subject, decider))
		if len(d.ConsentFrom) > 0 {
			parties := partyList(d.ConsentFrom, lang)
			sentence += " " + pick(lang,
				fmt.Sprintf("Ook is toestemming nodig van %s.", parties),
				fmt.Sprintf("Consent is also needed from %s.", parties))
		}
		return sentence
	case Refused:
		return pick(lang, subject+" kan nu niet.", subject+" cannot go ahead now.")
	default:
		return pick(lang, subject+" mag hier niet.", subject+" is not allowed here.")
	}
}

func partyList(parties []string, lang string) string {
	labels := make([]string, len(parties))
	for i, p := range parties {
		labels[i] = Parties.Label(p, lang)
	}
	if len(labels) < 2 {
		return strings.Join(labels, "")
	}
	return strings.Join(labels[:len(labels)-1], ", ") + pick(lang, " en ", " and ") + labels[len(labels)-1]
}

func plural(list []string, one, many string) string {
	if len(list) == 1 {
		return one
	}
	return many
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
