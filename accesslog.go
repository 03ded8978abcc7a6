package opname

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// AccessAction is what an access event did (NEN 7513).
type AccessAction string

const (
	AccessCreate  AccessAction = "create"
	AccessRead    AccessAction = "read"
	AccessUpdate  AccessAction = "update"
	AccessDelete  AccessAction = "delete"
	AccessExport  AccessAction = "export"
	AccessCopy    AccessAction = "copy"
	AccessPrint   AccessAction = "print"
	AccessSignIn  AccessAction = "sign_in"
	AccessSignOut AccessAction = "sign_out"
)

// AccessEvent is one record of the access log. Each record carries the hash
// of the one before it in its organisation's chain, so that a removed or
// changed record breaks the chain.
type AccessEvent struct {
	ID         string       `json:"id"`
	OrgID      string       `json:"-"`
	Seq        int64        `json:"seq"`
	Time       time.Time    `json:"time"`
	Action     AccessAction `json:"action"`
	Outcome    string       `json:"outcome"` // success, failure
	UserID     string       `json:"user_id"`
	UserName   string       `json:"user_name"`
	UserRole   Role         `json:"user_role"`
	OnBehalfOf string       `json:"on_behalf_of,omitempty"`
	ClientID   string       `json:"client_id,omitempty"`
	// ClientName is the client's name as it is now, looked up when the
	// log is read, for people who know clients by name; it is not part
	// of the record and not in its hash.
	ClientName string `json:"client_name,omitempty"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	SourceAddr string `json:"source_addr,omitempty"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash"`
}

// ChainHash is the hash of an event given the hash of the one before: the
// SHA-256 of the previous hash and the event's fields in a fixed JSON form.
func (e *AccessEvent) ChainHash(prev string) string {
	body, _ := json.Marshal([]any{
		prev, e.ID, e.OrgID, e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.Action, e.Outcome,
		e.UserID, e.UserName, e.UserRole, e.OnBehalfOf, e.ClientID, e.ObjectType, e.ObjectID,
		e.Purpose, e.SourceAddr,
	})
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// AccessFilter selects access events; zero fields select all.
type AccessFilter struct {
	ClientID string
	// Client is a part of a client's name or dossier reference, in any
	// case: the events of every client of the organisation it fits.
	Client string
	UserID string
	Action AccessAction
	Since  time.Time
	Until  time.Time
	Limit  int
}

// AccessLog is the append-only record of who did what with client data.
// There is no method to change or delete a record.
type AccessLog interface {
	// Record appends events for the actor in ctx. It MUST NOT return before
	// the events are durably stored: a caller shows client data only after
	// its access was logged.
	Record(ctx context.Context, events ...AccessEvent) error
	// Search returns events of the caller's organisation, newest first
	// (privacy officer), each with its client's name. The search itself
	// is logged: as a read of each client it names, by id or by name.
	Search(ctx context.Context, f AccessFilter) ([]AccessEvent, error)
	// ClientOverview returns who accessed a client's data: the client's own
	// "who looked at my data". The overview itself is logged.
	ClientOverview(ctx context.Context, clientID string) ([]AccessEvent, error)
	// Verify checks every organisation's chain, and that it still holds
	// every head anchored in the organisation's tamper-evident log, and
	// returns the number of records checked, or an error naming each
	// organisation with a problem and its first broken record. It anchors
	// the head of each intact chain, so the next Verify checks against it.
	Verify(ctx context.Context) (int, error)
}

type actKey struct{}

// ForAct returns a context for reads that are part of an act logged as
// that act: a workflow step reads a request to update it (logged as the
// update), the vault reads a recording to play it back (logged as the
// playback). Every other read of client data through the store is logged
// as a read; this is the one waiver, and it is named at the call.
func ForAct(ctx context.Context) context.Context {
	return context.WithValue(ctx, actKey{}, true)
}

// IsForAct reports whether ctx was made by ForAct.
func IsForAct(ctx context.Context) bool {
	b, _ := ctx.Value(actKey{}).(bool)
	return b
}

type purposeKey struct{}

// WithPurpose returns a context whose reads the store logs with purpose
// (why the data was looked at: "printable", "playback").
func WithPurpose(ctx context.Context, purpose string) context.Context {
	return context.WithValue(ctx, purposeKey{}, purpose)
}

// PurposeFrom returns the purpose in ctx, or "".
func PurposeFrom(ctx context.Context) string {
	s, _ := ctx.Value(purposeKey{}).(string)
	return s
}

// AccessActions are the actions an access event can have.
var AccessActions = []AccessAction{AccessRead, AccessCreate, AccessUpdate, AccessDelete, AccessExport, AccessCopy, AccessPrint, AccessSignIn, AccessSignOut}
