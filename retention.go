package opname

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname/policy"
)

// Retention: each kind of record is kept for a period counted from what
// starts its clock (the record's date, or the end of care for the client);
// then it is due for destruction, unless a legal hold keeps it. The
// periods come with the organisation's policy; its administrator may set
// others. A kind without a rule is never due: destruction cannot be undone,
// so nothing goes that no rule sends away.
//
// What destruction means:
//   - a recording (the organisation's, a client's copy, a declared edit) is
//     crypto-erased as by hand: its file key is deleted, the erasure is in
//     the organisation's log and the access log; its transcripts go with it.
//   - a request's agreements lose what names people (who signed, who
//     recorded it); the terms, form, time and the digest with its index in
//     the organisation's log stay, so the log still proves what was agreed.
//   - a request's decisions lose the situations and decisions in full
//     (participants, answers, weighty reasons, a manager's reasons); the
//     outcome, the times and the policy digests stay.
//   - the access log's oldest records are removed up to an anchored head.
//
// Every destruction is a row of the destruction report.

// Kinds of record a retention rule is for (see policy.RetentionKinds).
const (
	RetainRecording  = "recording"
	RetainClientCopy = "client_copy"
	RetainEdit       = "edit"
	RetainAgreements = "agreements"
	RetainDecisions  = "decisions"
	RetainAccessLog  = "access_log"
)

// What starts a retention period's clock.
const (
	ClockRecorded  = "recorded"
	ClockCareEnded = "care_ended"
)

// RetentionRule is how long one kind of record is kept.
type RetentionRule struct {
	Kind   string `json:"kind"`
	Years  int    `json:"years"`
	Months int    `json:"months"`
	Clock  string `json:"clock"`
	// BasisNL and BasisEN are the legal basis, or that the period is the
	// organisation's own choice.
	BasisNL string `json:"basis_nl"`
	BasisEN string `json:"basis_en"`
	// Source is "policy" (the policy's default), "organisation" (set by
	// its administrator) or "" (no rule: the kind is kept until one is
	// set).
	Source    string    `json:"source"`
	ChangedAt time.Time `json:"changed_at,omitzero"`
	ChangedBy string    `json:"changed_by,omitempty"`
}

// Set reports whether the rule sends records away at all.
func (r RetentionRule) Set() bool { return r.Source != "" }

// DueAt is when a record whose clock started at start is due.
func (r RetentionRule) DueAt(start time.Time) time.Time { return start.AddDate(r.Years, r.Months, 0) }

// Check returns an Invalid error naming what is wrong with r.
func (r RetentionRule) Check() error {
	if field, msg := policy.CheckRetention(r.policy()); msg != "" {
		return &Error{Kind: Invalid, Field: field, Code: "retention." + field, Msg: field + ": " + msg}
	}
	if err := Paragraphs.Check("basis_nl", r.BasisNL); err != nil {
		return err
	}
	return Paragraphs.Check("basis_en", r.BasisEN)
}

func (r RetentionRule) policy() policy.Retention {
	return policy.Retention{Kind: r.Kind, Years: r.Years, Months: r.Months, Clock: r.Clock, Basis: policy.Text{NL: r.BasisNL, EN: r.BasisEN}}
}

// PolicyRetention is the rule p gives each kind, Source "" for a kind it
// leaves out.
func PolicyRetention(p *policy.Policy) []RetentionRule {
	rules := make([]RetentionRule, 0, len(policy.RetentionKinds))
	for _, k := range policy.RetentionKinds {
		r := RetentionRule{Kind: k}
		if pr, ok := p.RetentionFor(k); ok {
			r = RetentionRule{Kind: k, Years: pr.Years, Months: pr.Months, Clock: pr.Clock, BasisNL: pr.Basis.NL, BasisEN: pr.Basis.EN, Source: "policy"}
		}
		rules = append(rules, r)
	}
	return rules
}

// RetentionChange is one change of a rule, or of automatic destruction
// (Kind "automatic_destruction"), with the value before and after.
type RetentionChange struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	At            time.Time       `json:"at"`
	ChangedBy     string          `json:"changed_by"`
	ChangedByName string          `json:"changed_by_name"`
	Reason        string          `json:"reason"`
	Old           json.RawMessage `json:"old"`
	New           json.RawMessage `json:"new"`
}

// AutomaticDestruction is the kind of the change that turns automatic
// destruction on or off.
const AutomaticDestruction = "automatic_destruction"

// LegalHold keeps a client's records, or one recording (and its declared
// edits), from destruction until it is released.
type LegalHold struct {
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	// RecordingID is empty for a hold on all of the client's records.
	RecordingID   string     `json:"recording_id,omitempty"`
	Reason        string     `json:"reason"`
	PlacedAt      time.Time  `json:"placed_at"`
	PlacedBy      string     `json:"placed_by"`
	PlacedByName  string     `json:"placed_by_name"`
	ReleasedAt    *time.Time `json:"released_at,omitempty"`
	ReleasedBy    string     `json:"released_by,omitempty"`
	ReleaseReason string     `json:"release_reason,omitempty"`
}

// Holds reports whether h, while it holds, keeps c.
func (h LegalHold) Holds(c RetentionCandidate) bool {
	if h.ReleasedAt != nil || h.ClientID != c.ClientID {
		return false
	}
	return h.RecordingID == "" || h.RecordingID != "" && (h.RecordingID == c.RecordingID || h.RecordingID == c.Original)
}

// RetentionCandidate is a record that retention may send away: a recording
// (ObjectType "recording"), or a request's agreements or decisions
// (ObjectType "request").
type RetentionCandidate struct {
	Kind       string `json:"kind"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	ClientID   string `json:"client_id"`
	// RecordingID is the recording itself, Original the one a declared
	// edit was made from: a hold on either keeps it.
	RecordingID string `json:"-"`
	Original    string `json:"-"`
	// Recorded is the record's date; CareEnded the end of care for the
	// client (zero: care has not ended).
	Recorded  time.Time `json:"recorded"`
	CareEnded time.Time `json:"care_ended,omitzero"`
}

// DueItem is a record whose retention period is over and that no hold
// keeps.
type DueItem struct {
	RetentionCandidate
	// ClientName and DossierRef say whose record it is, for the privacy
	// officer who confirms its destruction.
	ClientName string        `json:"client_name,omitempty"`
	DossierRef string        `json:"dossier_ref,omitempty"`
	Started    time.Time     `json:"started"`
	DueAt      time.Time     `json:"due_at"`
	Rule       RetentionRule `json:"rule"`
}

// Ref names the item for a confirmation: kind and object id.
func (d DueItem) Ref() DueRef { return DueRef{Kind: d.Kind, ObjectID: d.ObjectID} }

// DueRef names one due item to destroy.
type DueRef struct {
	Kind     string `json:"kind"`
	ObjectID string `json:"object_id"`
}

// Due lists the candidates whose period under rules is over at now and
// that no hold keeps, oldest due first. A kind without a rule, and a
// record counted from the end of care for a client whose care has not
// ended, is never due.
func Due(rules []RetentionRule, cs []RetentionCandidate, holds []LegalHold, now time.Time) []DueItem {
	byKind := map[string]RetentionRule{}
	for _, r := range rules {
		if r.Set() {
			byKind[r.Kind] = r
		}
	}
	var due []DueItem
	for _, c := range cs {
		r, ok := byKind[c.Kind]
		if !ok {
			continue
		}
		start := c.Recorded
		if r.Clock == ClockCareEnded {
			start = c.CareEnded
		}
		if start.IsZero() {
			continue
		}
		at := r.DueAt(start)
		if at.After(now) {
			continue
		}
		if slices.ContainsFunc(holds, func(h LegalHold) bool { return h.Holds(c) }) {
			continue
		}
		due = append(due, DueItem{RetentionCandidate: c, Started: start, DueAt: at, Rule: r})
	}
	slices.SortStableFunc(due, func(a, b DueItem) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.ObjectID+a.Kind, b.ObjectID+b.Kind)
	})
	return due
}

// Destruction is one record destroyed under a retention rule: a row of the
// destruction report.
type Destruction struct {
	ID          string        `json:"id"`
	Kind        string        `json:"kind"`
	ObjectType  string        `json:"object_type"`
	ObjectID    string        `json:"object_id"`
	ClientID    string        `json:"client_id"`
	Started     time.Time     `json:"started"`
	DueAt       time.Time     `json:"due_at"`
	Rule        RetentionRule `json:"rule"`
	DestroyedAt time.Time     `json:"destroyed_at"`
	// DestroyedBy is the person who confirmed it, or "system" for
	// automatic destruction; ByName their name.
	DestroyedBy string `json:"destroyed_by"`
	ByName      string `json:"destroyed_by_name"`
}

// RetentionStore keeps retention rules, legal holds and the destruction
// report, and destroys what is due.
type RetentionStore interface {
	// RetentionRules is the rule of every kind, in policy.RetentionKinds'
	// order (administrator, privacy officer, manager).
	RetentionRules(ctx context.Context) ([]RetentionRule, error)
	// SetRetentionRule sets a kind's rule (administrator), logged with
	// the reason.
	SetRetentionRule(ctx context.Context, r RetentionRule, reason string) error
	// RetentionChanges lists every change, newest first (administrator,
	// privacy officer).
	RetentionChanges(ctx context.Context) ([]RetentionChange, error)
	// AutoDestroy says whether what is due is destroyed without
	// confirmation; SetAutoDestroy turns it on or off (administrator).
	AutoDestroy(ctx context.Context) (bool, error)
	SetAutoDestroy(ctx context.Context, on bool, reason string) error
	// SetCareEnded sets (or, with the zero time, clears) the end of care
	// for a client (manager, administrator), logged with the reason.
	SetCareEnded(ctx context.Context, clientID string, at time.Time, reason string) error
	// CareEnded is the end of care for a client the caller may see.
	CareEnded(ctx context.Context, clientID string) (time.Time, error)
	// PlaceHold places a legal hold (manager, privacy officer);
	// ReleaseHold releases one with a reason. Both are logged.
	PlaceHold(ctx context.Context, h *LegalHold) error
	ReleaseHold(ctx context.Context, id, reason string) error
	// Holds lists a client's holds, released ones too, newest first, or
	// (clientID "") every hold that holds (manager, privacy officer,
	// administrator; a client's own to whoever may see the client).
	Holds(ctx context.Context, clientID string) ([]LegalHold, error)
	// DueForDestruction lists what is due now (privacy officer, system).
	DueForDestruction(ctx context.Context) ([]DueItem, error)
	// Destroy destroys the items named that are due now, and no other
	// (privacy officer, system); MUST NOT destroy a held record. It
	// returns what it destroyed and how each recording was sealed, so
	// the caller can remove the encrypted bytes as well.
	Destroy(ctx context.Context, refs []DueRef) ([]Destruction, []Sealed, error)
	// Destructions is the destruction report, newest first (privacy
	// officer); ExportDestructions is the same, logged as an export.
	Destructions(ctx context.Context) ([]Destruction, error)
	ExportDestructions(ctx context.Context, format string) ([]Destruction, error)
}
