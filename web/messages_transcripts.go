package web

import "github.com/opname/opname/policy"

// transcriptMessages are the texts of transcripts: attaching one to a
// recording, showing them beside it, and what is wrong with a file.
var transcriptMessages = map[string]policy.Text{
	"transcript.title":      {NL: "Transcripten", EN: "Transcripts"},
	"transcript.caption":    {NL: "Transcripten van deze opname", EN: "Transcripts of this recording"},
	"transcript.none":       {NL: "Bij deze opname is nog geen transcript.", EN: "This recording has no transcript yet."},
	"transcript.when":       {NL: "Toegevoegd", EN: "Added"},
	"transcript.type":       {NL: "Soort", EN: "Kind"},
	"transcript.size":       {NL: "Grootte", EN: "Size"},
	"transcript.by":         {NL: "Gemaakt door", EN: "Made by"},
	"transcript.files":      {NL: "Bestand en bewijs", EN: "File and receipt"},
	"transcript.erased":     {NL: "Gewist, met de opname", EN: "Erased, with the recording"},
	"transcript.download":   {NL: "Download (%s)", EN: "Download (%s)"},
	"transcript.receipt":    {NL: "Bewijs (JSON)", EN: "Receipt (JSON)"},
	"transcript.file":       {NL: "Transcript toevoegen", EN: "Add a transcript"},
	"transcript.file.hint":  {NL: "Een tekstbestand, een PDF of ondertitels (WebVTT) van wat er in deze opname gezegd is. Hoogstens 20 MB. U krijgt er een bewijs bij, net als bij de opname.", EN: "A text file, a PDF or subtitles (WebVTT) of what was said in this recording. At most 20 MB. You get a receipt with it, as with the recording."},
	"transcript.submit":     {NL: "Transcript toevoegen", EN: "Add the transcript"},
	"transcript.added":      {NL: "Het transcript is bewaard en vastgelegd in het logboek. Het bewijs staat erbij.", EN: "The transcript is stored and registered in the log. Its receipt is with it."},
	"transcript.link.intro": {NL: "Heeft u uitgeschreven wat er gezegd is? Dan kunt u dat hier bij de opname zetten. Niemand geeft het aan anderen zonder uw toestemming.", EN: "Did you write out what was said? Then you can add it to the recording here. Nobody gives it to others without your consent."},

	"transcript.type.text/plain":      {NL: "Tekst", EN: "Text"},
	"transcript.type.application/pdf": {NL: "PDF", EN: "PDF"},
	"transcript.type.text/vtt":        {NL: "Ondertitels (WebVTT)", EN: "Subtitles (WebVTT)"},

	"transcript.by.organisation":   {NL: "de organisatie", EN: "the organisation"},
	"transcript.by.client":         {NL: "de cliënt", EN: "the client"},
	"transcript.by.parent":         {NL: "een ouder", EN: "a parent"},
	"transcript.by.guardian":       {NL: "de voogd", EN: "the guardian"},
	"transcript.by.representative": {NL: "de vertegenwoordiger", EN: "the representative"},

	"err.transcript.recording": {NL: "Zeg bij welke opname het transcript hoort.", EN: "Say which recording the transcript belongs to."},
	"err.transcript.type":      {NL: "Dit bestand is %s. Kies een tekstbestand, een PDF of ondertitels (WebVTT).", EN: "This file is %s. Choose a text file, a PDF or subtitles (WebVTT)."},
	"err.transcript.not_utf8":  {NL: "Dit is geen leesbare tekst (UTF-8): byte %d hoort niet bij een letter of teken. Sla het bestand op als UTF-8, of kies een PDF.", EN: "This is not readable text (UTF-8): byte %d is not part of a character. Save the file as UTF-8, or choose a PDF."},
	"err.transcript.binary":    {NL: "Dit is geen gewone tekst: er staat een stuurteken (%U) op byte %d.", EN: "This is not plain text: there is a control character (%U) at byte %d."},
	"err.transcript.too_large": {NL: "Het transcript is groter dan de grens van %d bytes.", EN: "The transcript is larger than the limit of %d bytes."},
	"err.transcript.source":    {NL: "%q kan geen transcript maken. Kies organisation of een partij met een link.", EN: "%q cannot make a transcript. Use organisation or a party with a link."},
	"err.transcript.plain":     {NL: "Een transcript heeft geen eigen verklaring over bewerken, verzoek of afspraken.", EN: "A transcript has no edit statement, request or agreements of its own."},
	"err.transcript.not_party": {NL: "U was niet bij het gesprek van deze opname. Alleen wie erbij was, kan er een transcript bij zetten.", EN: "You did not take part in the conversation of this recording. Only those who did can add a transcript to it."},
	"err.transcript.no_file":   {NL: "Kies een bestand.", EN: "Choose a file."},
	"err.not_found.transcript": {NL: "Dit transcript bestaat niet, of u mag het niet zien.", EN: "This transcript does not exist, or you may not see it."},
	"err.share.no_transcript":  {NL: "Dit is geen transcript van een opname van deze cliënt.", EN: "This is not a transcript of a recording of this client."},
	"err.upload.kind":          {NL: "Dit soort bestand kent opname niet. Kies media of transcript.", EN: "This kind of file is not known. Use media or transcript."},
	"field.file":               {NL: "Bestand", EN: "File"},
	"field.media_type":         {NL: "Soort bestand", EN: "Kind of file"},
	"object.transcript":        {NL: "transcript", EN: "transcript"},
	"object.transcripts":       {NL: "lijst van transcripten", EN: "list of transcripts"},
	"seen.object.transcript":   {NL: "een transcript van uw opname", EN: "a transcript of your recording"},
	"seen.object.transcripts":  {NL: "de transcripten van uw opname", EN: "the transcripts of your recording"},
	"share.shown.transcript":   {NL: "een transcript van een opname", EN: "a transcript of a recording"},
}
