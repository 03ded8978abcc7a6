package opname

import (
	"context"
	"encoding/json"
	"time"
)

// Conversation is one conversation between the organisation and a client
// that someone may want to record: when, where, who takes part and what it
// is about. Requests to record (or copy, edit, share) belong to it.
type Conversation struct {
	ID       string    `json:"id"`
	OrgID    string    `json:"-"`
	ClientID string    `json:"client_id"`
	At       time.Time `json:"at"`
	// Location is office, home_visit, public_activity, phone or
	// video_call (the contract's situation locations).
	Location     string        `json:"location"`
	Topic        string        `json:"topic"`
	Participants []Participant `json:"participants"`
	CreatedAt    time.Time     `json:"created_at"`
	CreatedBy    string        `json:"created_by"`
}

// Participant is someone who takes part in a conversation.
type Participant struct {
	// Role is client, staff, parent, child, guardian, representative (who
	// speaks for an adult lacking capacity: a mentor, curator, partner or
	// family member under the WGBO) or other.
	Role string `json:"role"`
	// Name is how the staff member refers to them, such as "moeder" or a
	// colleague's name; it is optional.
	Name string `json:"name,omitempty"`
	Age  *int   `json:"age,omitempty"`
	// Capacity is capable or incapable (an adult lacking capacity, WGBO).
	Capacity string `json:"capacity,omitempty"`
	// UserID is set for a staff member who uses opname.
	UserID string `json:"user_id,omitempty"`
	// Declined is set when a staff member declined to take part while the
	// conversation is recorded (aXiehuis), with the alternative offered.
	Declined *Declined `json:"declined,omitempty"`
}

// Declined is a staff member's refusal to take part in a recorded
// conversation.
type Declined struct {
	Alternative string    `json:"alternative"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

// Request is one wish about a recording of a conversation — to record it,
// or to copy, edit, share or publish a recording — and everything that
// happened to it: the decisions of the organisation's policy, the answers
// of the parties, weighty reasons, a manager's decision and the
// agreements.
type Request struct {
	ID             string `json:"id"`
	OrgID          string `json:"-"`
	ClientID       string `json:"client_id"`
	ConversationID string `json:"conversation_id"`
	// Act holds the situation's own fields (action, medium, by, …) as the
	// contract defines them; participants and answers come from the
	// conversation and the request.
	Act Act `json:"act"`
	// Outcome is the latest decision's outcome.
	Outcome string `json:"outcome"`
	// Decision is the latest decision, as the policy engine made it.
	Decision json.RawMessage `json:"decision"`
	Answers  []Answer        `json:"answers"`
	// Weighty is set when a staff member says no for weighty reasons
	// (Ombudsman rule 1), with the alternative offered.
	Weighty *Weighty `json:"weighty,omitempty"`
	// Alternative is the alternative chosen after a refusal.
	Alternative string           `json:"alternative,omitempty"`
	Manager     *ManagerDecision `json:"manager,omitempty"`
	Agreement   *Agreement       `json:"agreement,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	CreatedBy   string           `json:"created_by"`
	// Version counts the request's changes; an update based on an older
	// version is a Conflict.
	Version int64 `json:"version"`
	// ForManager is set by the workflow when the request waits for a
	// manager's act other than a decision: the organisation's consent
	// under a policy that has a manager give it. The store files it in
	// the managers' inbox, as it does a request waiting for a decision.
	ForManager bool `json:"-"`
}

// Act is what is asked, in the contract's situation terms.
type Act struct {
	Action    string `json:"action"`
	Medium    string `json:"medium"`
	By        string `json:"by"`
	Announced string `json:"announced,omitempty"`
	Covert    bool   `json:"covert,omitempty"`
	Purpose   string `json:"purpose,omitempty"`
	// ByTakesPart is nil for the default (yes).
	ByTakesPart         *bool `json:"by_takes_part,omitempty"`
	MinorInterestAtRisk bool  `json:"minor_interest_at_risk,omitempty"`
	// Recipient is the kind of recipient of a shared or published
	// recording, one of policy.Recipients' codes, or "" for none. Requests stored
	// before recipients were kinds may hold free text, which the policy
	// never sees.
	Recipient    string `json:"recipient,omitempty"`
	EditDeclared bool   `json:"edit_declared,omitempty"`
	// Recorder is the index in the conversation's participants of the one
	// person who asks: who records, edits, shares, publishes or asks for a
	// copy. Nil means the policy takes the first participant whose role
	// fits By, or nobody when By does not take part (a third party asking
	// for a copy, say).
	Recorder *int `json:"recorder,omitempty"`
	// Share is, for a request to share or publish, what is passed on, to
	// whom by name, and why; nil for other actions.
	Share *Share `json:"share,omitempty"`
}

// Share is what a request to share or publish passes on (Ombudsman rule
// 6: nothing is passed on without the other party's consent — consent to
// what, for whom, and why). The recipient's name stays with the request;
// the organisation's log and the policy see only its kind (Act.Recipient).
type Share struct {
	// What is one of ShareObjects: a recording (or a declared edit), a
	// transcript of one, or the agreements or the manager's written
	// decision of a request; ID is the recording's, the transcript's or
	// the request's id.
	What string `json:"what"`
	ID   string `json:"id"`
	// To names the recipient: a person or a body. Required for a share;
	// a publication goes to the public.
	To  string `json:"to,omitempty"`
	Why string `json:"why"`
}

// ShareObjects are what a request may share or publish.
var ShareObjects = []string{"recording", "transcript", "agreements", "manager_decision"}

// Answer is a party's answer to a request: consent given or refused.
type Answer struct {
	// Participant is the index of the participant in the conversation, or
	// -1 for the organisation itself.
	Participant int `json:"participant"`
	// Given is true for yes, false for no.
	Given bool `json:"given"`
	// How is in_person, on_paper or spoken_on_recording.
	How string    `json:"how"`
	At  time.Time `json:"at"`
	// By is who recorded the answer.
	By string `json:"by"`
}

// Answer ways.
var AnswerWays = []string{"in_person", "on_paper", "spoken_on_recording"}

// Weighty is a staff member's no for weighty reasons, with the alternative
// offered (Ombudsman rule 1).
type Weighty struct {
	Reason      string    `json:"reason"`
	Alternative string    `json:"alternative"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

// ManagerDecision is a manager's written decision on a request (Blijf
// Groep's video procedure): the staff member's assessment and the
// colleagues consulted come first, then the manager decides with reasons.
type ManagerDecision struct {
	Assessment  string    `json:"assessment"`
	Consulted   string    `json:"colleagues_consulted"`
	AskedAt     time.Time `json:"asked_at"`
	AskedBy     string    `json:"asked_by"`
	Approved    *bool     `json:"approved,omitempty"`
	Reasons     string    `json:"reasons,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedName string    `json:"decided_by_name,omitempty"`
}

// Agreement is the terms that apply to a recording, recorded in one of the
// forms a policy allows: spoken at the start of the recording, a
// declaration printed and signed, or signed on screen by both parties.
type Agreement struct {
	Terms []string `json:"terms"`
	// Form is spoken, printed or on_screen.
	Form string `json:"form"`
	// Signed is set when both parties signed (printed or on screen);
	// Refused when the client refused to sign.
	Signed   bool      `json:"signed"`
	Refused  bool      `json:"refused"`
	SignedBy []string  `json:"signed_by,omitempty"`
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	// Digest is the SHA-256 of the agreement's canonical text, written to
	// the organisation's log with LogIndex.
	Digest   string `json:"digest"`
	LogIndex int64  `json:"log_index"`
}

// Agreement forms.
var AgreementForms = []string{"spoken", "printed", "on_screen"}

// Conversations keeps conversations and their requests. Whoever may see
// the client may see them; others get NotFound.
type Conversations interface {
	AddConversation(ctx context.Context, c *Conversation) error
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// UpdateParticipants replaces a conversation's participants (a staff
	// member declined, or someone joined, say).
	UpdateParticipants(ctx context.Context, id string, ps []Participant) error
	// ClientConversations lists all of a client's conversations, newest
	// first, for a page that shows them with what each holds.
	ClientConversations(ctx context.Context, clientID string) ([]Conversation, error)
	// ClientConversationsPage lists a page of them: the list of a
	// client's conversations.
	ClientConversationsPage(ctx context.Context, clientID string, p Page) ([]Conversation, string, error)
	// MyConversations lists a page of the conversations with the
	// caller's clients, newest first.
	MyConversations(ctx context.Context, p Page) ([]Conversation, string, error)

	AddRequest(ctx context.Context, r *Request, situation, decision json.RawMessage, policyDigest string) error
	Request(ctx context.Context, id string) (*Request, error)
	ConversationRequests(ctx context.Context, conversationID string) ([]Request, error)
	// RequestsOf lists the requests of a page of conversations by
	// conversation, each oldest first, as one read.
	RequestsOf(ctx context.Context, conversationIDs []string) (map[string][]Request, error)
	// UpdateRequest stores a request's new state and the decision it led
	// to, keeping every earlier decision.
	UpdateRequest(ctx context.Context, r *Request, situation, decision json.RawMessage, policyDigest string) error
	// Inbox lists a page of the organisation's requests waiting for a
	// manager, oldest first.
	Inbox(ctx context.Context, p Page) ([]Request, string, error)
	// RequestDecisions lists every decision a request led to, oldest first.
	RequestDecisions(ctx context.Context, requestID string) ([]StoredDecision, error)
}

// StoredDecision is one decision of the policy on a request, with the
// situation it was made for and the exact policy text's digest.
type StoredDecision struct {
	Seq          int64           `json:"seq"`
	At           time.Time       `json:"at"`
	MadeBy       string          `json:"made_by"`
	Situation    json.RawMessage `json:"situation"`
	Decision     json.RawMessage `json:"decision"`
	PolicyDigest string          `json:"policy_digest"`
}

// Incident is a covert recording discovered, or agreements broken, with
// the steps of the policy's enforcement ladder taken so far.
type Incident struct {
	ID             string `json:"id"`
	OrgID          string `json:"-"`
	ClientID       string `json:"client_id"`
	ConversationID string `json:"conversation_id,omitempty"`
	// Kind is covert_recording or agreements_broken.
	Kind        string `json:"kind"`
	Description string `json:"description"`
	// Medium is what was recorded: audio, or video (photo counts as
	// video); "" is audio.
	Medium string `json:"medium,omitempty"`
	// Recorder is the index in the conversation's participants of who
	// made the recording; nil when someone else did (RecorderOther) or it
	// is not known.
	Recorder *int `json:"recorder,omitempty"`
	// RecorderOther describes who made the recording when that was not a
	// participant of the conversation ("a friend of the client").
	RecorderOther string `json:"recorder_other,omitempty"`
	// Present are the indexes in the conversation's participants of who
	// was present; empty means everyone in the conversation. Who made
	// the recording was present.
	Present []int `json:"present,omitempty"`
	// Ladder is the policy's enforcement steps, in order: ask_to_stop,
	// ask_to_leave, report_to_manager, consider_legal_steps.
	Ladder   []string       `json:"ladder"`
	Steps    []IncidentStep `json:"steps"`
	OpenedAt time.Time      `json:"opened_at"`
	OpenedBy string         `json:"opened_by"`
	Closed   bool           `json:"closed"`
}

// IncidentStep is one step of the ladder taken, by whom and when.
type IncidentStep struct {
	Step string    `json:"step"`
	Note string    `json:"note,omitempty"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
}

// Incident kinds.
var IncidentKinds = []string{"covert_recording", "agreements_broken"}

// Incidents keeps incidents. Whoever may see the client may see them.
type Incidents interface {
	AddIncident(ctx context.Context, i *Incident) error
	Incident(ctx context.Context, id string) (*Incident, error)
	// UpdateIncident stores the incident's steps and whether it is closed.
	UpdateIncident(ctx context.Context, i *Incident) error
	// ClientIncidents lists a page of a client's incidents, newest first.
	ClientIncidents(ctx context.Context, clientID string, p Page) ([]Incident, string, error)
	// OpenIncidents lists a page of the organisation's open incidents
	// (managers), newest first.
	OpenIncidents(ctx context.Context, p Page) ([]Incident, string, error)
}
