package web

import "github.com/opname/opname/policy"

// evidenceMessages are the texts of the evidence bundle of a share: the
// download on the request page, and why a bundle cannot be made.
var evidenceMessages = map[string]policy.Text{
	"evidence.download":                         {NL: "Bewijsmap downloaden (zip)", EN: "Download the evidence bundle (zip)"},
	"evidence.about":                            {NL: "Alles wat gedeeld wordt, met de bewijzen, de beslissingen, de toestemmingen en wie het bekeek. De ontvanger controleert het met opname verify --bag. Het downloaden komt in het toegangslog.", EN: "Everything that is shared, with the receipts, the decisions, the consents and who looked at it. The recipient checks it with opname verify --bag. The download is recorded in the access log."},
	"err.evidence.not_share":                    {NL: "Een bewijsmap is er alleen voor een verzoek om te delen. Dit verzoek is om iets anders.", EN: "An evidence bundle is only made for a request to share. This request is for something else."},
	"err.evidence.not_ready.consent":            {NL: "Dit verzoek om te delen is nog niet klaar: niet iedereen heeft toestemming gegeven. Daarna kunt u de bewijsmap downloaden.", EN: "This request to share is not ready yet: not everyone has given consent. Then you can download the evidence bundle."},
	"err.evidence.not_ready.decision":           {NL: "Dit verzoek om te delen is nog niet klaar: het wacht op een besluit van de manager. Daarna kunt u de bewijsmap downloaden.", EN: "This request to share is not ready yet: it waits for the manager's decision. Then you can download the evidence bundle."},
	"err.evidence.not_ready.signed_declaration": {NL: "Dit verzoek om te delen is nog niet klaar: het wacht op een verklaring die allebei tekenen. Daarna kunt u de bewijsmap downloaden.", EN: "This request to share is not ready yet: it waits for a declaration both sign. Then you can download the evidence bundle."},
	"err.evidence.refused":                      {NL: "Dit verzoek om te delen is niet toegestaan. Er is dus geen bewijsmap.", EN: "This request to share is not allowed. So there is no evidence bundle."},
	"err.evidence.gone":                         {NL: "Wat dit verzoek deelt, is er niet meer. Er kan geen bewijsmap van worden gemaakt.", EN: "What this request shares is no longer there. No evidence bundle can be made of it."},
}
