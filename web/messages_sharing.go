package web

import "github.com/opname/opname/policy"

// sharingMessages are the texts of the steps of a share on the staff's
// pages: a transcript offered to share, the organisation's consent that
// only a manager gives, a publication that ends with its answer (giving
// something to the public is one), and weighty reasons, which are against
// recording only.
var sharingMessages = map[string]policy.Text{
	"share.of.transcript":        {NL: "Transcript van de opname van %s: %s", EN: "Transcript of the recording of %s: %s"},
	"share.organisation.manager": {NL: "De toestemming van de organisatie geeft een manager. U kunt die niet zelf geven. Vraag een manager om dit verzoek te bekijken.", EN: "A manager gives the organisation's consent. You cannot give it yourself. Ask a manager to look at this request."},
	"err.weighty.not_record":     {NL: "Zwaarwegende redenen gaan over opnemen. Bij dit verzoek gaat het niet om opnemen.", EN: "Weighty reasons are about recording. This request is not about recording."},
	"err.share.public":           {NL: "Iets aan iedereen geven is het openbaar maken. Kies: een opname openbaar maken.", EN: "Giving something to everyone is making it public. Choose: publish a recording."},
	"recipient.ready.publish":    {NL: "Het antwoord is vastgelegd. opname maakt zelf niets openbaar en geeft hier geen link voor.", EN: "The answer is recorded. opname makes nothing public itself and gives no link for it."},
}
