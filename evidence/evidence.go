// Package evidence makes the evidence bundle of a share: one zip, a BagIt
// 1.0 bag (package bagit), that a complaints committee, a lawyer or a
// court can check without trusting opname. It holds what the share passes
// on, how it came to be allowed, and who saw it:
//
//	data/conversations/ID.json             when, where and who took part
//	data/recordings/ID.EXT                 a recording, decrypted as it was registered
//	data/edits/ID.EXT, ID.statement.json   a declared edit and what it changed, why, who was told
//	data/agreements/REQUEST.txt            the agreements' text, whose SHA-256 is in the log
//	data/decisions/REQUEST.pdf, .json      a manager's written decision
//	data/requests/REQUEST.json             a request's every decision: situation, decision, policy version and digest
//	data/consents/REQUEST.json             each answer: who gave it, yes or no, when and how
//	data/transcripts/                      (transcripts, once opname keeps them)
//	data/receipts/PATH.json                the receipt of the file data/PATH, where the log has one
//	data/log/verifier-key.txt              the organisation's verifier key
//	data/log/checkpoint.txt                a signed checkpoint of its log
//	data/log/access-log.jsonl              the access log's records of these objects
//	README.txt                             how to check it, in Dutch and English
//
// The bundle is for a share request (act share) that is ready: allowed by
// the policy, every consent given. It holds the share request and the
// request the shared thing belongs to (the one a recording was made for,
// or whose agreements or decision are shared), with their conversations —
// nothing else of the client, and nothing of anyone else.
package evidence

import (
	"context"
	"io"
	"mime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/bagit"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/workflow"
)

// Purpose is the purpose of the access-log records of a bundle's export.
const Purpose = "evidence bundle"

// Source is what a bundle is made of. Every method reads as the actor in
// ctx and answers NotFound for what that actor may not see.
type Source interface {
	Organisation(ctx context.Context) (*opname.Organisation, error)
	Client(ctx context.Context, id string) (*opname.Client, error)
	Request(ctx context.Context, id string) (*opname.Request, error)
	Conversation(ctx context.Context, id string) (*opname.Conversation, error)
	RequestDecisions(ctx context.Context, requestID string) ([]opname.StoredDecision, error)
	// Recording reads the shared file: a recording or a transcript.
	Recording(ctx context.Context, id string) (*opname.Recording, error)
	// OpenRecording opens the file's decrypted bytes as a stream. It
	// MUST NOT read them whole into memory.
	OpenRecording(ctx context.Context, id string) (io.ReadCloser, error)
	// Receipt proves the organisation's log entry at index.
	Receipt(ctx context.Context, index int64) (*translog.Receipt, error)
	// Checkpoint is the organisation's latest signed checkpoint and its
	// verifier key.
	Checkpoint(ctx context.Context) (signed, verifierKey string, err error)
	// DecisionPDF writes the manager's written decision on a request as
	// the staff pages print it.
	DecisionPDF(ctx context.Context, r *opname.Request, w io.Writer) error
	// Exported records in the access log that objects of client were
	// exported, for purpose. It MUST NOT return before the records are
	// durable: nothing is written before.
	Exported(ctx context.Context, clientID, purpose string, objects []Object) error
	// AccessLog calls each with every access-log record of the client
	// about any of objects (nil: every record of the client), oldest
	// first, as it reads them: it MUST NOT
	// read the client's log whole into memory.
	AccessLog(ctx context.Context, clientID string, objects []Object, each func(opname.AccessEvent) error) error
}

// Object is one thing of a client in the access log: its type (recording,
// request, conversation) and id.
type Object struct {
	Type, ID string
}

// Options are who makes a bundle, and when.
type Options struct {
	// Now is the time the bundle is made (its Bagging-Date).
	Now time.Time
	// By is the name of who makes it.
	By string
	// Version is opname's version; empty: the build's.
	Version string
}

// Bundle is a bundle ready to be written: everything checked and the
// small parts read; the recording is opened only while writing.
type Bundle struct {
	src    Source
	opts   Options
	org    *opname.Organisation
	client *opname.Client
	share  *opname.Request
	// parts are the share request and the request of what it shares.
	parts   []part
	rec     *opname.Recording // the shared recording, if any
	objects []Object
}

// part is one request in the bundle, with its conversation and which of
// its documents go in.
type part struct {
	r                    *opname.Request
	conv                 *opname.Conversation
	agreements, decision bool
}

// Prepare checks that requestID is a share request that is ready and
// gathers what its bundle holds. A request that is not a share, or not
// ready, is a Conflict that says why; one the caller may not see is
// NotFound. It records nothing: Write does.
func Prepare(ctx context.Context, src Source, requestID string, opts Options) (*Bundle, error) {
	share, err := src.Request(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if share.Act.Action != "share" || share.Act.Share == nil {
		return nil, opname.Coded(opname.Conflict, "evidence.not_share", "request %s is a request to %s, not to share: an evidence bundle is made for a request to share", share.ID, share.Act.Action)
	}
	if ready, waiting := workflow.Ready(share); !ready {
		if len(waiting) == 0 {
			return nil, opname.Coded(opname.Conflict, "evidence.refused", "request %s to share was not allowed (%s): there is nothing to hand over", share.ID, share.Outcome)
		}
		return nil, opname.Coded(opname.Conflict, "evidence.not_ready."+waiting[0], "request %s to share is not ready: it waits for %s", share.ID, strings.Join(waiting, ", "))
	}
	b := &Bundle{src: src, opts: opts, share: share}
	if b.opts.Now.IsZero() {
		b.opts.Now = time.Now()
	}
	if b.opts.Version == "" {
		b.opts.Version = version()
	}
	if b.org, err = src.Organisation(ctx); err != nil {
		return nil, err
	}
	if b.client, err = src.Client(ctx, share.ClientID); err != nil {
		return nil, err
	}
	conv, err := src.Conversation(ctx, share.ConversationID)
	if err != nil {
		return nil, err
	}
	decided := func(r *opname.Request) bool { return r.Manager != nil && r.Manager.Approved != nil }
	b.parts = []part{{r: share, conv: conv, decision: decided(share)}}
	sh := share.Act.Share
	objectRequest := sh.ID
	if opname.Deliverable(sh.What) {
		if b.rec, err = src.Recording(ctx, sh.ID); err != nil {
			return nil, err
		}
		if b.rec.ClientID != share.ClientID {
			return nil, opname.Coded(opname.NotFound, "not_found.recording", "recording %s not found", sh.ID)
		}
		if b.rec.ErasedAt != nil {
			return nil, opname.Coded(opname.Conflict, "recording.erased_on", "recording %s was erased on %s; it can no longer be played or copied", b.rec.ID, b.rec.ErasedAt.Format("2006-01-02"))
		}
		objectRequest = b.rec.RequestID
	}
	// The request of what is shared: how it came to be, what was agreed
	// about it and what a manager decided (for a recording, all of that;
	// else what is shared).
	if objectRequest != "" && objectRequest != share.ID {
		r, err := src.Request(ctx, objectRequest)
		if err != nil {
			return nil, err
		}
		if r.ClientID != share.ClientID {
			return nil, opname.Coded(opname.NotFound, "not_found.request", "request %s not found", r.ID)
		}
		c := conv
		if r.ConversationID != conv.ID {
			if c, err = src.Conversation(ctx, r.ConversationID); err != nil {
				return nil, err
			}
		}
		b.parts = append(b.parts, part{r: r, conv: c})
	}
	obj := &b.parts[len(b.parts)-1]
	switch sh.What {
	case "recording":
		if len(b.parts) > 1 {
			obj.agreements, obj.decision = obj.r.Agreement != nil, decided(obj.r)
		}
	case "agreements":
		obj.agreements = obj.r.Agreement != nil
		if !obj.agreements {
			return nil, opname.Coded(opname.Conflict, "evidence.gone", "what request %s shares (%s of request %s) is not there", share.ID, sh.What, sh.ID)
		}
	case "manager_decision":
		obj.decision = decided(obj.r)
		if !obj.decision {
			return nil, opname.Coded(opname.Conflict, "evidence.gone", "what request %s shares (%s of request %s) is not there", share.ID, sh.What, sh.ID)
		}
	}
	seen := map[Object]bool{}
	for _, p := range b.parts {
		for _, o := range []Object{{"conversation", p.conv.ID}, {"request", p.r.ID}} {
			if !seen[o] {
				seen[o] = true
				b.objects = append(b.objects, o)
			}
		}
	}
	if b.rec != nil {
		b.objects = append(b.objects, Object{objectType(b.rec), b.rec.ID})
	}
	return b, nil
}

// Objects are what the bundle exports.
func (b *Bundle) Objects() []Object { return slices.Clone(b.objects) }

// Write prepares the bundle of share request requestID and writes it to w.
func Write(ctx context.Context, w io.Writer, src Source, requestID string, opts Options) error {
	b, err := Prepare(ctx, src, requestID, opts)
	if err != nil {
		return err
	}
	return b.Write(ctx, w)
}

// Write records the export and then writes the bundle to w as it is made.
// A recording goes from the source's stream into its zip entry through
// bagit's fixed copy buffer (io.CopyBuffer), hashed on the way, so the
// memory a bundle takes does not grow with its recordings. An error after
// the first byte leaves w with a broken zip, which verification rejects.
func (b *Bundle) Write(ctx context.Context, w io.Writer) error {
	sh := b.share.Act.Share
	// The share request is one of the objects; the purpose is a word the
	// client's overview can say in their language.
	purpose := Purpose
	if err := b.src.Exported(ctx, b.client.ID, purpose, b.objects); err != nil {
		return err
	}
	bag, err := bagit.NewWriter(w, b.opts.Now)
	if err != nil {
		return err
	}
	bw := &bagWriter{ctx: ctx, bag: bag, src: b.src}
	for i, p := range b.parts {
		if i == 0 || p.conv.ID != b.parts[0].conv.ID {
			if err := bw.addJSON("conversations/"+p.conv.ID+".json", conversationOf(p.conv)); err != nil {
				return err
			}
		}
	}
	if b.rec != nil {
		if _, err := bw.recording(b.rec); err != nil {
			return err
		}
	}
	for _, p := range b.parts {
		if err := bw.part(p); err != nil {
			return err
		}
	}
	// Transcripts go in data/transcripts/, with their receipts, once
	// opname keeps them.
	key, err := bw.log(b.client.ID, b.objects)
	if err != nil {
		return err
	}
	if err := bag.AddTag("README.txt", strings.NewReader(readme(b.org, translog.Fingerprint(key)))); err != nil {
		return err
	}
	return bag.Close([]bagit.Field{
		{Label: "Source-Organization", Value: b.org.Name},
		{Label: "External-Identifier", Value: b.client.DossierRef},
		{Label: "External-Description", Value: "Evidence of a share by " + b.org.Name + ": " + sh.What + " " + sh.ID + " / Bewijsmap van een deelverzoek"},
		{Label: "Share-Request", Value: b.share.ID},
		{Label: "Recipient-Kind", Value: b.share.Act.Recipient},
		{Label: "Recipient", Value: sh.To},
		{Label: "Purpose", Value: oneLine(sh.Why)},
		{Label: "Made-By", Value: b.opts.By},
		{Label: "Made-At", Value: b.opts.Now.UTC().Format(time.RFC3339)},
		{Label: "Opname-Version", Value: b.opts.Version},
		{Label: "Log-Origin", Value: logOrigin(key)},
	})
}

// extension is a file name extension for a media type: ".webm" for
// audio/webm, "" when there is none to give.
func extension(mediaType string) string {
	t, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return ""
	}
	_, sub, ok := strings.Cut(t, "/")
	sub = strings.TrimPrefix(sub, "x-")
	if !ok || sub == "" || strings.ContainsAny(sub, "/\\. +") {
		return ""
	}
	return "." + sub
}

// objectType is how the access log names a shared file.
func objectType(rec *opname.Recording) string {
	if rec.Kind == opname.KindTranscript {
		return "transcript"
	}
	return "recording"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// logOrigin is the log a verifier key is of.
func logOrigin(key string) string {
	k, err := translog.ParseVerifierKey(key)
	if err != nil {
		return ""
	}
	return k.Origin
}

// version is the build's module version.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
