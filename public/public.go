// Package public turns an organisation's policy into what the organisation
// publishes about recording conversations: the points of its public page
// and leaflet, grouped by subject, each with its source, and the pocket card
// its staff carry. The public page, the leaflet, the poster and the pocket
// card all render one Publication, so they say the same thing, always in
// step with the policy that decides.
package public

import (
	"fmt"
	"slices"

	"github.com/opname/opname/policy"
)

// Publication is an organisation's policy as the public reads it, in one
// language.
type Publication struct {
	Lang string
	// Title is "Een gesprek opnemen bij {organisation}".
	Title    string
	Sections []Section
	Card     Card
	// Ombudsman says where a complaint goes when the organisation's own
	// procedure does not settle it.
	Ombudsman string
}

// Section is one subject of the policy: what a client may do, what the
// organisation asks, recording by the organisation, video, copies, and so
// on (see the Section* keys). A section without points is left out.
type Section struct {
	Key     string
	Heading string
	Points  []Point
}

// Point is one rule or guidance point of the policy, or one thing the
// organisation asks, in plain language, with where it comes from.
type Point struct {
	// ID is the rule's id, "guidance-N" for the policy's Nth guidance point
	// (from 1), or "asks-CODE" for a request made by the rules.
	ID   string
	Text string
	// Also are what the rule adds: agreements, alternatives, advice,
	// obligations and the steps against a secret recording, in words.
	Also    []string
	Sources []Source
}

// Source is a source document as people read it: its title, the part of
// it, and its web address where the policy gives one.
type Source struct {
	Title, Ref, URL string
}

// The sections, in the order a reader meets them.
const (
	SectionRecording    = "recording"
	SectionClient       = "client"
	SectionAsks         = "asks"
	SectionOrganisation = "organisation"
	SectionVideo        = "video"
	SectionCopies       = "copies"
	SectionEditing      = "editing"
	SectionSharing      = "sharing"
	SectionSecret       = "secret"
	SectionOther        = "other"
	SectionGuidance     = "guidance"
)

var sectionOrder = []string{SectionRecording, SectionClient, SectionAsks, SectionOrganisation, SectionVideo,
	SectionCopies, SectionEditing, SectionSharing, SectionSecret, SectionOther, SectionGuidance}

// Sources looks a source document up by its file name.
type Sources func(file string) (policy.Source, bool)

// New makes the publication of policy p for the organisation named org, in
// lang ("nl" or "en"). sources names the documents rules cite; a document
// it does not know is shown by its file name.
func New(p *policy.Policy, org, lang string, sources Sources) *Publication {
	w := words(lang)
	pub := &Publication{Lang: lang, Title: fmt.Sprintf(w.title, org), Ombudsman: w.ombudsman}
	cite := func(c policy.Citation) Source {
		s := Source{Title: c.Source, Ref: c.Ref}
		if doc, ok := sources(c.Source); ok && doc.Title != "" {
			s.Title, s.URL = doc.Title, doc.URL
		}
		return s
	}
	// A document of the organisation's own that restates an inherited
	// rule is a source of that rule too.
	restated := map[string][]policy.Citation{}
	for _, r := range p.Restates {
		for _, id := range r.Rules {
			restated[id] = append(restated[id], r.Citation)
		}
	}
	points := map[string][]Point{}
	asks := map[string][]Source{}
	for _, r := range p.Rules {
		var srcs []Source
		for _, c := range append(append([]policy.Citation{r.Citation}, r.SeeAlso...), restated[r.ID]...) {
			if s := cite(c); !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
		text := r.Explain.In(lang)
		if text == "" {
			text = r.Text
		}
		for placeholder, value := range w.fill {
			text = policy.Fill(text, placeholder, value)
		}
		key := topic(r.Scope())
		points[key] = append(points[key], Point{ID: r.ID, Text: text, Also: also(r, lang), Sources: srcs})
		if key == SectionClient {
			for _, code := range append(slices.Clone(r.Advice), r.Agreements...) {
				for _, s := range srcs {
					if !slices.Contains(asks[code], s) {
						asks[code] = append(asks[code], s)
					}
				}
			}
		}
	}
	for _, v := range []policy.Vocabulary{policy.Advice, policy.Agreements} {
		for _, t := range v {
			if srcs, ok := asks[t.Code]; ok {
				points[SectionAsks] = append(points[SectionAsks], Point{ID: "asks-" + t.Code, Text: t.Label.In(lang), Sources: srcs})
			}
		}
	}
	for i, g := range p.Guidance {
		text := g.Explain.In(lang)
		if text == "" {
			text = g.Text
		}
		srcs := []Source{cite(g.Citation)}
		for _, c := range g.SeeAlso {
			srcs = append(srcs, cite(c))
		}
		points[SectionGuidance] = append(points[SectionGuidance], Point{ID: fmt.Sprintf("guidance-%d", i+1), Text: text, Sources: srcs})
	}
	for _, key := range sectionOrder {
		if len(points[key]) > 0 {
			pub.Sections = append(pub.Sections, Section{Key: key, Heading: w.headings[key], Points: points[key]})
		}
	}
	pub.Card = card(p, lang)
	return pub
}

// topic is the section of a rule with scope sc.
func topic(sc policy.Scope) string {
	only := func(values []string, want ...string) bool {
		return len(values) > 0 && !slices.ContainsFunc(values, func(v string) bool { return !slices.Contains(want, v) })
	}
	switch {
	case only(sc.Actions, "share", "publish"):
		return SectionSharing
	case only(sc.Actions, "copy"):
		return SectionCopies
	case only(sc.Actions, "edit"):
		return SectionEditing
	case !only(sc.Actions, "record"):
		return SectionOther
	case slices.Equal(sc.Covert, []bool{true}):
		return SectionSecret
	case only(sc.Media, "video"):
		return SectionVideo
	case only(sc.By, "organisation"):
		return SectionOrganisation
	case !slices.Contains(sc.By, "organisation"):
		return SectionClient
	}
	return SectionRecording
}

// also is what a rule adds, in words: agreements, alternatives, advice,
// obligations and enforcement, each once.
func also(r *policy.Rule, lang string) []string {
	var out []string
	for _, l := range []struct {
		v     policy.Vocabulary
		codes []string
	}{
		{policy.Agreements, r.Agreements}, {policy.Alternatives, r.Alternatives}, {policy.Advice, r.Advice},
		{policy.Obligations, r.Obligations}, {policy.Enforcement, r.Enforcement},
	} {
		for _, code := range l.codes {
			if s := l.v.Label(code, lang); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}
