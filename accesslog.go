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
	// Limit is the page size: AccessPageSize when zero, at most
	// AccessPageMax.
	Limit int
	// Cursor is where the page starts: the Next of the page before, or ""
	// for the newest records. It is opaque to callers.
	Cursor string
}

// The size of a page of the access log: the default, and the most one
// page holds.
const (
	AccessPageSize = 100
	AccessPageMax  = 1000
)

// AccessPage is one page of access events, newest first.
type AccessPage struct {
	Events []AccessEvent
	// Next is the cursor of the page after this one; "" when this is
	// the last.
	Next string
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
	// SearchPage is Search with the cursor of the next page. A cursor that
	// is not one of the caller's organisation is Invalid, naming "cursor".
	SearchPage(ctx context.Context, f AccessFilter) (*AccessPage, error)
	// ExportAccess calls each with every event that fits f (its Limit and
	// Cursor aside), newest first, reading them as it goes: memory does not
	// grow with the log. The export is logged before the first event, as
	// an export of each client f names, by id or by name.
	ExportAccess(ctx context.Context, f AccessFilter, each func(AccessEvent) error) error
	// ClientOverview returns who accessed a client's data: the client's own
	// "who looked at my data". The overview itself is logged.
	ClientOverview(ctx context.Context, clientID string) ([]AccessEvent, error)
	// ClientOverviewPage is one page of the overview, newest first, from
	// cursor ("" for the newest), of at most limit events (AccessPageSize
	// when zero). Each page is logged as ClientOverview is.
	ClientOverviewPage(ctx context.Context, clientID, cursor string, limit int) (*AccessPage, error)
	// ClientAccessEach calls each with every event about a client, oldest
	// first, reading them as it goes; it is logged as ClientOverview is.
	ClientAccessEach(ctx context.Context, clientID string, each func(AccessEvent) error) error
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
