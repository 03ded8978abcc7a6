package web

import "github.com/opname/opname/policy"

// namesMessages are the texts that name people and clients: the access
// log's search, the client list, the manager's inbox and the sign-in
// links of new people.
var namesMessages = map[string]policy.Text{
	// The access log's search.
	"log.filter.user":     {NL: "Medewerker", EN: "Staff member"},
	"log.filter.anyone":   {NL: "Iedereen", EN: "Anyone"},
	"log.filter.anything": {NL: "Alle handelingen", EN: "All actions"},
	"log.from":            {NL: "Van", EN: "From"},
	"log.to":              {NL: "Tot en met", EN: "To and including"},
	"log.zone":            {NL: "De datums zijn dagen in de tijdzone van uw organisatie: %s.", EN: "The dates are days in your organisation's time zone: %s."},
	"log.only.client":     {NL: "U ziet alleen de toegangslog van %s.", EN: "You see only the access log of %s."},
	"log.only.one":        {NL: "U ziet alleen de toegangslog van één cliënt.", EN: "You see only the access log of one client."},
	"log.only.all":        {NL: "Alle cliënten", EN: "All clients"},
	"log.client.unknown":  {NL: "onbekende cliënt", EN: "unknown client"},
	"log.err.date":        {NL: "%s: %q is geen datum. Kies een datum.", EN: "%s: %q is not a date. Choose a date."},
	"log.err.order":       {NL: "De dag bij Tot en met ligt vóór de dag bij Van. Kies een latere dag bij Tot en met.", EN: "The day at To and including comes before the day at From. Choose a later day at To and including."},
	"log.err.action":      {NL: "Kies een handeling uit de lijst.", EN: "Choose an action from the list."},
	"log.err.other":       {NL: "%s: %q kan niet. Zoek opnieuw vanaf deze pagina.", EN: "%s: %q is not possible. Search again from this page."},
	// The list of clients.
	"clients.find":          {NL: "Zoek op naam of dossiernummer", EN: "Search by name or file number"},
	"clients.none.found":    {NL: "Geen cliënt gevonden met %q in de naam of het dossiernummer.", EN: "No client found with %q in the name or file number."},
	"clients.privacy.intro": {NL: "U ziet van elke cliënt alleen de naam en het dossiernummer. Kies een cliënt om te zien wie de gegevens van die cliënt heeft bekeken of gewijzigd.", EN: "You see only each client's name and file number. Choose a client to see who viewed or changed that client's data."},

	// The manager's inbox: who asked, for whom, since when.
	"inbox.who":     {NL: "Wie vraagt", EN: "Who asks"},
	"inbox.client":  {NL: "Voor cliënt", EN: "For client"},
	"inbox.what":    {NL: "Wat", EN: "What"},
	"inbox.since":   {NL: "Wacht sinds", EN: "Waiting since"},
	"inbox.waited":  {NL: "%s (%s)", EN: "%s (%s)"},
	"inbox.unknown": {NL: "onbekend", EN: "unknown"},
	"age.now":       {NL: "net", EN: "just now"},
	"age.minute":    {NL: "%d minuut", EN: "%d minute"},
	"age.minutes":   {NL: "%d minuten", EN: "%d minutes"},
	"age.hour":      {NL: "%d uur", EN: "%d hour"},
	"age.hours":     {NL: "%d uur", EN: "%d hours"},
	"age.day":       {NL: "%d dag", EN: "%d day"},
	"age.days":      {NL: "%d dagen", EN: "%d days"},

	// A new person's sign-in link.
	"people.mail.sent":   {NL: "De uitnodiging met deze link is ook per e-mail gestuurd naar %s.", EN: "The invitation with this link was also e-mailed to %s."},
	"people.mail.none":   {NL: "Er is geen e-mail verstuurd: opname heeft geen mailserver. Geef de link zelf door, bijvoorbeeld in een veilig bericht.", EN: "No e-mail was sent: opname has no mail server. Pass the link on yourself, for example in a secure message."},
	"people.mail.failed": {NL: "Het versturen van de uitnodiging per e-mail naar %s is mislukt. Geef de link zelf door.", EN: "E-mailing the invitation to %s failed. Pass the link on yourself."},

	"object.user":     {NL: "gegevens van een medewerker", EN: "a person's details"},
	"object.token":    {NL: "API-sleutel", EN: "API token"},
	"object.password": {NL: "wachtwoord", EN: "password"},
}
