package web

import "github.com/opname/opname/policy"

// printedMessages are the texts of an organisation's printed matter: the
// leaflet, the poster and the pocket card, and how to print them.
var printedMessages = map[string]policy.Text{
	"printed.nav":          {NL: "Drukwerk", EN: "Printed matter"},
	"printed.pdf":          {NL: "Download als PDF", EN: "Download as PDF"},
	"printed.folder":       {NL: "Folder voor cliënten", EN: "Leaflet for clients"},
	"printed.poster":       {NL: "Poster voor de wachtkamer", EN: "Poster for the waiting room"},
	"printed.zakkaart":     {NL: "Zakkaart voor medewerkers", EN: "Pocket card for staff"},
	"printed.print.folder": {NL: "Druk de folder af op A4, aan twee kanten, als boekje. Vouw de vellen dubbel. Dan heeft u een folder op A5.", EN: "Print the leaflet on A4, on both sides, as a booklet. Fold the sheets in two. Then you have an A5 leaflet."},
	"printed.print.poster": {NL: "Druk de poster af op A4 en hang hem op in de wachtkamer.", EN: "Print the poster on A4 and put it up in the waiting room."},
	"printed.print.zakkaart": {NL: "Druk de zakkaart af op A6, aan twee kanten. Of druk af op A4 en knip de kaart uit.",
		EN: "Print the pocket card on A6, on both sides. Or print it on A4 and cut the card out."},
	"printed.policy":            {NL: "Dit volgt uit ons beleid: %s, versie %d. Het geldt sinds %s.", EN: "This follows from our policy: %s, version %d. It applies since %s."},
	"printed.contact":           {NL: "Contact", EN: "Contact"},
	"printed.more":              {NL: "Meer lezen", EN: "Read more"},
	"printed.more.text":         {NL: "Alles over opnemen bij %s, met de bronnen, leest u op deze pagina:", EN: "Everything about recording at %s, with the sources, is on this page:"},
	"printed.poster.scan":       {NL: "Wilt u meer weten? Scan de code met uw telefoon. Of ga naar:", EN: "Want to know more? Scan the code with your phone. Or go to:"},
	"printed.qr.alt":            {NL: "QR-code naar %s", EN: "QR code to %s"},
	"printed.card.speak":        {NL: "Spreek deze afspraken in, aan het begin van de opname:", EN: "Say these agreements onto the recording, at its start:"},
	"printed.card.agreements":   {NL: "Deze afspraken gelden:", EN: "These agreements apply:"},
	"printed.card.alternatives": {NL: "Kan het niet? Bied dit aan:", EN: "Not possible? Offer this:"},
	"printed.list":              {NL: "Drukwerk over opnemen, gemaakt uit dit beleid. Open het om af te drukken, of download de PDF.", EN: "Printed matter about recording, made from this policy. Open it to print, or download the PDF."},
}
