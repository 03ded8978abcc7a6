package opname

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A client link is how a person of a conversation who is not staff — the
// client, a parent, a guardian or a representative — reaches opname: a
// personal secret instead of an account. The secret is printed as a QR
// code with the same secret as a code to type, or sent by e-mail; opname
// keeps only its hash. A link is bound to one person of one client,
// expires, and can be stopped by staff and by its holder. An organisation
// can ask for a PIN chosen at first use, so that a photographed link alone
// is not enough.
//
// Whoever opens a link acts as a link holder: an Actor with RoleLinkHolder,
// the client, and the party they are (Party). The store lets a link holder
// see only that client's conversations in which their party takes part,
// and logs every read and act as done by them.

// RoleLinkHolder is the role of a person acting through a client link. It
// is never given to a user.
const RoleLinkHolder Role = "link_holder"

// LinkParties are the people of a conversation who can be given a link:
// the client and those who speak for or with them.
var LinkParties = []string{"client", "parent", "guardian", "representative"}

// LinkCodeLength is the number of characters of a link's code: 26
// Crockford base32 characters carry 130 bits.
const LinkCodeLength = 26

// ClientLink is a personal link of one person of one client.
type ClientLink struct {
	// ID names the link for staff (to stop it, say); it is not the
	// secret.
	ID       string `json:"id"`
	OrgID    string `json:"-"`
	ClientID string `json:"client_id"`
	// Party is who holds it: one of LinkParties.
	Party string `json:"party"`
	// Name is how the staff member refers to the holder ("moeder"); it is
	// optional, and matches a participant's name when the conversation
	// has several people of the same party.
	Name      string     `json:"name,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// PINRequired asks the holder to choose a PIN at first use; PINSet is
	// true once they did.
	PINRequired bool      `json:"pin_required"`
	PINSet      bool      `json:"pin_set"`
	LastUsed    time.Time `json:"last_used,omitzero"`
}

// Usable reports whether the link still opens at now.
func (l *ClientLink) Usable(now time.Time) bool {
	return l.RevokedAt == nil && now.Before(l.ExpiresAt)
}

// ParticipantIn is the index of the link's holder among the participants
// of c: the first of their party (with their name, when the link names
// one), or false when they do not take part.
func (l *ClientLink) ParticipantIn(c *Conversation) (int, bool) {
	return PartyIndex(c, l.Party, l.Name)
}

// PartyIndex is the index of the first participant of c with role party
// (and name, when name is not empty).
func PartyIndex(c *Conversation, party, name string) (int, bool) {
	for i, p := range c.Participants {
		if p.Role == party && (name == "" || strings.EqualFold(strings.TrimSpace(p.Name), strings.TrimSpace(name))) {
			return i, true
		}
	}
	return -1, false
}

// linkIDPrefix starts the id of every link, which is who acted through it.
const linkIDPrefix = "lnk_"

// NewLinkID is a link's id from a random part.
func NewLinkID(random string) string { return linkIDPrefix + random }

// ByLink reports whether who (an actor's id, as stored with what they
// did) is a link's holder.
func ByLink(who string) bool { return strings.HasPrefix(who, linkIDPrefix) }

// LinkHolder is the actor of a request made through link l.
func LinkHolder(l *ClientLink, addr string) Actor {
	return Actor{OrgID: l.OrgID, UserID: l.ID, Name: l.Name, Role: RoleLinkHolder, Via: "link", OnBehalfOf: l.Party, Addr: addr,
		ClientID: l.ClientID, Party: l.Party}
}

// CheckLinkParty checks a link's party.
func CheckLinkParty(party string) error {
	if !slices.Contains(LinkParties, party) {
		return Invalidf("party", "link.party", "%q cannot be given a link; use %s", party, strings.Join(LinkParties, ", "))
	}
	return nil
}

// crockford is the alphabet of link codes: digits and letters without I,
// L, O and U, which people misread.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// LinkCode writes 130 bits of b (at least 17 bytes) as a code of
// LinkCodeLength characters.
func LinkCode(b []byte) string {
	var out strings.Builder
	var acc uint64
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 && out.Len() < LinkCodeLength {
			bits -= 5
			out.WriteByte(crockford[(acc>>bits)&31])
		}
	}
	return out.String()
}

// GroupLinkCode writes a code in groups of five, as it is printed.
func GroupLinkCode(code string) string {
	var parts []string
	for len(code) > 5 {
		parts = append(parts, code[:5])
		code = code[5:]
	}
	return strings.Join(append(parts, code), "-")
}

// NormalLinkCode is a code as typed, made canonical: upper case, without
// spaces and dashes, with I and L read as 1 and O as 0. ok is false when
// it cannot be a code (wrong length or characters); such a code is still
// looked up like any other, so a caller cannot tell.
func NormalLinkCode(typed string) (code string, ok bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch r {
		case ' ', '-', '\t', '\n', '\r', '.':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		b.WriteRune(r)
	}
	code = b.String()
	ok = len(code) == LinkCodeLength
	for _, r := range code {
		if !strings.ContainsRune(crockford, r) {
			ok = false
		}
	}
	if len(code) > 64 {
		code = code[:64]
	}
	return code, ok
}

// Links is the storage of client links.
type Links interface {
	// CreateLink makes a link for a person of a client the caller (staff
	// who may see the client) works with, and returns its code, shown
	// once.
	CreateLink(ctx context.Context, l *ClientLink) (code string, err error)
	// ClientLinks lists a client's links, newest first.
	ClientLinks(ctx context.Context, clientID string) ([]ClientLink, error)
	// RevokeLink stops a link and ends its sessions: staff who may see its
	// client, or its holder.
	RevokeLink(ctx context.Context, id string) error
	// ResetLinkPIN clears a link's PIN (staff), so its holder chooses a
	// new one at the next use.
	ResetLinkPIN(ctx context.Context, id string) error
	// OpenLink turns a code into a session of its link. Every code takes
	// the same steps: an unknown, expired or stopped code and a guess all
	// answer the same NotFound, and failures are throttled per address.
	OpenLink(ctx context.Context, code string) (secret string, s *LinkSession, err error)
	// AuthenticateLink turns a link session's secret into its actor and
	// session; a stopped or expired link ends it.
	AuthenticateLink(ctx context.Context, secret string) (Actor, *LinkSession, error)
	// SetLinkPIN sets the PIN of the session's link at first use.
	SetLinkPIN(ctx context.Context, secret, pin string) error
	// CheckLinkPIN checks the PIN for the session; wrong PINs are
	// throttled per link.
	CheckLinkPIN(ctx context.Context, secret, pin string) error
	// Link returns the caller's own link (a link holder).
	Link(ctx context.Context) (*ClientLink, error)
	// LinkActivity counts what was done through links since a time, for
	// the managers' inbox (manager or admin).
	LinkActivity(ctx context.Context, since time.Time) (LinkActivity, error)
}

// LinkActivity is what people did through their links: recordings they
// announced, and answers and confirmations they gave.
type LinkActivity struct {
	Announced int `json:"announced"`
	Answered  int `json:"answered"`
}

// LinkSession is a browser opened with a link.
type LinkSession struct {
	ID        string // hash of the secret
	LinkID    string
	OrgID     string
	CreatedAt time.Time
	// PINDone is true once the PIN was given, or when none is asked.
	PINDone bool
	// PINNeeded says what the holder must do first: "choose" a PIN,
	// "enter" it, or "" for nothing.
	PINNeeded string
}

// CheckPIN checks a PIN a holder chooses: 5 to 8 digits.
func CheckPIN(pin string) error {
	if len(pin) < 5 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return &Error{Kind: Invalid, Field: "pin", Code: "link.pin", Msg: fmt.Sprintf("pin: use 5 to 8 digits (got %d characters)", len(pin))}
	}
	return nil
}

// LinkMail is the e-mail that brings a person their link: in Dutch, then
// in English. Its subject and text name neither the client nor the
// organisation or its kind of care: someone else may read the mailbox.
func LinkMail(address, expiresNL, expiresEN string) (subject, body string) {
	subject = "Uw persoonlijke link / Your personal link"
	body = fmt.Sprintf(`Hallo,

Hier is uw persoonlijke link:
%[1]s

De link werkt tot %[2]s. Geef hem aan niemand anders. Heeft u dit niet verwacht? Doe dan niets.

--

Hello,

Here is your personal link:
%[1]s

The link works until %[3]s. Do not give it to anyone else. Did you not expect this? Then do nothing.
`, address, expiresNL, expiresEN)
	return subject, body
}
