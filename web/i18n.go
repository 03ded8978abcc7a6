package web

import (
	"net/http"

	"github.com/opname/opname/policy"
)

// messages is the text of the pages, in Dutch (the default) and English.
// Dutch is B1: short sentences, everyday words.
var messages = map[string]policy.Text{
	"app":                    {NL: "opname", EN: "opname"},
	"skip":                   {NL: "Naar de inhoud", EN: "Skip to content"},
	"lang.switch":            {NL: "English", EN: "Nederlands"},
	"lang.switch.code":       {NL: "en", EN: "nl"},
	"nav.home":               {NL: "Start", EN: "Home"},
	"nav.clients":            {NL: "Cliënten", EN: "Clients"},
	"nav.people":             {NL: "Medewerkers", EN: "People"},
	"nav.accesslog":          {NL: "Toegangslog", EN: "Access log"},
	"nav.signout":            {NL: "Afmelden", EN: "Sign out"},
	"signin.title":           {NL: "Aanmelden", EN: "Sign in"},
	"signin.intro":           {NL: "Meld u aan met het e-mailadres en wachtwoord van uw organisatie.", EN: "Sign in with your organisation's e-mail address and password."},
	"signin.org":             {NL: "Organisatie", EN: "Organisation"},
	"signin.org.hint":        {NL: "De korte naam van uw organisatie, bijvoorbeeld demo-blijf-groep.", EN: "Your organisation's short name, for example demo-blijf-groep."},
	"signin.email":           {NL: "E-mailadres", EN: "E-mail address"},
	"signin.password":        {NL: "Wachtwoord", EN: "Password"},
	"signin.submit":          {NL: "Aanmelden", EN: "Sign in"},
	"oidc.title":             {NL: "Aanmelden via uw organisatie", EN: "Sign in through your organisation"},
	"oidc.intro":             {NL: "Gebruikt uw organisatie een eigen inlogsysteem? Vul de korte naam van uw organisatie in.", EN: "Does your organisation have its own sign-in system? Enter your organisation's short name."},
	"oidc.submit":            {NL: "Verder naar uw organisatie", EN: "Continue to your organisation"},
	"oidc.unknown":           {NL: "Deze organisatie heeft geen eigen inlogsysteem in opname.", EN: "This organisation has no sign-in system of its own in opname."},
	"oidc.norole":            {NL: "Uw organisatie heeft u geen rol in opname gegeven. Vraag de beheerder om hulp.", EN: "Your organisation has given you no role in opname. Ask an administrator."},
	"welcome.title":          {NL: "Welkom bij opname", EN: "Welcome to opname"},
	"welcome.intro":          {NL: "Kies een wachtwoord. Daarna bent u aangemeld.", EN: "Choose a password. Then you are signed in."},
	"welcome.code":           {NL: "Code uit uw uitnodiging", EN: "Code from your invitation"},
	"welcome.password":       {NL: "Nieuw wachtwoord", EN: "New password"},
	"welcome.hint":           {NL: "Minstens 12 tekens. Een zin van een paar woorden is makkelijk te onthouden.", EN: "At least 12 characters. A sentence of a few words is easy to remember."},
	"welcome.repeat":         {NL: "Herhaal het wachtwoord", EN: "Repeat the password"},
	"welcome.mismatch":       {NL: "De twee wachtwoorden zijn niet gelijk.", EN: "The two passwords are not the same."},
	"welcome.submit":         {NL: "Wachtwoord opslaan", EN: "Save password"},
	"home.title":             {NL: "Welkom, %s", EN: "Welcome, %s"},
	"home.role":              {NL: "U werkt bij %s als %s.", EN: "You work at %s as %s."},
	"home.policy":            {NL: "Het beleid voor opnamen", EN: "The recording policy"},
	"home.policy.text":       {NL: "Uw organisatie werkt met: %s (versie %d).", EN: "Your organisation works with: %s (version %d)."},
	"role.staff":             {NL: "medewerker", EN: "staff member"},
	"role.manager":           {NL: "manager", EN: "manager"},
	"role.admin":             {NL: "beheerder", EN: "administrator"},
	"role.privacy_officer":   {NL: "privacyfunctionaris", EN: "privacy officer"},
	"role.system":            {NL: "systeem", EN: "system"},
	"action.create":          {NL: "aangemaakt", EN: "created"},
	"action.read":            {NL: "bekeken", EN: "viewed"},
	"action.update":          {NL: "gewijzigd", EN: "changed"},
	"action.delete":          {NL: "verwijderd", EN: "deleted"},
	"action.export":          {NL: "geëxporteerd", EN: "exported"},
	"action.copy":            {NL: "gekopieerd", EN: "copied"},
	"action.print":           {NL: "afgedrukt", EN: "printed"},
	"action.sign_in":         {NL: "aangemeld", EN: "signed in"},
	"action.sign_out":        {NL: "afgemeld", EN: "signed out"},
	"object.client":          {NL: "cliëntgegevens", EN: "client data"},
	"object.assignment":      {NL: "toewijzing medewerker", EN: "staff assignment"},
	"object.access_log":      {NL: "toegangslog", EN: "access log"},
	"object.access_overview": {NL: "overzicht wie keek", EN: "who-looked overview"},
	"object.session":         {NL: "aanmelding", EN: "sign-in"},
	"outcome.success":        {NL: "gelukt", EN: "done"},
	"outcome.failure":        {NL: "mislukt", EN: "failed"},
	"clients.title":          {NL: "Cliënten", EN: "Clients"},
	"clients.none":           {NL: "Er zijn geen cliënten die u mag zien.", EN: "There are no clients you may see."},
	"clients.name":           {NL: "Naam", EN: "Name"},
	"clients.dossier":        {NL: "Dossiernummer", EN: "File number"},
	"clients.new":            {NL: "Nieuwe cliënt", EN: "New client"},
	"clients.contact":        {NL: "Contact (e-mail of telefoon)", EN: "Contact (e-mail or phone)"},
	"clients.add":            {NL: "Cliënt toevoegen", EN: "Add client"},
	"client.staff":           {NL: "Medewerkers bij deze cliënt", EN: "Staff working with this client"},
	"client.assign":          {NL: "Medewerker toevoegen", EN: "Add staff member"},
	"client.overview":        {NL: "Wie heeft de gegevens bekeken?", EN: "Who looked at this data?"},
	"people.title":           {NL: "Medewerkers", EN: "People"},
	"people.role":            {NL: "Rol", EN: "Role"},
	"people.email":           {NL: "E-mailadres", EN: "E-mail address"},
	"people.new":             {NL: "Nieuwe medewerker", EN: "New person"},
	"people.add":             {NL: "Toevoegen", EN: "Add"},
	"people.link":            {NL: "Aanmeldlink maken", EN: "Make sign-in link"},
	"people.link.made":       {NL: "Geef deze aanmeldcode aan %s. Hij werkt één keer en 72 uur lang:", EN: "Give this sign-in code to %s. It works once, for 72 hours:"},
	"log.title":              {NL: "Toegangslog", EN: "Access log"},
	"log.intro":              {NL: "Wie heeft wanneer welke gegevens gezien of gewijzigd. Ook dit bekijken wordt vastgelegd.", EN: "Who saw or changed which data, and when. Viewing this is logged too."},
	"log.time":               {NL: "Tijd (UTC)", EN: "Time (UTC)"},
	"log.who":                {NL: "Wie", EN: "Who"},
	"log.action":             {NL: "Handeling", EN: "Action"},
	"log.object":             {NL: "Wat", EN: "What"},
	"log.client":             {NL: "Cliënt", EN: "Client"},
	"log.outcome":            {NL: "Uitkomst", EN: "Outcome"},
	"log.export":             {NL: "Exporteren (CSV)", EN: "Export (CSV)"},
	"log.filter":             {NL: "Zoeken", EN: "Search"},
	"log.filter.client":      {NL: "Cliëntnummer", EN: "Client id"},
	"log.none":               {NL: "Geen regels gevonden.", EN: "No records found."},
	"totp.title":             {NL: "Tweede stap", EN: "Second step"},
	"totp.intro":             {NL: "Vul de 6 cijfers in die uw app voor inlogcodes nu laat zien.", EN: "Enter the 6 digits your authenticator app shows now."},
	"totp.setup":             {NL: "Uw organisatie vraagt om een tweede stap bij het aanmelden. Scan deze code met een app voor inlogcodes, zoals Microsoft Authenticator of FreeOTP. Vul daarna de 6 cijfers in die de app laat zien.", EN: "Your organisation asks for a second step when you sign in. Scan this code with an authenticator app, such as Microsoft Authenticator or FreeOTP. Then enter the 6 digits the app shows."},
	"totp.qr.alt":            {NL: "QR-code om in uw app te scannen", EN: "QR code to scan in your app"},
	"totp.manual":            {NL: "Scannen lukt niet? Typ deze sleutel over in de app:", EN: "Cannot scan? Type this key into the app:"},
	"totp.code":              {NL: "Code van 6 cijfers", EN: "6-digit code"},
	"totp.submit":            {NL: "Doorgaan", EN: "Continue"},
	"error.title":            {NL: "Er ging iets mis", EN: "Something went wrong"},
	"error.notfound":         {NL: "Deze pagina bestaat niet, of u mag hem niet zien.", EN: "This page does not exist, or you may not see it."},
	"error.internal":         {NL: "Er ging iets mis aan onze kant. Probeer het later opnieuw. Noem bij vragen deze code:", EN: "Something went wrong on our side. Please try again later. If you ask for help, give this code:"},
	"error.back":             {NL: "Terug naar de start", EN: "Back to the start"},
}

// lang is the language of a request: the lang cookie, else Dutch.
func lang(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "nl"
}

// translate returns the message key in lang; an unknown key shows itself,
// and a test checks that every key used in a template exists.
func translate(lang, key string) string {
	if m, ok := messages[key]; ok {
		return m.In(lang)
	}
	return key
}
