package web

import "github.com/opname/opname/policy"

// publicMessages are the texts of an organisation's public page, of the
// administrator's page for its own texts there, and of the links to it.
var publicMessages = map[string]policy.Text{
	// The public page. What the policy says comes from package public.
	"public.intro":        {NL: "Op deze pagina leest u wat er bij %s geldt als u een gesprek wilt opnemen. Alles komt uit ons beleid voor opnames. Bij elke afspraak staat waar die vandaan komt.", EN: "This page tells you what applies at %s if you want to record a conversation. Everything comes from our policy on recordings. Each point says where it comes from."},
	"public.policy.facts": {NL: "Dit is versie %d van ons beleid: %s. Het geldt sinds %s.", EN: "This is version %d of our policy: %s. It applies since %s."},
	"public.contents":     {NL: "Op deze pagina", EN: "On this page"},
	"public.also":         {NL: "Daarbij hoort:", EN: "With this:"},
	"public.source":       {NL: "Bron", EN: "Source"},
	"public.nav":          {NL: "Taal", EN: "Language"},

	"public.complaints":       {NL: "Een klacht indienen", EN: "Making a complaint"},
	"public.complaints.intro": {NL: "Bent u het niet eens met hoe het ging? Praat er eerst over met uw medewerker. Lukt dat niet? Dan kunt u een klacht indienen.", EN: "Do you disagree with how it went? First talk about it with your staff member. Does that not work? Then you can make a complaint."},
	"public.complaints.own":   {NL: "Onze klachtenregeling", EN: "Our complaints procedure"},
	"public.complaints.page":  {NL: "Lees onze klachtenregeling", EN: "Read our complaints procedure"},
	"public.complaints.none":  {NL: "Vraag uw medewerker hoe u bij ons een klacht indient.", EN: "Ask your staff member how to make a complaint to us."},
	"public.ombudsman":        {NL: "De Nationale Ombudsman", EN: "The Nationale Ombudsman"},
	"public.contact":          {NL: "Contact", EN: "Contact"},

	"public.history":           {NL: "Ons beleid door de tijd", EN: "Our policy over time"},
	"public.history.intro":     {NL: "Verandert ons beleid? Dan ziet u hier wanneer, waarom en wat er anders werd. De nieuwste versie staat bovenaan.", EN: "Does our policy change? Then you see here when, why and what became different. The newest version is at the top."},
	"public.history.version":   {NL: "Versie %d, sinds %s", EN: "Version %d, since %s"},
	"public.history.now":       {NL: "(geldt nu)", EN: "(applies now)"},
	"public.history.first":     {NL: "Met deze versie begonnen wij.", EN: "We started with this version."},
	"public.history.why":       {NL: "Waarom het veranderde:", EN: "Why it changed:"},
	"public.history.unknown":   {NL: "Wat er precies veranderde, kunnen wij hier niet laten zien.", EN: "We cannot show here exactly what changed."},
	"public.history.same":      {NL: "De regels bleven hetzelfde.", EN: "The rules stayed the same."},
	"public.history.decisions": {NL: "Wat nu anders uitkomt: %d", EN: "What now turns out differently: %d"},
	"public.history.before":    {NL: "Daarvoor", EN: "Before"},
	"public.history.after":     {NL: "Daarna", EN: "After"},
	"public.history.was":       {NL: "Eerst stond er", EN: "Before it said"},

	"public.check":                {NL: "Een opname controleren", EN: "Checking a recording"},
	"public.check.intro":          {NL: "Bij elke opname die wij bewaren, hoort een bewijs. Dat is een klein bestand. Met het bewijs kan iedereen nagaan dat de opname niet is veranderd. Daarvoor zijn deze gegevens van ons logboek.", EN: "Each recording we keep comes with a receipt. That is a small file. With the receipt anyone can check that the recording was not changed. These details of our log are for that."},
	"public.check.key":            {NL: "Sleutel van ons logboek", EN: "Key of our log"},
	"public.check.fingerprint":    {NL: "Vingerafdruk van de sleutel", EN: "Fingerprint of the key"},
	"public.check.checkpoint":     {NL: "Laatste stand van ons logboek", EN: "Latest state of our log"},
	"public.check.key.file":       {NL: "De sleutel als bestand", EN: "The key as a file"},
	"public.check.state.file":     {NL: "De laatste stand als bestand", EN: "The latest state as a file"},
	"public.check.how":            {NL: "Zo controleert u een opname", EN: "How to check a recording"},
	"public.check.how.intro":      {NL: "Gebruik het programma opname. Zet de opname en het bewijs in één map, en typ daar:", EN: "Use the opname program. Put the recording and the receipt in one folder, and type there:"},
	"public.check.how.result":     {NL: "Het programma zegt ‘klopt’ als de opname dezelfde is als bij het bewijs, en ons logboek het bewijs heeft ondertekend. Het laat de vingerafdruk van de sleutel zien: die moet dezelfde zijn als hierboven. Het programma onthoudt de sleutel, en merkt het als ons logboek later wordt herschreven.", EN: "The program says ‘match’ if the recording is the same as in the receipt, and our log signed the receipt. It shows the fingerprint of the key: it must be the same as above. The program remembers the key, and notices it if our log is rewritten later."},
	"public.check.receipt.file":   {NL: "bewijs.json", EN: "receipt.json"},
	"public.check.recording.file": {NL: "opname.wav", EN: "recording.wav"},

	"public.files":        {NL: "Ons beleid als bestand", EN: "Our policy as a file"},
	"public.files.intro":  {NL: "Voor wie ons beleid wil hergebruiken of vergelijken. De vingerafdruk hoort bij precies deze tekst. Elk besluit onder dit beleid noemt hem.", EN: "For anyone who wants to reuse or compare our policy. The fingerprint belongs to exactly this text. Every decision under this policy names it."},
	"public.files.yaml":   {NL: "De tekst van het beleid (YAML)", EN: "The text of the policy (YAML)"},
	"public.files.json":   {NL: "De regels zoals het systeem ze toepast (JSON)", EN: "The rules as the system applies them (JSON)"},
	"public.files.digest": {NL: "Vingerafdruk van het beleid", EN: "Fingerprint of the policy"},

	"public.printed":        {NL: "Om te printen", EN: "To print"},
	"public.printed.intro":  {NL: "Dezelfde afspraken op papier, als webpagina om te printen of als PDF.", EN: "The same agreements on paper, as a web page to print or as a PDF."},
	"public.printed.folder": {NL: "Folder", EN: "Leaflet"},
	"public.printed.poster": {NL: "Poster", EN: "Poster"},
	"public.printed.card":   {NL: "Zakkaart voor medewerkers", EN: "Pocket card for staff"},
	"public.printed.pdf":    {NL: "%s als PDF", EN: "%s as PDF"},

	"public.embed.full":    {NL: "Open deze pagina in een nieuw venster", EN: "Open this page in a new window"},
	"public.missing.title": {NL: "Deze pagina bestaat niet", EN: "This page does not exist"},
	"public.missing.text":  {NL: "Er is geen organisatie met dit adres. Kijk of het adres goed is, of vraag de organisatie om het goede adres.", EN: "There is no organisation at this address. Check that the address is right, or ask the organisation for the right address."},

	// The administrator's page for the organisation's own texts.
	"texts.title":       {NL: "Openbare pagina", EN: "Public page"},
	"texts.intro":       {NL: "Iedereen kan de openbare pagina van uw organisatie lezen, zonder in te loggen. Daar staat wat uw beleid zegt over het opnemen van gesprekken. Hier schrijft u wat daar nog bij hoort: een inleiding, en hoe men u bereikt. Uw klachtenregeling kiest u bij Cliëntlinks en klachten.", EN: "Anyone can read your organisation's public page, without signing in. It says what your policy says about recording conversations. Here you write what goes with it: an introduction, and how people reach you. You choose your complaints procedure under Client links and complaints."},
	"texts.view":        {NL: "Bekijk de openbare pagina", EN: "View the public page"},
	"texts.embed":       {NL: "Wilt u de pagina op uw eigen website laten zien? Link naar het adres van de pagina, of zet deze versie zonder menu in een iframe:", EN: "Do you want to show the page on your own website? Link to the page's address, or put this version without a menu in an iframe:"},
	"texts.embed.view":  {NL: "Bekijk de versie zonder menu", EN: "View the version without a menu"},
	"texts.intro.title": {NL: "Inleiding", EN: "Introduction"},
	"texts.intro.hint":  {NL: "Dit staat bovenaan de pagina en in de folder. Schrijf korte, gewone zinnen.", EN: "This is at the top of the page and in the leaflet. Write short, everyday sentences."},
	"texts.intro.nl":    {NL: "Inleiding in het Nederlands (mag leeg)", EN: "Introduction in Dutch (may be empty)"},
	"texts.intro.en":    {NL: "Inleiding in het Engels (mag leeg)", EN: "Introduction in English (may be empty)"},
	"texts.contact":     {NL: "Contact", EN: "Contact"},
	"texts.contact.hint": {NL: "Bijvoorbeeld uw telefoonnummer, e-mailadres of bezoekadres. Dit is openbaar: zet er geen namen van medewerkers of cliënten in.",
		EN: "For example your phone number, e-mail address or visiting address. This is public: do not put names of staff or clients in it."},
	"texts.contact.nl": {NL: "Contact in het Nederlands (mag leeg)", EN: "Contact in Dutch (may be empty)"},
	"texts.contact.en": {NL: "Contact in het Engels (mag leeg)", EN: "Contact in English (may be empty)"},
	"texts.save":       {NL: "Teksten bewaren", EN: "Save the texts"},
	"texts.saved":      {NL: "De teksten zijn bewaard.", EN: "The texts are saved."},
	"texts.changed":    {NL: "Laatst gewijzigd op %s.", EN: "Last changed on %s."},
	"texts.none":       {NL: "U heeft nog niets geschreven. De pagina laat dan alleen zien wat uw beleid zegt.", EN: "You have not written anything yet. The page then shows only what your policy says."},

	// A control character is refused before the form's handler, by the
	// form's own field names.
	"field.inleiding_nl":       {NL: "Inleiding in het Nederlands", EN: "Introduction in Dutch"},
	"field.inleiding_en":       {NL: "Inleiding in het Engels", EN: "Introduction in English"},
	"field.contact_nl":         {NL: "Contact in het Nederlands", EN: "Contact in Dutch"},
	"field.contact_en":         {NL: "Contact in het Engels", EN: "Contact in English"},
	"field.intro_nl":           {NL: "Inleiding in het Nederlands", EN: "Introduction in Dutch"},
	"field.intro_en":           {NL: "Inleiding in het Engels", EN: "Introduction in English"},
	"err.public_texts.changed": {NL: "Iemand anders heeft de teksten net gewijzigd. Bekijk ze en stuur uw wijziging opnieuw.", EN: "Someone else just changed the texts. Look at them and send your change again."},
	"object.public_texts":      {NL: "teksten van de openbare pagina", EN: "texts of the public page"},
	"seen.object.public_texts": {NL: "de teksten van de openbare pagina", EN: "the texts of the public page"},
	"nav.public":               {NL: "Openbare pagina", EN: "Public page"},
	"links.public":             {NL: "Schrijf de inleiding en de contactgegevens van uw openbare pagina", EN: "Write the introduction and contact details of your public page"},
	"home.public":              {NL: "Onze openbare pagina", EN: "Our public page"},
	"home.public.text":         {NL: "Hier leest iedereen wat ons beleid zegt over het opnemen van gesprekken: cliënten, hun familie en nieuwe collega's. Er staat ook een folder, een poster en een zakkaart om te printen.", EN: "Here anyone reads what our policy says about recording conversations: clients, their family and new colleagues. There is also a leaflet, a poster and a pocket card to print."},
	"home.public.link":         {NL: "Een gesprek opnemen bij %s", EN: "Recording a conversation at %s"},
	"signin.public":            {NL: "Wat zegt %s over het opnemen van gesprekken?", EN: "What does %s say about recording conversations?"},
}
