package web

import "github.com/opname/opname/policy"

// wordsMessages are the texts of who recorded in secret (incidents), the
// staff member's own yes or no, and the printed documents.
var wordsMessages = map[string]policy.Text{
	// An incident: what was recorded, by whom, with whom present.
	"words.incident.medium":        {NL: "Wat werd er opgenomen?", EN: "What was recorded?"},
	"words.incident.medium.audio":  {NL: "Geluid", EN: "Sound"},
	"words.incident.medium.video":  {NL: "Beeld (foto of film)", EN: "Images (photo or film)"},
	"words.incident.recorder":      {NL: "Wie nam het op?", EN: "Who recorded it?"},
	"words.incident.recorder.hint": {NL: "Dit bepaalt welke stappen het beleid noemt.", EN: "This decides which steps the policy names."},
	"words.incident.unknown":       {NL: "Weet ik niet", EN: "I do not know"},
	"words.incident.other":         {NL: "Iemand anders, die niet in de lijst staat", EN: "Someone else, who is not in the list"},
	"words.incident.other.who":     {NL: "Was het iemand anders? Wie was dat?", EN: "Was it someone else? Who was that?"},
	"words.incident.other.missing": {NL: "Beschrijf wie de opname maakte.", EN: "Describe who made the recording."},
	"words.incident.present":       {NL: "Wie waren erbij?", EN: "Who was there?"},
	"words.incident.recorded":      {NL: "Opgenomen", EN: "Recorded"},
	"words.incident.by":            {NL: "Door", EN: "By"},
	"words.incident.there":         {NL: "Erbij", EN: "There"},
}
