package opname

import (
	"context"
	"time"

	"github.com/opname/opname/translog"
)

// A recipient link delivers what a share request allowed (Ombudsman rule
// 6: nothing is passed on without the other party's consent) to the one
// recipient it names: a lawyer, a complaints committee, a court. The link
// is a secret of LinkCodeLength characters (130 bits) that opname keeps
// only as a hash; it expires, allows a number of downloads, can be stopped
// by staff and by the client's side, and may ask for a code sent to the
// recipient separately. Every download is in the access log; giving,
// stopping and expiry are entries in the organisation's tamper-evident
// log, so a shared copy's check also shows that it was shared, when and
// with what kind of recipient (never their name).
//
// Whoever opens a recipient link acts as RoleRecipient: the store lets them
// read the one recording or transcript that was shared, and nothing else
// of the client.

// RoleRecipient is the role of whoever opens a recipient link. It is never
// given to a user.
const RoleRecipient Role = "recipient"

// Recipient links last DefaultRecipientDays unless staff say otherwise (at
// most MaxRecipientDays), and allow DefaultRecipientDownloads downloads (at
// most MaxRecipientDownloads).
const (
	DefaultRecipientDays      = 14
	MaxRecipientDays          = 90
	DefaultRecipientDownloads = 3
	MaxRecipientDownloads     = 20
	// RecipientCodeLength is the length of the code sent separately: 8
	// Crockford base32 characters, 40 bits, with wrong tries stopping the
	// link after RecipientCodeMax.
	RecipientCodeLength = 8
	RecipientCodeMax    = 10
)

// RecipientLink is one delivery of a shared thing to its recipient.
type RecipientLink struct {
	ID        string `json:"id"`
	OrgID     string `json:"-"`
	ClientID  string `json:"client_id"`
	RequestID string `json:"request_id"`
	// What and ObjectID are the request's share: what is delivered.
	What     string `json:"what"`
	ObjectID string `json:"object_id"`
	// Recipient is the kind of recipient (lawyer, court, …) as the
	// request's act has it; To is their name, kept here and never in the
	// tamper-evident log.
	Recipient string    `json:"recipient"`
	To        string    `json:"to"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at"`
	// MaxDownloads downloads are allowed; Downloads were made.
	MaxDownloads int        `json:"max_downloads"`
	Downloads    int        `json:"downloads"`
	CodeRequired bool       `json:"code_required"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	// LogIndex is the share's entry in the organisation's log.
	LogIndex int64 `json:"log_index"`
}

// Usable reports whether the link still delivers at now.
func (l *RecipientLink) Usable(now time.Time) bool { return l.State(now) == "active" }

// State is where the link stands at now: active, revoked, expired or used
// (every download made).
func (l *RecipientLink) State(now time.Time) string {
	switch {
	case l.RevokedAt != nil:
		return "revoked"
	case !now.Before(l.ExpiresAt):
		return "expired"
	case l.Downloads >= l.MaxDownloads:
		return "used"
	}
	return "active"
}

// Deliverable reports whether a share of what goes to its recipient by a
// recipient link: a file — a recording (or a declared edit) or a
// transcript. Agreements and decisions go in an evidence bundle.
func Deliverable(what string) bool { return what == "recording" || what == "transcript" }

// RecipientOptions are what staff choose when they give a recipient link.
type RecipientOptions struct {
	Days         int  `json:"days"`
	MaxDownloads int  `json:"max_downloads"`
	WithCode     bool `json:"with_code"`
}

// Check fills in the defaults and checks the bounds.
func (o *RecipientOptions) Check() error {
	if o.Days == 0 {
		o.Days = DefaultRecipientDays
	}
	if o.MaxDownloads == 0 {
		o.MaxDownloads = DefaultRecipientDownloads
	}
	if o.Days < 1 || o.Days > MaxRecipientDays {
		return Invalidf("days", "recipient.days", "a recipient link lasts 1 to %d days (got %d)", MaxRecipientDays, o.Days)
	}
	if o.MaxDownloads < 1 || o.MaxDownloads > MaxRecipientDownloads {
		return Invalidf("max_downloads", "recipient.downloads", "a recipient link allows 1 to %d downloads (got %d)", MaxRecipientDownloads, o.MaxDownloads)
	}
	return nil
}

// RecipientLinkIDPrefix starts the id of a recipient link, which is how
// its downloads are recorded in the access log.
const RecipientLinkIDPrefix = "rl_"

// Recipient is the actor of a request made through recipient link l: it
// may read l's object, and nothing else. The access log names them as the
// request named them, with their kind of recipient.
func Recipient(l *RecipientLink, addr string) Actor {
	return Actor{OrgID: l.OrgID, UserID: l.ID, Name: l.To, Role: RoleRecipient, Via: "recipient_link", OnBehalfOf: l.Recipient, Addr: addr,
		ClientID: l.ClientID, Object: l.ObjectID}
}

// RecipientCode formats a code as typed: two groups of four.
func RecipientCode(raw []byte) string {
	c := LinkCode(raw)[:RecipientCodeLength]
	return c[:4] + "-" + c[4:]
}

// NormalRecipientCode is the code as stored, from what was typed:
// forgiving of case, spaces, dashes and look-alike characters.
func NormalRecipientCode(typed string) string {
	c, _ := NormalLinkCode(typed)
	return c
}

// RecipientLinks stores recipient links. Every call is scoped to the
// caller's organisation; a recipient's calls to their own link.
type RecipientLinks interface {
	// CreateRecipientLink gives a link for the share request l.RequestID
	// (the workflow decides that it may) and logs the share; it returns
	// the link's secret and, with o.WithCode, the code to send separately.
	CreateRecipientLink(ctx context.Context, l *RecipientLink, o RecipientOptions) (secret, code string, err error)
	// RecipientLinks lists a request's links, newest first.
	RecipientLinks(ctx context.Context, requestID string) ([]RecipientLink, error)
	// RevokeRecipientLink stops a link and logs the end of its share.
	RevokeRecipientLink(ctx context.Context, id string) error
	// OpenRecipientLink finds the usable link of a secret (throttled).
	OpenRecipientLink(ctx context.Context, secret string) (*RecipientLink, error)
	// CheckRecipientCode checks the code of the caller's link.
	CheckRecipientCode(ctx context.Context, code string) error
	// CountDownload counts a download through the caller's link.
	CountDownload(ctx context.Context) error
	// LogBundle enters an evidence bundle of a share request in the
	// organisation's log as a share, before it is sent.
	LogBundle(ctx context.Context, requestID string) error
	// EndRecipientLinks logs the end of every share expired by now.
	EndRecipientLinks(ctx context.Context, now time.Time) (int, error)
	// Shares are the log receipts of a recording's shares and their ends,
	// by the recording's SHA-256, in the public log of slug.
	Shares(ctx context.Context, slug, sha256 string) ([]*translog.Receipt, error)
}
