package web

import "github.com/opname/opname/policy"

// lookMessages are the texts of the page frame, the outcome badges and
// the smaller aids on the pages: limits of fields, the log's entries.
var lookMessages = map[string]policy.Text{
	"wf.incident.what.hint": {NL: "Ten hoogste %d tekens.", EN: "At most %d characters."},
	"wf.incident.toolong":   {NL: "%s: de tekst mag ten hoogste %d tekens hebben, en dit zijn er %d. Uw tekst staat er nog: maak hem korter en stuur hem opnieuw.", EN: "%s: the text may have at most %d characters, and this one has %d. Your text is still there: make it shorter and send it again."},
	"rec.entry":             {NL: "Regel %d", EN: "Entry %d"},
	"wf.why":                {NL: "Waarom deze uitkomst?", EN: "Why this outcome?"},
	"wf.rules.show":         {NL: "Toon de regels (%d)", EN: "Show the rules (%d)"},
	"wf.decline.fold":       {NL: "Doet een medewerker niet mee als er wordt opgenomen?", EN: "Does a staff member not take part if it is recorded?"},
}
