package web

import "github.com/opname/opname/policy"

// bundlesMessages are the texts of the check of a copy against its
// receipt in the browser (templates/receiptcheck.html,
// assets/receiptcheck.js). The steps are told in the order the check takes
// them: the file, the signature, the log.
var bundlesMessages = map[string]policy.Text{
	"check.heading":   {NL: "Uw kopie hier controleren", EN: "Check your copy here"},
	"check.intro":     {NL: "Kies het bestand dat u wilt controleren, of sleep het naar dit vak. Uw browser controleert het bestand met dit bewijs. Het bestand blijft op uw apparaat: het wordt niet verstuurd.", EN: "Choose the file you want to check, or drag it into this box. Your browser checks the file against this receipt. The file stays on your device: it is not sent anywhere."},
	"check.file":      {NL: "Bestand om te controleren", EN: "File to check"},
	"check.file.help": {NL: "Een groot bestand kan een minuut duren.", EN: "A large file can take a minute."},
	"check.js.busy":   {NL: "Bezig met controleren van {name}: {p}%.", EN: "Checking {name}: {p}%."},
	"check.js.load":   {NL: "Het bewijs of de sleutel van de organisatie kon niet worden opgehaald. Probeer het later opnieuw.", EN: "The receipt or the organisation's key could not be fetched. Try again later."},
	"check.js.match":  {NL: "Het klopt: {name} is precies het bestand van dit bewijs.", EN: "It matches: {name} is exactly the file of this receipt."},
	"check.js.match.log": {NL: "Het staat als regel {n} in het logboek van {size} regels. Het logboek is ondertekend met de sleutel die de organisatie publiceert.",
		EN: "It is entry {n} in the log of {size} entries. The log is signed with the key the organisation publishes."},
	"check.js.mismatch":        {NL: "Het klopt niet: {name} is niet bewezen door dit bewijs.", EN: "It does not match: {name} is not proved by this receipt."},
	"check.js.step.receipt":    {NL: "Het bewijs zelf is niet in orde. Het kon niet worden gelezen.", EN: "The receipt itself is not in order. It could not be read."},
	"check.js.step.key":        {NL: "De gepubliceerde sleutel van de organisatie kon niet worden gelezen.", EN: "The organisation's published key could not be read."},
	"check.js.step.file":       {NL: "Stap 1 van 3, het bestand: dit bestand is anders dan het bestand van het bewijs. Ook als het er hetzelfde uitziet, is er iets veranderd.", EN: "Step 1 of 3, the file: this file differs from the file of the receipt. Even if it looks the same, something was changed."},
	"check.js.step.signature":  {NL: "Stap 2 van 3, de handtekening: het bewijs is niet ondertekend met de gepubliceerde sleutel van de organisatie.", EN: "Step 2 of 3, the signature: the receipt is not signed with the organisation's published key."},
	"check.js.step.checkpoint": {NL: "Stap 2 van 3, de handtekening: de ondertekende stand van het logboek hoort niet bij dit bewijs.", EN: "Step 2 of 3, the signature: the signed state of the log does not belong to this receipt."},
	"check.js.step.proof":      {NL: "Stap 3 van 3, het logboek: het bewijs laat niet zien dat dit bestand in het logboek staat.", EN: "Step 3 of 3, the log: the receipt does not show that this file is in the log."},
}
