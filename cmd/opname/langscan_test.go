package main

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A language scan reads a page as a person sees it and reports the words of
// the other language, and message keys shown as they are. What a page may
// show in another language is marked as such (lang="en" on a Dutch page),
// and code, commands and fingerprints are in <code>, <pre>, <kbd> or
// <samp>; the scan skips those, and what a person typed into a form.

// englishWords are common English words that Dutch text does not use, as
// whole words. Words Dutch shares ("is", "in", "of", "was", "been", "me",
// "we", "manager", "app", "tips", "data") are left out.
var englishWords = []string{
	"the", "and", "with", "you", "your", "this", "that", "these", "those",
	"not", "no", "yes", "are", "were", "has", "have", "be", "being",
	"must", "cannot", "can", "could", "should", "would", "will", "shall", "may",
	"please", "failed", "invalid", "required", "missing", "unknown", "wrong",
	"found", "empty", "larger", "longer", "than", "to", "for", "from", "by",
	"or", "at", "on", "it", "its", "which", "what", "when", "where", "who",
	"whose", "why", "how", "there", "their", "they", "them", "only",
	"already", "use", "give", "say", "try", "again", "sign", "signed", "file",
	"files", "page", "error", "errors", "warning", "rule", "rules", "line",
	"lines", "more", "findings", "request", "requests", "conversation",
	"recording", "recordings", "client", "clients", "staff", "decision",
	"policy", "step", "steps", "system", "name", "time", "date", "person",
	"people", "user", "here", "now", "first", "after", "before", "any", "all",
	"some", "each", "every", "none", "nothing", "something", "someone",
	"another", "other", "same", "new", "about", "into", "out", "up", "under",
	"between", "too", "very", "much", "many", "few", "then", "because", "if",
	"while", "until", "still", "also", "but", "however", "done", "viewed",
	"changed", "created", "deleted", "match",
}

// dutchWords are common Dutch words that English text does not use.
var dutchWords = []string{
	"het", "niet", "een", "van", "de", "en", "voor", "naar", "wordt", "zijn",
	"uw", "u", "bij", "geen", "ook", "wat", "wie", "hoe", "waar", "deze",
	"dit", "dat", "nog", "mag", "moet", "kan", "kunt", "heeft", "hebben",
	"klopt", "gesprek", "verzoek", "cliënt", "medewerker", "beleid",
	"systeem", "regel", "stap", "opnemen", "bekeken", "gewijzigd",
}

// keyLike is text that looks like a message key shown as it is: words
// joined by dots, such as "object.request".
var keyLike = regexp.MustCompile(`(?:^|[\s(])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?:[\s),;:]|\.?$)`)

// placeholder is a word a script fills in, such as {time}.
var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// notKeys end the way file names and addresses do.
var notKeys = regexp.MustCompile(`\.(nl|com|org|example|yaml|yml|json|pdf|csv|txt|wav|webm|mp3|mp4|ogg|css|js)$`)

// skipped elements hold no text of the page's own language: code and
// commands, scripts, and what a person typed.
var skipped = []atom.Atom{atom.Script, atom.Style, atom.Code, atom.Pre, atom.Kbd, atom.Samp, atom.Textarea, atom.Template}

// shownAttrs are attributes a person reads or hears.
var shownAttrs = []string{"aria-label", "alt", "title", "placeholder"}

// pageText is what a page shows a person in its own language: each text
// node and attribute value a person sees or hears, apart from the parts in
// another language, code, and form values. Scripts take the texts they show
// from data-m-* attributes; those count too.
func pageText(doc *html.Node) (lang string, texts []string) {
	lang = "nl"
	var walk func(n *html.Node, lang string)
	walk = func(n *html.Node, inLang string) {
		switch n.Type {
		case html.TextNode:
			if s := strings.TrimSpace(n.Data); s != "" {
				texts = append(texts, s)
			}
			return
		case html.ElementNode:
			if slices.Contains(skipped, n.DataAtom) {
				return
			}
			here := inLang
			for _, a := range n.Attr {
				if a.Key == "lang" && a.Val != "" {
					here = a.Val
				}
			}
			if n.DataAtom == atom.Html {
				lang, inLang = here, here
			}
			if here != inLang && inLang != "" {
				return // marked as another language
			}
			for _, a := range n.Attr {
				if slices.Contains(shownAttrs, a.Key) || strings.HasPrefix(a.Key, "data-m-") {
					if s := strings.TrimSpace(a.Val); s != "" {
						texts = append(texts, s)
					}
				}
				if n.DataAtom == atom.Input && a.Key == "value" && (attr(n, "type") == "submit" || attr(n, "type") == "button") {
					texts = append(texts, a.Val)
				}
			}
			inLang = here
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLang)
		}
	}
	walk(doc, "")
	return lang, texts
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// words is text in lower case with its punctuation turned into spaces,
// between spaces, so that " the " finds the word.
func words(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+-_@'", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte(' ')
	return b.String()
}

// foreign returns the words of list that text has, and the text around the
// first.
func foreign(text string, list []string) (found []string) {
	w := words(text)
	for _, word := range list {
		if strings.Contains(w, " "+word+" ") {
			found = append(found, word)
		}
	}
	return found
}

// langProblems returns what is wrong with the texts of a page in lang: a
// message key shown as it is, or words of the other language. data are
// texts people entered (names, descriptions), left out of the check.
func langProblems(lang string, texts, data []string) []string {
	other := englishWords
	if lang == "en" {
		other = dutchWords
	}
	var problems []string
	for _, t := range texts {
		for _, m := range keyLike.FindAllStringSubmatch(t, -1) {
			if !notKeys.MatchString(m[1]) {
				problems = append(problems, "message key shown: "+m[1]+" in "+quoteShort(t))
			}
		}
		clean := placeholder.ReplaceAllString(t, " ")
		for _, d := range data {
			clean = strings.ReplaceAll(clean, d, " ")
		}
		if found := foreign(clean, other); len(found) > 0 {
			problems = append(problems, "not "+lang+" "+strings.Join(found, ","+" ")+": "+quoteShort(t))
		}
	}
	return problems
}

func quoteShort(s string) string {
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return "“" + s + "”"
}
