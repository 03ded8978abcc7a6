package public

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opname/opname/policy"
)

// Card is the pocket card for staff: how to raise recording at the start of
// a conversation and what the policy says in the four situations they meet
// most, decided by the policy itself.
type Card struct {
	Title string
	Intro string
	Items []CardItem
}

// CardItem is one situation on the pocket card: what the policy decides and
// what the staff member does, says or asks.
type CardItem struct {
	// Key is client, organisation, video or secret.
	Key     string
	Heading string
	// Outcome is the decision in a few words.
	Outcome string
	// Lines are what the staff member does or says.
	Lines []string
	// Agreements are the agreements that hold; Speak is set when the policy
	// has them spoken at the start of the recording.
	Agreements []string
	Speak      bool
	// Alternatives are offered when recording is not possible.
	Alternatives []string
}

// cardSituation is one situation of the card: a client and a staff member
// in an office conversation, with what differs per item.
type cardSituation struct {
	key                   string
	medium, by, announced string
	covert                bool
}

var cardSituations = []cardSituation{
	{key: "client", medium: "audio", by: "client", announced: "at_start"},
	{key: "organisation", medium: "audio", by: "organisation", announced: "in_advance"},
	{key: "video", medium: "video", by: "client", announced: "in_advance"},
	{key: "secret", medium: "audio", by: "client", announced: "not_announced", covert: true},
}

// card decides the card's situations under p. A situation the policy fails
// to decide is left off; a policy that compiles decides them all.
func card(p *policy.Policy, lang string) Card {
	w := words(lang)
	c := Card{Title: w.cardTitle, Intro: w.cardIntro}
	for _, cs := range cardSituations {
		age := 40
		s := policy.Situation{
			Action: "record", Medium: cs.medium, By: cs.by, Announced: cs.announced, Covert: cs.covert,
			Purpose: "private_use", Location: "office", ByTakesPart: true,
			OrganisationConsent: "unknown", Declaration: "unknown",
			Participants: []policy.Participant{
				{Role: "client", Age: &age, Capacity: "capable", Consent: "unknown", Willing: true},
				{Role: "staff", Capacity: "capable", Consent: "unknown", Willing: true},
			},
		}
		d, err := p.Decide(s)
		if err != nil {
			continue
		}
		item := CardItem{Key: cs.key, Heading: w.cardHeadings[cs.key], Outcome: outcome(d, w, lang),
			Lines:        policy.Advice.Labels(d.Advice, lang),
			Agreements:   policy.Agreements.Labels(d.Agreements, lang),
			Alternatives: policy.Alternatives.Labels(d.Alternatives, lang)}
		// Speaking the agreements is how the card shows them, not a line.
		item.Speak = slices.Contains(d.Obligations, "record_agreements")
		others := slices.DeleteFunc(slices.Clone(d.Obligations), func(code string) bool { return code == "record_agreements" })
		item.Lines = append(item.Lines, policy.Obligations.Labels(others, lang)...)
		item.Lines = append(item.Lines, policy.Enforcement.Labels(d.Enforcement, lang)...)
		c.Items = append(c.Items, item)
	}
	return c
}

// outcome says decision d in a few words for staff.
func outcome(d policy.Decision, w *vocabulary, lang string) string {
	names := func(v policy.Vocabulary, codes []string) string { return strings.Join(v.Labels(codes, lang), w.and) }
	switch d.Outcome {
	case policy.NeedsConsent:
		return fmt.Sprintf(w.outcomes[d.Outcome], names(policy.Parties, d.ConsentFrom))
	case policy.NeedsDecision:
		return fmt.Sprintf(w.outcomes[d.Outcome], policy.Deciders.Label(d.DecidedBy, lang))
	}
	return w.outcomes[d.Outcome]
}
