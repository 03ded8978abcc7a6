package public

import "github.com/opname/opname/policy"

// vocabulary is the publication's own words in one language; everything
// else comes from the policy.
type vocabulary struct {
	title, ombudsman     string
	headings             map[string]string
	cardTitle, cardIntro string
	cardHeadings         map[string]string
	outcomes             map[policy.Outcome]string
	and                  string
	// fill stands in for the placeholders of rules' explanations, which
	// a decision fills with its situation's facts.
	fill map[string]string
}

var dutch = &vocabulary{
	title: "Een gesprek opnemen bij %s",
	ombudsman: "Komt u er samen niet uit? Dan kunt u naar de Nationale Ombudsman. " +
		"Dat kan via www.nationaleombudsman.nl of telefoon 0800 33 55 555 (gratis).",
	headings: map[string]string{
		SectionRecording:    "Opnemen: zo gaat het",
		SectionClient:       "Als u een gesprek wilt opnemen",
		SectionAsks:         "Wat wij u vragen",
		SectionOrganisation: "Als wij een gesprek opnemen",
		SectionVideo:        "Beeld: video en foto",
		SectionCopies:       "Een kopie van de opname",
		SectionEditing:      "Knippen en plakken",
		SectionSharing:      "De opname aan anderen geven of openbaar maken",
		SectionSecret:       "Als iemand stiekem opneemt",
		SectionOther:        "Verder",
		SectionGuidance:     "Hoe wij hiermee werken",
	},
	cardTitle: "Zakkaart: opnemen in het gesprek",
	cardIntro: "Begin zelf over opnemen, aan het begin van het gesprek. Dit zegt ons beleid:",
	cardHeadings: map[string]string{
		"client":       "De cliënt wil het gesprek opnemen",
		"organisation": "U wilt het gesprek zelf opnemen",
		"video":        "De cliënt wil beeld opnemen",
		"secret":       "U merkt dat de cliënt stiekem opneemt",
	},
	outcomes: map[policy.Outcome]string{
		policy.Allowed:       "Dat mag.",
		policy.NeedsConsent:  "Alleen met een ja van %s.",
		policy.NeedsDecision: "Eerst beslist %s.",
		policy.Refused:       "Dat gaat niet door.",
		policy.Forbidden:     "Dat mag niet.",
	},
	and: " en ",
	fill: map[string]string{
		"{weighty_reasons}": "zij vertelt u welke reden",
		"{recipient}":       "iemand anders",
	},
}

var english = &vocabulary{
	title: "Recording a conversation at %s",
	ombudsman: "Can you not work it out together? Then you can go to the Nationale Ombudsman (the Dutch national ombudsman): " +
		"www.nationaleombudsman.nl or phone 0800 33 55 555 (free).",
	headings: map[string]string{
		SectionRecording:    "Recording: how it works",
		SectionClient:       "If you want to record a conversation",
		SectionAsks:         "What we ask of you",
		SectionOrganisation: "If we record a conversation",
		SectionVideo:        "Images: video and photos",
		SectionCopies:       "A copy of the recording",
		SectionEditing:      "Cutting and pasting",
		SectionSharing:      "Passing the recording on or making it public",
		SectionSecret:       "If someone records in secret",
		SectionOther:        "Further",
		SectionGuidance:     "How we work with this",
	},
	cardTitle: "Pocket card: recording in the conversation",
	cardIntro: "Raise recording yourself, at the start of the conversation. This is what our policy says:",
	cardHeadings: map[string]string{
		"client":       "The client wants to record the conversation",
		"organisation": "You want to record the conversation yourself",
		"video":        "The client wants to record images",
		"secret":       "You find the client recording in secret",
	},
	outcomes: map[policy.Outcome]string{
		policy.Allowed:       "Allowed.",
		policy.NeedsConsent:  "Only with a yes from %s.",
		policy.NeedsDecision: "First %s decides.",
		policy.Refused:       "It does not go ahead.",
		policy.Forbidden:     "Not allowed.",
	},
	and: " and ",
	fill: map[string]string{
		"{weighty_reasons}": "it tells you which reason",
		"{recipient}":       "someone else",
	},
}

// words is the publication's vocabulary in lang: English for "en", Dutch
// otherwise.
func words(lang string) *vocabulary {
	if lang == "en" {
		return english
	}
	return dutch
}
