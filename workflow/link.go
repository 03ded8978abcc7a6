package workflow

import (
	"context"
	"slices"
	"strings"

	"github.com/opname/opname"
)

// What a person does through their client link (opname.ClientLink): they
// announce that they will record a conversation, answer the questions
// addressed to them, and confirm or refuse agreements. Each is the same
// step as staff take, decided by the same policy, recorded as done by the
// link's holder; the store shows a holder only the conversations their
// party takes part in.

// AnswerByLink is how an answer given through a link is recorded.
const AnswerByLink = "by_link"

// holder is the link holder of ctx; staff and others get Forbidden.
func holder(ctx context.Context) (opname.Actor, error) {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return a, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	if a.Role != opname.RoleLinkHolder {
		return a, opname.Coded(opname.Forbidden, "link.holder_only", "only the person whose link it is does this")
	}
	return a, nil
}

// staffOnly refuses a link holder a step that is the organisation's.
func staffOnly(a opname.Actor) error {
	if a.Role == opname.RoleLinkHolder {
		return opname.Coded(opname.Forbidden, "link.staff_only", "the organisation takes this step")
	}
	return nil
}

// HolderIndex is the index of the link holder a among c's participants.
func HolderIndex(c *opname.Conversation, a opname.Actor) (int, bool) {
	if i, ok := opname.PartyIndex(c, a.Party, a.Name); ok {
		return i, true
	}
	return opname.PartyIndex(c, a.Party, "")
}

// Announce records that the link holder will record the conversation on
// their own phone (medium audio or video), announced in advance, and lets
// the policy decide at once.
func (w *Workflow) Announce(ctx context.Context, conversationID, medium string) (*opname.Request, error) {
	a, err := holder(ctx)
	if err != nil {
		return nil, err
	}
	if medium != "audio" && medium != "video" {
		return nil, invalid("medium", "incident.medium", "%q is not known; use audio or video", medium)
	}
	ctx = opname.ForAct(ctx)
	c, err := w.Store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	i, ok := HolderIndex(c, a)
	if !ok {
		return nil, opname.Coded(opname.NotFound, "not_found.conversation", "conversation not found")
	}
	// Announcing the same again is the request made before.
	rs, err := w.Store.ConversationRequests(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for k := range rs {
		r := &rs[k]
		if r.CreatedBy == a.UserID && r.Act.Action == "record" && r.Act.Medium == medium && r.Act.Recorder != nil && *r.Act.Recorder == i {
			return r, nil
		}
	}
	return w.add(ctx, c, opname.Act{Action: "record", Medium: medium, By: ByOf(c.Participants[i].Role), Announced: "in_advance", Recorder: &i})
}

// HolderShare records that the link holder asks to share a recording of a
// conversation they took part in with a recipient (kind, name, why), or
// to publish it when the recipient is the public: the policy decides it
// as it decides the staff's requests, and asks the other party — the
// organisation — for consent (Ombudsman rule 6).
func (w *Workflow) HolderShare(ctx context.Context, recordingID, recipient, to, why string) (*opname.Request, error) {
	a, err := holder(ctx)
	if err != nil {
		return nil, err
	}
	ctx = opname.ForAct(ctx)
	rec, _, err := w.Store.Recording(ctx, recordingID)
	if err != nil {
		return nil, err
	}
	if rec.ConversationID == "" {
		return nil, opname.Coded(opname.Conflict, "link.share_no_conversation", "this recording belongs to no conversation; ask your contact person")
	}
	c, err := w.Store.Conversation(ctx, rec.ConversationID)
	if err != nil {
		return nil, err
	}
	i, ok := HolderIndex(c, a)
	if !ok {
		return nil, opname.Coded(opname.NotFound, "not_found.recording", "recording not found")
	}
	medium := "audio"
	if strings.HasPrefix(rec.MediaType, "video/") {
		medium = "video"
	}
	// Giving it to the public is making it public: a request to publish,
	// which ends with its answer.
	action := "share"
	if recipient == "public" {
		action = "publish"
	}
	return w.add(ctx, c, opname.Act{Action: action, Medium: medium, By: ByOf(c.Participants[i].Role), Recorder: &i, Recipient: recipient,
		Share: &opname.Share{What: "recording", ID: rec.ID, To: to, Why: why}})
}

// HolderAnswer records the link holder's own answer to a request: consent
// given or refused, given by link.
func (w *Workflow) HolderAnswer(ctx context.Context, requestID string, given bool) (*opname.Request, error) {
	if _, err := holder(ctx); err != nil {
		return nil, err
	}
	return w.update(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		i, ok := HolderIndex(c, a)
		if !ok {
			return opname.Coded(opname.NotFound, "not_found.request", "request not found")
		}
		v, err := ViewOf(c, r, a)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(v.Next.Ask, func(p Party) bool { return p.Participant == i }) && !answered(r, i) {
			return opname.Coded(opname.Conflict, "link.not_asked", "you are not asked about this")
		}
		if last, ok := latestAnswers(r)[i]; ok && last.Given == given && last.How == AnswerByLink {
			return errUnchanged
		}
		r.Answers = append(r.Answers, opname.Answer{Participant: i, Given: given, How: AnswerByLink, At: w.now(), By: a.UserID})
		return nil
	})
}

// answered reports whether participant i answered r before (and may change
// their answer).
func answered(r *opname.Request, i int) bool {
	_, ok := latestAnswers(r)[i]
	return ok
}

// HolderConfirm records that the link holder confirms the agreements of a
// request on their own screen, or refuses them; their digest goes into the
// organisation's log as with agreements signed at the office.
func (w *Workflow) HolderConfirm(ctx context.Context, requestID string, confirmed bool) (*opname.Request, error) {
	if _, err := holder(ctx); err != nil {
		return nil, err
	}
	return w.update(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		if _, ok := HolderIndex(c, a); !ok {
			return opname.Coded(opname.NotFound, "not_found.request", "request not found")
		}
		if !HolderMayConfirm(c, r, a) {
			return opname.Coded(opname.Conflict, "link.not_asked", "you are not asked about this")
		}
		v, err := ViewOf(c, r, a)
		if err != nil {
			return err
		}
		if !v.Next.Agree && r.Agreement == nil {
			return opname.Coded(opname.Conflict, "link.agree_not_now", "there are no agreements to confirm now")
		}
		return w.agree(ctx, c, r, a, "on_screen", confirmed, !confirmed)
	})
}

// HolderMayConfirm reports whether link holder a confirms the agreements
// of r: they are between the organisation and the client, or whoever asks
// (a parent who records, say); another party is asked for consent, not
// for agreements.
func HolderMayConfirm(c *opname.Conversation, r *opname.Request, a opname.Actor) bool {
	i, ok := HolderIndex(c, a)
	if !ok {
		return false
	}
	return a.Party == "client" || r.Act.Recorder != nil && *r.Act.Recorder == i
}

// HolderGivesCopy reports whether link holder a is asked for a copy of
// their own recording by r (Ombudsman rule 4, copies both ways): the
// organisation asks the client for one, and the policy allows it. The
// client then hands it over through the link.
func HolderGivesCopy(c *opname.Conversation, r *opname.Request, a opname.Actor) bool {
	if _, ok := HolderIndex(c, a); !ok || a.Party != "client" {
		return false
	}
	if !AsksClientCopy(r) {
		return false
	}
	ready, _ := Ready(r)
	return ready
}

// AsksClientCopy reports whether r is the organisation asking the client
// for a copy of the client's own recording.
func AsksClientCopy(r *opname.Request) bool {
	return r.Act.Action == "copy" && r.Act.By == "organisation"
}
