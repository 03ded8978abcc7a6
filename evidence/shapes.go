package evidence

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opname/opname"
)

// The JSON files of a bundle: plain records with names a reader without
// opname understands. Times are UTC (RFC 3339).

type conversationFile struct {
	ID           string               `json:"id"`
	At           time.Time            `json:"at"`
	Location     string               `json:"location"`
	Topic        string               `json:"topic,omitempty"`
	Participants []opname.Participant `json:"participants"`
}

func conversationOf(c *opname.Conversation) conversationFile {
	return conversationFile{ID: c.ID, At: c.At.UTC(), Location: c.Location, Topic: c.Topic, Participants: c.Participants}
}

type editFile struct {
	Recording   string `json:"recording_id"`
	DerivedFrom string `json:"derived_from"`
	SHA256      string `json:"sha256"`
	opname.EditStatement
}

func editOf(rec *opname.Recording) editFile {
	e := editFile{Recording: rec.ID, DerivedFrom: rec.DerivedFrom, SHA256: rec.SHA256}
	if rec.Edit != nil {
		e.EditStatement = *rec.Edit
	}
	return e
}

type decisionFile struct {
	Request string `json:"request_id"`
	opname.ManagerDecision
}

func decisionOf(r *opname.Request) decisionFile {
	return decisionFile{Request: r.ID, ManagerDecision: *r.Manager}
}

// requestFile is a request with every decision the policy made on it.
type requestFile struct {
	ID             string                  `json:"id"`
	ConversationID string                  `json:"conversation_id"`
	Act            opname.Act              `json:"act"`
	Outcome        string                  `json:"outcome"`
	CreatedAt      time.Time               `json:"created_at"`
	Decisions      []decisionHistory       `json:"decisions"`
	Weighty        *opname.Weighty         `json:"weighty_reasons,omitempty"`
	Alternative    string                  `json:"alternative,omitempty"`
	Agreement      *opname.Agreement       `json:"agreement,omitempty"`
	Manager        *opname.ManagerDecision `json:"manager,omitempty"`
}

// decisionHistory is one decision: the situation it was made for, the
// decision, and the policy's version and the digest of its exact text.
type decisionHistory struct {
	Seq           int64           `json:"seq"`
	At            time.Time       `json:"at"`
	MadeBy        string          `json:"made_by"`
	Situation     json.RawMessage `json:"situation"`
	Decision      json.RawMessage `json:"decision"`
	PolicyName    string          `json:"policy_name,omitempty"`
	PolicyVersion string          `json:"policy_version,omitempty"`
	PolicyDigest  string          `json:"policy_digest"`
}

func requestOf(r *opname.Request, history []opname.StoredDecision) requestFile {
	f := requestFile{ID: r.ID, ConversationID: r.ConversationID, Act: r.Act, Outcome: r.Outcome, CreatedAt: r.CreatedAt.UTC(),
		Weighty: r.Weighty, Alternative: r.Alternative, Agreement: r.Agreement, Manager: r.Manager, Decisions: []decisionHistory{}}
	for _, d := range history {
		h := decisionHistory{Seq: d.Seq, At: d.At.UTC(), MadeBy: d.MadeBy, Situation: d.Situation, Decision: d.Decision, PolicyDigest: d.PolicyDigest}
		var ref struct {
			Policy struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"policy"`
		}
		if json.Unmarshal(d.Decision, &ref) == nil {
			h.PolicyName, h.PolicyVersion = ref.Policy.Name, ref.Policy.Version
		}
		f.Decisions = append(f.Decisions, h)
	}
	return f
}

// consent is one answer: who gave it (their role and name in the
// conversation, or the organisation), yes or no, when, how, and who
// recorded it.
type consent struct {
	Participant int       `json:"participant"`
	Role        string    `json:"role"`
	Name        string    `json:"name,omitempty"`
	Given       bool      `json:"given"`
	How         string    `json:"how"`
	At          time.Time `json:"at"`
	RecordedBy  string    `json:"recorded_by"`
}

type consentsFile struct {
	Request  string    `json:"request_id"`
	Consents []consent `json:"consents"`
}

func consentsOf(c *opname.Conversation, r *opname.Request) consentsFile {
	f := consentsFile{Request: r.ID, Consents: []consent{}}
	for _, a := range r.Answers {
		k := consent{Participant: a.Participant, Role: "organisation", Given: a.Given, How: a.How, At: a.At.UTC(), RecordedBy: a.By}
		if a.Participant >= 0 && a.Participant < len(c.Participants) {
			p := c.Participants[a.Participant]
			k.Role, k.Name = p.Role, p.Name
		}
		f.Consents = append(f.Consents, k)
	}
	return f
}

// readme is README.txt: what the bundle is and how to check it, in Dutch
// and English.
func readme(org *opname.Organisation, fingerprint string) string {
	keyURL := "/api/v1/logs/" + org.Slug + "/key"
	return fmt.Sprintf(`BEWIJSMAP — %[1]s
================

Deze map is een BagIt-pakket (RFC 8493). Alles staat in data/:
opnames en bewerkte versies (met wat er veranderd is), afspraken, het
besluit van de manager (PDF en JSON), elke beslissing over de verzoeken
(situatie, beslissing, versie en vingerafdruk van het beleid), wie
toestemming gaf (wanneer en hoe), de bewijzen (receipts/) van wat in het
logboek van de organisatie staat, de sleutel en een ondertekende stand van
dat logboek (log/), en wie deze gegevens bekeek (log/access-log.jsonl).
manifest-sha256.txt noemt de SHA-256 van elk bestand in data/.

Zo controleert u de map, zonder opname te vertrouwen:

  opname verify --bag BEWIJSMAP.zip --key SLEUTEL

SLEUTEL is de sleutel van de organisatie. Haal die zelf op bij haar
opname-server (%[2]s), of gebruik --log https://SERVER/api/v1/logs/%[3]s.
De vingerafdruk van de sleutel in deze map is %[4]s; vergelijk die met
wat de organisatie zelf zegt. De sleutel in de map alleen bewijst niets:
wie de map maakte, koos hem. opname verify controleert elke regel van de
manifesten, elk bewijs tegen zijn bestand en de handtekening van de stand
van het logboek, en noemt wat niet klopt.

Uitkomst: 0 klopt; 1 iets klopt niet; 3 alles past bij elkaar, maar niet
bij een sleutel die u vertrouwt.

EVIDENCE BUNDLE — %[1]s
===============

This is a BagIt package (RFC 8493). Everything is in data/: recordings and
declared edits (with what changed), agreements, the manager's written
decision (PDF and JSON), every decision on the requests (situation,
decision, policy version and digest), who gave consent (when and how), the
receipts (receipts/) of what is in the organisation's log, its key and a
signed checkpoint (log/), and who looked at this data
(log/access-log.jsonl). manifest-sha256.txt lists the SHA-256 of every
file in data/.

To check it without trusting opname:

  opname verify --bag BUNDLE.zip --key KEY

KEY is the organisation's verifier key. Get it yourself from its opname
server (%[2]s), or use --log https://SERVER/api/v1/logs/%[3]s. The
fingerprint of the key in this bundle is %[4]s; compare it with what the
organisation itself says. The key in the bundle proves nothing by itself:
whoever made the bundle chose it. opname verify checks every manifest
line, every receipt against its file and the checkpoint's signature, and
names what fails.

Exit code: 0 match; 1 something does not match; 3 everything fits
together, but not with a key you trust.
`, org.Name, keyURL, org.Slug, fingerprint)
}
