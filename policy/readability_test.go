package policy_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/opname/opname/policy"
)

// Plain language (B1) in what clients read: the explanations of rules and
// decisions and the labels of the vocabulary.

// hardWords are words above B1 that client-facing Dutch must not use
// without an explanation. A word counts as explained when an explanation
// follows right after it, in parentheses or after a dash: "het
// portretrecht (het recht op uw eigen beeld)", "zwaarwegende redenen –
// redenen die zwaar wegen"; "het portretrecht en de privacywet (AVG)" does
// not explain portretrecht. Matched in lower case at the start of a word,
// so "zwaarwegend" covers "zwaarwegende". The list is kept short: only
// words that are clearly jargon to a B1 reader.
var hardWords = []string{
	"zwaarwegend",
	"uitgangspunt",
	"portretrecht",
	"juridische stappen",
	"wilsonbekwa", // wilsonbekwaam, wilsonbekwamen
	"strafrechtelijk",
	"behandelingsovereenkomst",
	"in beginsel",
	"heimelijk",
	"eenzijdig",
	"derden",
}

// maxSentenceWords bounds a sentence, in Dutch and English.
const maxSentenceWords = 25

// readabilitySituations is how many generated decisions per policy are read.
const readabilitySituations = 400

// hardWord returns the hard words in sentence that are not explained,
// separated by commas.
func hardWord(sentence string) string {
	lower := strings.ToLower(sentence)
	var found []string
	for _, w := range hardWords {
		for at := 0; ; {
			i := strings.Index(lower[at:], w)
			if i < 0 {
				break
			}
			i += at
			at = i + len(w)
			if r, _ := utf8.DecodeLastRuneInString(lower[:i]); i > 0 && unicode.IsLetter(r) {
				continue // inside another word
			}
			if !explainedAtOnce(lower[i:]) {
				found = append(found, w)
				break
			}
		}
	}
	return strings.Join(found, ", ")
}

// explainedAtOnce reports whether the text that starts with a hard word explains
// it right away: a parenthesis or a dash within the word and the next
// (a word of two, such as "juridische stappen", is one token more).
func explainedAtOnce(text string) bool {
	tokens := strings.Fields(text)
	for _, tok := range tokens[:min(3, len(tokens))] {
		if strings.HasPrefix(tok, "(") || tok == "–" || tok == "—" || tok == "-" {
			return true
		}
	}
	return false
}

// wordCount counts the words of a sentence: tokens with a letter or digit.
func wordCount(sentence string) int {
	n := 0
	for _, f := range strings.Fields(sentence) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

// text is client-facing text and where it comes from.
type text struct {
	lang, where, body string
}

// clientTexts gathers what clients read: every shipped rule's explanation,
// the labels of the vocabulary, and the explanations of decisions on
// generated situations.
func clientTexts(t *testing.T) []text {
	lib := shipped(t)
	var out []text
	for _, name := range lib.Names() {
		p := load(t, lib, name)
		for _, r := range p.Rules {
			out = append(out,
				text{"nl", fmt.Sprintf("rule %s of policy %s, explain.nl", r.ID, r.Policy), r.Explain.NL},
				text{"en", fmt.Sprintf("rule %s of policy %s, explain.en", r.ID, r.Policy), r.Explain.EN})
		}
	}
	for _, v := range []struct {
		name  string
		vocab policy.Vocabulary
	}{
		{"obligations", policy.Obligations}, {"agreements", policy.Agreements}, {"alternatives", policy.Alternatives},
		{"enforcement", policy.Enforcement}, {"advice", policy.Advice}, {"parties", policy.Parties}, {"deciders", policy.Deciders},
	} {
		for _, code := range v.vocab.Codes() {
			for _, lang := range langs {
				out = append(out, text{lang, fmt.Sprintf("label of %s %s (%s)", v.name, code, lang), v.vocab.Label(code, lang)})
			}
		}
	}
	for _, o := range policy.Outcomes {
		for _, lang := range langs {
			out = append(out, text{lang, fmt.Sprintf("label of outcome %s (%s)", o, lang), o.Label(lang)})
		}
	}
	for _, name := range lib.Names() {
		c := &checker{t: t, p: load(t, lib, name)}
		rng := rngFor(seed(t), "readability "+name)
		for range readabilitySituations {
			s := generate(t, rng)
			d := c.decide(s)
			for _, lang := range langs {
				out = append(out, text{lang, fmt.Sprintf("decision under %s on %s", name, situationJSON(s)), explanation(d, lang)})
			}
		}
	}
	return out
}

// TestReadability checks every sentence clients read, once, for words above
// B1 without an explanation (Dutch) and for length (Dutch and English).
func TestReadability(t *testing.T) {
	type problem struct{ what, sentence, where string }
	var hard, long []problem
	seen := map[string]bool{}
	for _, tx := range clientTexts(t) {
		for _, s := range sentences(tx.body) {
			if seen[tx.lang+s] {
				continue
			}
			seen[tx.lang+s] = true
			if w := hardWord(s); w != "" && tx.lang == "nl" {
				hard = append(hard, problem{fmt.Sprintf("%s without an explanation", w), s, tx.where})
			}
			if n := wordCount(s); n > maxSentenceWords {
				long = append(long, problem{fmt.Sprintf("%d words, more than %d", n, maxSentenceWords), s, tx.where})
			}
		}
	}
	for _, ps := range [][]problem{hard, long} {
		for i, p := range ps {
			if i == 20 {
				t.Errorf("… and %d more", len(ps)-i)
				break
			}
			t.Errorf("%s: %q\n    in %s", p.what, p.sentence, p.where)
		}
	}
}

// TestReadabilityCheck shows that the readability check finds what it is
// meant to find, and passes what it is meant to pass.
func TestReadabilityCheck(t *testing.T) {
	for _, tc := range []struct {
		sentence string
		hard     string
	}{
		{"Opnemen is het uitgangspunt, tenzij de organisatie zwaarwegende redenen heeft.", "zwaarwegend, uitgangspunt"},
		{"Opnemen mag, tenzij de organisatie zwaarwegende redenen (redenen die zwaar wegen) heeft.", ""},
		{"Opnemen mag, tenzij de organisatie zwaarwegende redenen heeft (zie hieronder).", "zwaarwegend"},
		{"Dat komt door het portretrecht.", "portretrecht"},
		{"Dat komt door het portretrecht – het recht op uw eigen beeld.", ""},
		{"Dat komt door het portretrecht en de privacywet (AVG).", "portretrecht"},
		{"Neem juridische stappen (naar de rechter gaan).", ""},
		{"Bij een ernstige overtreding: overweeg juridische stappen.", "juridische stappen"},
		{"Het gaat om volwassenen die wilsonbekwaam zijn.", "wilsonbekwa"},
		{"De opname gaat naar anderen.", ""},
		{"Een opname aan derden geven mag niet.", "derden"},
		{"Dit is een onderdeel van de afspraken.", ""}, // "deel" is not "derden"
	} {
		if got := hardWord(tc.sentence); got != tc.hard {
			t.Errorf("hardWord(%q) = %q, want %q", tc.sentence, got, tc.hard)
		}
	}
	for _, tc := range []struct {
		sentence string
		words    int
	}{
		{"De opname moet stoppen.", 4},
		{"Wat wel kan: Alleen geluid opnemen, zonder beeld.", 8},
		{"Dit – en dat – telt (artikel 139f).", 6},
	} {
		if got := wordCount(tc.sentence); got != tc.words {
			t.Errorf("wordCount(%q) = %d, want %d", tc.sentence, got, tc.words)
		}
	}
	long := strings.Repeat("woord ", maxSentenceWords) + "te veel."
	if wordCount(long) <= maxSentenceWords {
		t.Errorf("a sentence of %d words is not too long", wordCount(long))
	}
}
