package workflow

import (
	"context"
	"slices"
	"strings"

	"github.com/opname/opname"
)

// checkShare checks what a request to share or publish passes on: one of
// the client's recordings, or the agreements or the manager's written
// decision of one of the client's requests, with whom (a share names the
// recipient) and why. Other actions share nothing.
func (w *Workflow) checkShare(ctx context.Context, c *opname.Conversation, act *opname.Act) error {
	sh := act.Share
	if act.Action != "share" && act.Action != "publish" {
		if sh != nil {
			return invalid("share", "share.not_sharing", "only a request to share or publish says what it shares; leave share out for %s", act.Action)
		}
		return nil
	}
	if sh == nil {
		return invalid("share", "share.missing", "say what is shared (share.what and share.id), with whom and why")
	}
	sh.What, sh.ID, sh.To, sh.Why = strings.TrimSpace(sh.What), strings.TrimSpace(sh.ID), strings.TrimSpace(sh.To), strings.TrimSpace(sh.Why)
	if !slices.Contains(opname.ShareObjects, sh.What) {
		return invalid("share.what", "share.what", "%q is not something to share; use %s", sh.What, strings.Join(opname.ShareObjects, ", "))
	}
	if err := opname.Line.Check("share.to", sh.To); err != nil {
		return err
	}
	if err := opname.Paragraphs.Check("share.why", sh.Why); err != nil {
		return err
	}
	switch {
	case act.Action == "share" && act.Recipient == "public":
		// A recipient link for the public would be opname publishing.
		return invalid("action", "share.public", "giving something to the public is publishing it; use action publish")
	case act.Action == "share" && sh.To == "":
		return invalid("share.to", "share.to", "name who receives it")
	case act.Action == "share" && act.Recipient == "":
		return invalid("recipient", "share.kind", "say what kind of recipient it is")
	case sh.Why == "":
		return invalid("share.why", "share.why", "say why it is shared")
	}
	// Reading what is shared is part of asking to share it.
	switch sh.What {
	case "recording":
		rec, _, err := w.Store.Recording(ctx, sh.ID)
		if err != nil || rec.ClientID != c.ClientID || rec.ErasedAt != nil {
			return invalid("share.id", "share.no_recording", "%q is not a recording of this client", sh.ID)
		}
	case "transcript":
		// A transcript goes under the same rules as its recording
		// (Veilig Thuis: recordings or transcripts).
		t, _, err := w.Store.Transcript(ctx, sh.ID)
		if err != nil || t.ClientID != c.ClientID || t.ErasedAt != nil {
			return invalid("share.id", "share.no_transcript", "%q is not a transcript of a recording of this client", sh.ID)
		}
	default:
		r, err := w.Store.Request(ctx, sh.ID)
		if err != nil || r.ClientID != c.ClientID {
			return invalid("share.id", "share.no_request", "%q is not a request about this client", sh.ID)
		}
		if sh.What == "agreements" && r.Agreement == nil {
			return invalid("share.id", "share.no_agreements", "request %s has no agreements recorded", sh.ID)
		}
		if sh.What == "manager_decision" && (r.Manager == nil || r.Manager.Approved == nil) {
			return invalid("share.id", "share.no_decision", "request %s has no written decision of a manager", sh.ID)
		}
	}
	return nil
}

// Deliver gives the recipient of a share request that is ready — the
// policy allowed it and every consent it asks for was given — a link to
// the shared recording. It returns the link, its secret and (when asked
// for) the code to send separately. A request to publish ends with its
// answer: opname publishes nothing.
func (w *Workflow) Deliver(ctx context.Context, requestID string, o opname.RecipientOptions) (*opname.RecipientLink, string, string, error) {
	r, err := w.Store.Request(opname.ForAct(ctx), requestID)
	if err != nil {
		return nil, "", "", err
	}
	switch {
	case r.Act.Action == "publish":
		return nil, "", "", opname.Coded(opname.Conflict, "recipient.publish", "opname publishes nothing: a request to publish ends with its answer")
	case r.Act.Action != "share" || r.Act.Share == nil:
		return nil, "", "", opname.Coded(opname.Conflict, "recipient.not_share", "only a request to share gets a recipient link")
	case !opname.Deliverable(r.Act.Share.What):
		return nil, "", "", opname.Coded(opname.Conflict, "recipient.what", "a recipient link delivers a recording or a transcript; agreements and decisions go in the evidence bundle")
	}
	if ready, _ := Ready(r); !ready {
		return nil, "", "", opname.Coded(opname.Conflict, "recipient.not_ready", "this share is not allowed (yet): the policy or a consent it asks for is missing")
	}
	l := &opname.RecipientLink{RequestID: r.ID}
	secret, code, err := w.Store.CreateRecipientLink(ctx, l, o)
	if err != nil {
		return nil, "", "", err
	}
	return l, secret, code, nil
}

// CanDeliver reports whether a recipient link may be given for r now: a
// ready request to share a recording or a transcript.
func CanDeliver(r *opname.Request) bool {
	if r.Act.Action != "share" || r.Act.Share == nil || !opname.Deliverable(r.Act.Share.What) {
		return false
	}
	ready, _ := Ready(r)
	return ready
}
