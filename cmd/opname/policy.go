package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

func runPolicyList(_ context.Context, m *Main, args []string) error {
	fs := flags("policy list")
	lang := fs.String("lang", "nl", "language of the titles: nl or en")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%-24s %s\n", name, p.Title.In(*lang))
	}
	return nil
}

func runPolicyCheck(_ context.Context, m *Main, args []string) error {
	fs := flags("policy check")
	name := fs.String("policy", "", "a shipped policy's name, or a policy file")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *name == "":
		return usageError{"--policy is required"}
	case len(rest) > 1:
		return usageError{fmt.Sprintf("unexpected argument %q: give one situation file, or - for standard input", rest[1])}
	}
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	p, err := loadPolicy(lib, *name)
	if err != nil {
		return err
	}
	in := m.Stdin
	if len(rest) == 1 && rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return readError("situation file", rest[0], err)
		}
		defer f.Close()
		in = f
	}
	s, err := policy.ParseSituation(in)
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			msg := pe.Error()
			if pe.Field == "situation" {
				msg = pe.Msg // the whole document is wrong: no field to name
			}
			return &opname.Error{Kind: opname.Invalid, Msg: "invalid situation: " + msg}
		}
		return err
	}
	d, err := p.Decide(s)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("policy check: encode decision: %w", err)
	}
	_, err = fmt.Fprintf(m.Stdout, "%s\n", out)
	return err
}

func runPolicyLint(_ context.Context, m *Main, args []string) error {
	fs := flags("policy lint")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"give one policy file"}
	}
	text, err := os.ReadFile(rest[0])
	if err != nil {
		return readError("policy file", rest[0], err)
	}
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	findings := lib.Lint(rest[0], text)
	for _, f := range findings {
		fmt.Fprintln(m.Stdout, f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(m.Stderr, "opname: %d finding(s) in %s\n", len(findings), rest[0])
		return exitCode(exitFailure)
	}
	fmt.Fprintf(m.Stdout, "%s: no findings\n", rest[0])
	return nil
}

func runPolicyShow(_ context.Context, m *Main, args []string) error {
	fs := flags("policy show")
	lang := fs.String("lang", "nl", "language: nl or en")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"give one policy name or file"}
	}
	if *lang != "nl" && *lang != "en" {
		return usageError{fmt.Sprintf("--lang %q: use nl or en", *lang)}
	}
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	p, err := loadPolicy(lib, rest[0])
	if err != nil {
		return err
	}
	showPolicy(m.Stdout, p, *lang)
	return nil
}

// loadPolicy compiles the policy named by arg: a file if arg looks like a
// path or names an existing file, a shipped policy otherwise.
func loadPolicy(lib *policy.Library, arg string) (*policy.Policy, error) {
	isFile := strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml")
	if !isFile {
		if _, err := os.Stat(arg); err == nil {
			isFile = true
		}
	}
	if !isFile {
		return lib.Policy(arg)
	}
	text, err := os.ReadFile(arg)
	if err != nil {
		return nil, readError("policy file", arg, err)
	}
	p, err := lib.Parse(arg, text)
	var pe *policy.Error
	if errors.As(err, &pe) && len(pe.Findings) > 1 {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s (and %d more problems; run 'opname policy lint %s')", pe.Error(), len(pe.Findings)-1, arg)}
	}
	return p, err
}

func readError(what, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return opname.Errorf(opname.Invalid, "%s %s: no such file", what, path)
	case errors.Is(err, fs.ErrPermission):
		return opname.Errorf(opname.Invalid, "%s %s: permission denied", what, path)
	}
	return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s %s: cannot read it", what, path), Err: err}
}

// showPolicy writes a policy in readable form.
func showPolicy(w io.Writer, p *policy.Policy, lang string) {
	l := func(nl, en string) string {
		if lang == "en" {
			return en
		}
		return nl
	}
	fmt.Fprintf(w, "%s — %s\n", p.Name, p.Title.In(lang))
	fmt.Fprintf(w, "%s %s · %s %s", l("versie", "version"), p.Version, l("soort", "kind"), p.Kind)
	if p.Extends != "" {
		fmt.Fprintf(w, " · %s %s", l("bouwt voort op", "extends"), p.Extends)
	}
	fmt.Fprintf(w, "\n%s\n\n", p.Digest)

	wrap(w, "", l("Wie beslist voor wie: ", "Who decides for whom: ")+representation(p.Representation, lang))
	if p.OrganisationConsent == policy.OrganisationConsentManager {
		wrap(w, "", l("Wie geeft de toestemming van de organisatie: een manager.", "Who gives the organisation's consent: a manager."))
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, l("Bronnen", "Sources"))
	for _, s := range p.Sources {
		fmt.Fprintf(w, "  %s  %s\n", s.File, s.Title)
	}

	fmt.Fprintf(w, "\n%s\n", l("Regels", "Rules"))
	for _, r := range p.Rules {
		fmt.Fprintf(w, "\n  %s  (%s, %s)\n", r.ID, r.Source, r.Ref)
		wrap(w, "    ", "“"+r.Text+"”")
		fmt.Fprintf(w, "    %s %s\n", l("Wanneer:", "When:   "), strings.Join(strings.Fields(r.When), " "))
		if r.Outcome != "" {
			out := fmt.Sprintf("%s (%s)", r.Outcome, r.Outcome.Label(lang))
			switch {
			case len(r.ConsentFrom) > 0:
				out += " — " + l("toestemming van", "consent from") + " " + strings.Join(r.ConsentFrom, ", ")
			case r.DecidedBy != "":
				out += " — " + l("beslist door", "decided by") + " " + policy.Deciders.Label(r.DecidedBy, lang)
			}
			if r.OnRefusal != "" {
				out += " (" + l("bij weigering", "on refusal") + ": " + string(r.OnRefusal) + ")"
			}
			fmt.Fprintf(w, "    %s %s\n", l("Uitkomst:", "Outcome:"), out)
		}
		if len(r.ConsentFrom) > 0 {
			wrap(w, "    ", l("Wie wordt gevraagd: ", "Who is asked: ")+askedInWords(r.ConsentFrom, p.Representation, lang))
		}
		for _, list := range []struct {
			nl, en string
			codes  []string
			vocab  policy.Vocabulary
		}{
			{"Verplichtingen", "Obligations", r.Obligations, policy.Obligations},
			{"Afspraken", "Agreements", r.Agreements, policy.Agreements},
			{"Alternatieven", "Alternatives", r.Alternatives, policy.Alternatives},
			{"Handhaving", "Enforcement", r.Enforcement, policy.Enforcement},
			{"Advies", "Advice", r.Advice, policy.Advice},
		} {
			for i, code := range list.codes {
				head := strings.Repeat(" ", len(l(list.nl, list.en))+1)
				if i == 0 {
					head = l(list.nl, list.en) + ":"
				}
				fmt.Fprintf(w, "    %s %s — %s\n", head, code, list.vocab.Label(code, lang))
			}
		}
		wrap(w, "    ", l("Uitleg: ", "Explanation: ")+r.Explain.In(lang))
	}

	if len(p.Guidance) > 0 {
		fmt.Fprintf(w, "\n%s\n", l("Richtlijnen die software niet kan beslissen", "Guidance that software cannot decide"))
		for _, g := range p.Guidance {
			fmt.Fprintf(w, "\n  %s, %s\n", g.Source, g.Ref)
			wrap(w, "    ", "“"+g.Text+"”")
			labels := make([]string, len(g.SupportedBy))
			for i, s := range g.SupportedBy {
				labels[i] = policy.Supports.Label(s, lang)
			}
			wrap(w, "    ", l("Ondersteund door: ", "Supported by: ")+strings.Join(labels, "; "))
			wrap(w, "    ", g.Explain.In(lang))
		}
	}
	if len(p.Restates) > 0 {
		fmt.Fprintf(w, "\n%s\n", l("Herhaalde regels", "Restated rules"))
		for _, r := range p.Restates {
			fmt.Fprintf(w, "  %s, %s → %s\n", r.Source, r.Ref, strings.Join(r.Rules, ", "))
		}
	}
}

// representation says in words who decides for someone who cannot decide
// alone, as a policy's representation has it.
func representation(kind, lang string) string {
	switch kind {
	case "":
		return policy.Text{
			NL: "iedereen beslist voor zichzelf.",
			EN: "everyone decides for themselves.",
		}.In(lang)
	case policy.RepresentationWGBO:
		return policy.Text{
			NL: "volgens de WGBO — jonger dan 12: de ouders of voogd; 12 tot 16: het kind én de ouders of voogd; 16 en ouder: de persoon zelf; een volwassene die niet zelf kan beslissen: de vertegenwoordiger.",
			EN: "as the WGBO says — under 12: the parents or guardian; 12 to 16: the child and the parents or guardian; 16 and older: the person themselves; an adult who cannot decide for themselves: the representative.",
		}.In(lang)
	}
	return kind // the compiler refuses any other; show it rather than hide it
}

// askedInWords says who a rule's consent_from asks, in words.
func askedInWords(from []string, kind, lang string) string {
	var who []string
	for _, f := range from {
		switch f {
		case policy.OtherParty:
			who = append(who, policy.Text{NL: "de andere partij", EN: "the other party"}.In(lang))
		case policy.OtherParticipants:
			who = append(who, policy.Text{NL: "iedereen die meedoet, behalve wie opneemt", EN: "everyone who takes part, except the one who records"}.In(lang))
		case policy.OtherParticipantsExceptStaff:
			who = append(who, policy.Text{NL: "iedereen die meedoet, behalve wie opneemt en behalve de medewerkers", EN: "everyone who takes part, except the one who records and except the staff"}.In(lang))
		default:
			who = append(who, policy.Parties.Label(f, lang))
		}
	}
	// A selector says "except" with a comma of its own: then a comma
	// between the parties would read as part of the exception.
	sep, last := ", ", policy.Text{NL: " en ", EN: " and "}.In(lang)
	if slices.ContainsFunc(who, func(w string) bool { return strings.Contains(w, ",") }) {
		sep, last = "; ", "; "
	}
	text := who[len(who)-1]
	if len(who) > 1 {
		text = strings.Join(who[:len(who)-1], sep) + last + text
	}
	text += "."
	if kind == policy.RepresentationWGBO {
		text += policy.Text{NL: " Voor wie niet zelf kan beslissen, antwoorden de mensen die de WGBO noemt.", EN: " For someone who cannot decide alone, the people the WGBO names answer."}.In(lang)
	}
	return text
}

// wrap writes text folded at about 100 columns, each line indented.
func wrap(w io.Writer, indent, text string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > 100 {
			fmt.Fprintln(w, line)
			line = indent + "  "
		}
		if len(line) > len(indent) && !strings.HasSuffix(line, "  ") {
			line += " "
		}
		line += word
	}
	if strings.TrimSpace(line) != "" {
		fmt.Fprintln(w, line)
	}
}
