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

	// A staff member's own yes or no to images of themselves.
	"words.staff.may.refuse":   {NL: "Een medewerker mag altijd weigeren om gefilmd te worden. Dat is het recht op het eigen beeld (portretrecht). Elke medewerker in het gesprek zegt eerst zelf ja of nee.", EN: "A staff member may always refuse to be filmed. That is the right to one's own image (portrait right). Each staff member in the conversation first says yes or no themselves."},
	"words.staff.then.manager": {NL: "Pas daarna beslist de manager.", EN: "Only then does the manager decide."},
	"words.staff.ask":          {NL: "Wil %s gefilmd worden in dit gesprek?", EN: "Does %s agree to be filmed in this conversation?"},
	"words.staff.yes":          {NL: "Ja, ik doe mee", EN: "Yes, I take part"},
	"words.staff.no":           {NL: "Nee, ik wil niet in beeld", EN: "No, I do not want to be filmed"},

	// The printed documents.
	"words.doc.org":           {NL: "Organisatie", EN: "Organisation"},
	"words.doc.policy":        {NL: "%s, versie %s", EN: "%s, version %s"},
	"words.doc.policy.digest": {NL: "Vingerafdruk van het beleid", EN: "Fingerprint of the policy"},
	"words.doc.pageof":        {NL: "pagina %d van %d", EN: "page %d of %d"},
	"words.doc.name":          {NL: "Naam", EN: "Name"},
	"words.doc.role":          {NL: "Rol", EN: "Role"},
	"words.doc.date":          {NL: "Datum", EN: "Date"},
	"words.doc.signature":     {NL: "Handtekening", EN: "Signature"},
	"words.doc.manager":       {NL: "Manager", EN: "Manager"},
	"words.doc.staff.of":      {NL: "Medewerker van %s", EN: "Staff member of %s"},
	"words.doc.outcome":       {NL: "Uitkomst", EN: "Outcome"},
	"words.doc.allowed":       {NL: "Toegestaan", EN: "Allowed"},
	"words.doc.refused":       {NL: "Niet toegestaan", EN: "Not allowed"},
	"words.doc.reasons":       {NL: "Redenen", EN: "Reasons"},
	"words.doc.decided":       {NL: "Besloten op", EN: "Decided on"},
	"words.doc.consulted":     {NL: "Overlegd met", EN: "Consulted"},
	"words.doc.recorded":      {NL: "Vastgelegd", EN: "Recorded"},
	"words.doc.signing":       {NL: "Ondertekenen", EN: "Signing"},
	"words.doc.digest":        {NL: "Vingerafdruk (SHA-256)", EN: "Fingerprint (SHA-256)"},
}
