package evidence

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/bagit"
	"github.com/opname/opname/translog"
)

// ClientData is the client's own download under the AVG (article 15):
// everything opname holds about the client that its maker may see, as a
// bag of the same shape as an evidence bundle, checked the same way
// (`opname verify --bag`):
//
//	data/client.json                       the client as opname knows them
//	data/conversations/ID.json             each conversation
//	data/requests/, consents/, agreements/, decisions/   as in a bundle, for every request
//	data/recordings/, edits/, transcripts/ each file that is not erased, decrypted
//	data/files.json                        every recording and transcript: what, when, its receipt, or when it was erased
//	data/shares.json                       what was shared, and with whom
//	data/data-requests.json                the client's requests to correct or erase data
//	data/receipts/PATH.json                the receipt of the file data/PATH
//	data/log/                              the organisation's key, a signed checkpoint, and who looked (access-log.jsonl)
//
// An erased recording is listed in files.json and never opened. A link
// holder who is not the client (a parent, a representative) gets what
// their link shows: the conversations they take part in and what belongs
// to them, and the access log's records of those.

// ClientSource is what a client's download is made of: a bundle's Source
// and the client's lists, each read as the actor in ctx.
type ClientSource interface {
	Source
	ClientConversations(ctx context.Context, clientID string) ([]opname.Conversation, error)
	ConversationRequests(ctx context.Context, conversationID string) ([]opname.Request, error)
	// ClientRecordings lists the client's recordings, erased ones too.
	ClientRecordings(ctx context.Context, clientID string) ([]opname.Recording, error)
	Transcripts(ctx context.Context, recordingID string) ([]opname.Recording, error)
	RecipientLinks(ctx context.Context, requestID string) ([]opname.RecipientLink, error)
	DataRequests(ctx context.Context, clientID string) ([]opname.DataRequest, error)
	// ExportedClient records the download in the access log. It MUST
	// NOT return before the record is durable: nothing is written before.
	ExportedClient(ctx context.Context, clientID string) error
}

// ClientOptions are who makes a client's download, and when.
type ClientOptions struct {
	Options
	// WholeLog gives every access-log record of the client, not only
	// those about what the download holds: for the client and staff, not
	// for a parent's or representative's link.
	WholeLog bool
}

// ClientBundle is a client's download, ready to be written.
type ClientBundle struct {
	src    ClientSource
	opts   ClientOptions
	org    *opname.Organisation
	client *opname.Client
	convs  []opname.Conversation
	parts  []part
	recs   []opname.Recording
	shares []shareFile
	asks   []opname.DataRequest
	// objects are what the download holds, for the access log's extract.
	objects []Object
}

// fileEntry is one recording or transcript in files.json.
type fileEntry struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	ConversationID string     `json:"conversation_id,omitempty"`
	RequestID      string     `json:"request_id,omitempty"`
	DerivedFrom    string     `json:"derived_from,omitempty"`
	Source         string     `json:"source"`
	MediaType      string     `json:"media_type"`
	Size           int64      `json:"size"`
	SHA256         string     `json:"sha256"`
	CreatedAt      time.Time  `json:"created_at"`
	LogIndex       int64      `json:"log_index"`
	File           string     `json:"file,omitempty"`
	Receipt        string     `json:"receipt,omitempty"`
	ErasedAt       *time.Time `json:"erased_at,omitempty"`
}

// shareFile is a request to share, with where it went.
type shareFile struct {
	Request   string                 `json:"request_id"`
	What      string                 `json:"what"`
	ObjectID  string                 `json:"object_id"`
	Recipient string                 `json:"recipient_kind"`
	To        string                 `json:"to"`
	Why       string                 `json:"why,omitempty"`
	Outcome   string                 `json:"outcome"`
	Links     []opname.RecipientLink `json:"links"`
}

type clientFile struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	DossierRef string    `json:"dossier_ref,omitempty"`
	Contact    string    `json:"contact,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// PrepareClient gathers what the download of clientID holds, as the actor
// in ctx may see it; a client they may not see is NotFound. It records
// nothing: Write does.
func PrepareClient(ctx context.Context, src ClientSource, clientID string, opts ClientOptions) (*ClientBundle, error) {
	b := &ClientBundle{src: src, opts: opts}
	if b.opts.Now.IsZero() {
		b.opts.Now = time.Now()
	}
	if b.opts.Version == "" {
		b.opts.Version = version()
	}
	var err error
	if b.client, err = src.Client(ctx, clientID); err != nil {
		return nil, err
	}
	if b.org, err = src.Organisation(ctx); err != nil {
		return nil, err
	}
	b.objects = append(b.objects, Object{"client", clientID})
	if b.convs, err = src.ClientConversations(ctx, clientID); err != nil {
		return nil, err
	}
	for i := range b.convs {
		c := &b.convs[i]
		b.objects = append(b.objects, Object{"conversation", c.ID})
		rs, err := src.ConversationRequests(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for k := range rs {
			r := &rs[k]
			b.objects = append(b.objects, Object{"request", r.ID})
			b.parts = append(b.parts, part{r: r, conv: c, agreements: r.Agreement != nil, decision: r.Manager != nil && r.Manager.Approved != nil})
			if r.Act.Action != "share" && r.Act.Action != "publish" || r.Act.Share == nil {
				continue
			}
			links, err := src.RecipientLinks(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			b.shares = append(b.shares, shareFile{Request: r.ID, What: r.Act.Share.What, ObjectID: r.Act.Share.ID, Recipient: r.Act.Recipient,
				To: r.Act.Share.To, Why: r.Act.Share.Why, Outcome: r.Outcome, Links: links})
		}
	}
	recs, err := src.ClientRecordings(ctx, clientID)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		b.recs = append(b.recs, rec)
		b.objects = append(b.objects, Object{"recording", rec.ID})
		ts, err := src.Transcripts(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			b.recs = append(b.recs, t)
			b.objects = append(b.objects, Object{"transcript", t.ID})
		}
	}
	if b.asks, err = src.DataRequests(ctx, clientID); err != nil {
		return nil, err
	}
	for _, a := range b.asks {
		b.objects = append(b.objects, Object{opname.ObjectDataRequest, a.ID})
	}
	return b, nil
}

// Write records the download and then writes it to w as it is made; the
// recordings stream through (see Bundle.Write).
func (b *ClientBundle) Write(ctx context.Context, w io.Writer) error {
	if err := b.src.ExportedClient(ctx, b.client.ID); err != nil {
		return err
	}
	bag, err := bagit.NewWriter(w, b.opts.Now)
	if err != nil {
		return err
	}
	bw := &bagWriter{ctx: ctx, bag: bag, src: b.src}
	c := b.client
	if err := bw.addJSON("client.json", clientFile{ID: c.ID, Name: c.Name, DossierRef: c.DossierRef, Contact: c.Contact, CreatedAt: c.CreatedAt.UTC()}); err != nil {
		return err
	}
	for i := range b.convs {
		if err := bw.addJSON("conversations/"+b.convs[i].ID+".json", conversationOf(&b.convs[i])); err != nil {
			return err
		}
	}
	for _, p := range b.parts {
		if err := bw.part(p); err != nil {
			return err
		}
	}
	files := []fileEntry{}
	for i := range b.recs {
		rec := &b.recs[i]
		f := fileEntry{ID: rec.ID, Kind: objectType(rec), ConversationID: rec.ConversationID, RequestID: rec.RequestID, DerivedFrom: rec.DerivedFrom, Source: rec.Source,
			MediaType: rec.MediaType, Size: rec.Size, SHA256: rec.SHA256, CreatedAt: rec.CreatedAt.UTC(), LogIndex: rec.LogIndex}
		if rec.ErasedAt != nil {
			// Erased: its key is gone; it is listed, never opened.
			t := rec.ErasedAt.UTC()
			f.ErasedAt = &t
		} else {
			name, err := bw.recording(rec)
			if err != nil {
				return err
			}
			f.File, f.Receipt = "data/"+name, "data/"+receiptOf(name)
		}
		files = append(files, f)
	}
	if err := bw.addJSON("files.json", files); err != nil {
		return err
	}
	if b.shares == nil {
		b.shares = []shareFile{}
	}
	if err := bw.addJSON("shares.json", b.shares); err != nil {
		return err
	}
	if err := bw.addJSON("data-requests.json", b.asks); err != nil {
		return err
	}
	objects := b.objects
	if b.opts.WholeLog {
		objects = nil
	}
	key, err := bw.log(c.ID, objects)
	if err != nil {
		return err
	}
	if err := bag.AddTag("README.txt", strings.NewReader(clientReadme(b.org, translog.Fingerprint(key)))); err != nil {
		return err
	}
	return bag.Close([]bagit.Field{
		{Label: "Source-Organization", Value: b.org.Name},
		{Label: "External-Identifier", Value: c.DossierRef},
		{Label: "External-Description", Value: "Everything " + b.org.Name + " holds about a client (GDPR article 15) / Alles wat " + b.org.Name + " over u bewaart (AVG artikel 15)"},
		{Label: "Made-By", Value: b.opts.By},
		{Label: "Made-At", Value: b.opts.Now.UTC().Format(time.RFC3339)},
		{Label: "Opname-Version", Value: b.opts.Version},
		{Label: "Log-Origin", Value: logOrigin(key)},
	})
}

// clientReadme is README.txt of a client's download, in Dutch and English.
func clientReadme(org *opname.Organisation, fingerprint string) string {
	return fmt.Sprintf(`UW GEGEVENS — %[1]s
===========

In deze map staat alles wat %[1]s in opname over u bewaart (AVG, artikel
15). Alles staat in data/:

  client.json          uw gegevens
  conversations/       de gesprekken
  requests/            de verzoeken en wat het beleid erover besliste,
                       met de regels waarop het besluit steunt
  consents/            wie toestemming gaf of weigerde, wanneer en hoe
  agreements/          de afspraken
  decisions/           besluiten van een manager
  recordings/          de opnames zelf (en edits/: bewerkte versies)
  transcripts/         uitgeschreven teksten van opnames
  files.json           alle opnames en teksten; een gewiste opname staat
                       hier met de datum waarop zij gewist is
  shares.json          wat gedeeld is, en met wie
  data-requests.json   uw verzoeken om gegevens te wissen of te verbeteren
  receipts/            bewijzen dat een bestand niet veranderd is
  log/access-log.jsonl wie uw gegevens bekeek

Zo controleert u de bewijzen, zonder opname te vertrouwen:

  opname verify --bag MAP.zip --log https://SERVER/api/v1/logs/%[2]s

De vingerafdruk van de sleutel van de organisatie is %[3]s.

YOUR DATA — %[1]s
=========

This folder holds everything %[1]s keeps about you in opname (GDPR,
article 15). Everything is in data/: you (client.json), the
conversations, the requests and what the policy decided on them with the
rules it rests on (requests/), who consented (consents/), agreements,
managers' decisions, the recordings themselves, transcripts, every
recording and transcript including erased ones (files.json: an erased
recording is listed with the date it was erased), what was shared and
with whom (shares.json), your requests to erase or correct data
(data-requests.json), receipts, and who looked at your data
(log/access-log.jsonl).

To check the receipts without trusting opname:

  opname verify --bag FOLDER.zip --log https://SERVER/api/v1/logs/%[2]s

The fingerprint of the organisation's key is %[3]s.
`, org.Name, org.Slug, fingerprint)
}
