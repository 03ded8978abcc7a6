package opname

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname/policy"
)

// Organisation is a tenant: a care or government organisation with its own
// recording policy, people and clients.
type Organisation struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	// Policy is the organisation's current policy version.
	Policy PolicyVersion `json:"policy"`
	// RequireTOTP makes a second factor compulsory for local sign-in
	// (NEN 7510 asks it of care organisations).
	RequireTOTP bool `json:"require_totp"`
	// TimeZone is where the organisation's people read times: an IANA
	// name such as "Europe/Amsterdam". Times are stored in UTC.
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
}

// DefaultTimeZone is the time zone of an organisation that chose none.
const DefaultTimeZone = "Europe/Amsterdam"

// LoadTimeZone returns the time zone named name (an IANA name such as
// "Europe/Amsterdam"), or an Invalid error that names field and the value.
func LoadTimeZone(field, name string) (*time.Location, error) {
	// LoadLocation also takes "" (UTC) and "Local" (the server's zone):
	// neither says where the organisation is.
	loc, err := time.LoadLocation(name)
	if name == "" || name == "Local" || len(name) > 64 || err != nil {
		return nil, Invalidf(field, "time_zone.unknown", "%q is not a time zone; give an IANA name such as %q", name, DefaultTimeZone)
	}
	return loc, nil
}

// Location is the organisation's time zone. A zone this machine does not
// know (none is stored without being checked) gives UTC, which every shown
// time names, so a time is never shown in a zone it does not say.
func (o *Organisation) Location() *time.Location {
	name := o.TimeZone
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// PolicyVersion is one version of an organisation's policy. A change of
// policy adds a version; earlier versions are kept, so every decision can
// name the exact text it was made under.
type PolicyVersion struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Digest  string `json:"digest"`
	// Shipped names the shipped policy the text is, or is empty for the
	// organisation's own text.
	Shipped   string    `json:"shipped,omitempty"`
	Text      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// Previous is the digest of the version this one replaced (empty for
	// an organisation's first).
	Previous string `json:"previous_digest,omitempty"`
	// Reason is why the policy was changed; ChangedBy and ChangedByName
	// are who changed it (empty for the first version, and for a reader
	// who may not look up colleagues).
	Reason        string `json:"reason,omitempty"`
	ChangedBy     string `json:"changed_by,omitempty"`
	ChangedByName string `json:"changed_by_name,omitempty"`
}

// Role is what a person may do in their organisation.
type Role string

const (
	RoleStaff          Role = "staff"
	RoleManager        Role = "manager"
	RoleAdmin          Role = "admin"
	RolePrivacyOfficer Role = "privacy_officer"
	// RoleSystem is the command line and the server itself, acting for no
	// person: it is never given to a user.
	RoleSystem Role = "system"
)

// Roles are the roles a person can have.
var Roles = []Role{RoleStaff, RoleManager, RoleAdmin, RolePrivacyOfficer}

// Valid reports whether r is a role a person can have.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// User is a person working for an organisation.
type User struct {
	ID       string `json:"id"`
	OrgID    string `json:"-"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled"`
	TOTP     bool   `json:"totp_enabled"`
	// HasPassword is false until the person chose a password.
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
}

// Client is a person an organisation works with, with as little personal
// data as the work needs.
type Client struct {
	ID    string `json:"id"`
	OrgID string `json:"-"`
	Name  string `json:"name"`
	// DossierRef is the organisation's own reference for the client's file.
	DossierRef string `json:"dossier_ref"`
	// Contact is how links reach the client (an e-mail address or phone).
	Contact   string    `json:"contact"`
	CreatedAt time.Time `json:"created_at"`
	// Staff are the ids of the staff members assigned to the client.
	Staff []string `json:"staff"`
}

// Organisations keeps organisations and their policies.
type Organisations interface {
	// CreateOrganisation stores a new organisation with its first policy
	// version. Only the system actor may do this. A slug in use is Conflict.
	CreateOrganisation(ctx context.Context, org *Organisation) error
	// Organisation returns the caller's own organisation.
	Organisation(ctx context.Context) (*Organisation, error)
	// OrganisationBySlug finds an organisation for sign-in; it returns
	// NotFound for an unknown slug and needs no actor.
	OrganisationBySlug(ctx context.Context, slug string) (*Organisation, error)
	// SetPolicy adds a policy version to the caller's organisation (admin),
	// with pv.Reason (required: Invalid without one) and the caller as who
	// changed it. A change is confirmed against what the person saw:
	// when pv.Previous is given and is not the current version's digest,
	// the policy changed meanwhile and SetPolicy MUST refuse (Conflict)
	// and change nothing. When pv.Digest is the current version's already,
	// nothing changes and pv is set to the current version: making a
	// change twice makes it once.
	SetPolicy(ctx context.Context, pv *PolicyVersion) error
	// SetTimeZone sets the time zone the caller's organisation's times are
	// shown in (admin); a name LoadTimeZone refuses is Invalid.
	SetTimeZone(ctx context.Context, name string) error
	// PolicyVersions lists the caller's organisation's policy versions,
	// newest first.
	PolicyVersions(ctx context.Context) ([]PolicyVersion, error)
}

// Users keeps the people of the caller's organisation.
type Users interface {
	// CreateUser adds a person (admin or system). An e-mail address in use
	// in the organisation is Conflict.
	CreateUser(ctx context.Context, u *User) error
	// User returns a person of the caller's organisation, or NotFound.
	User(ctx context.Context, id string) (*User, error)
	// Users lists all the people of the caller's organisation (admin,
	// manager, privacy officer), to choose one from.
	Users(ctx context.Context) ([]User, error)
	// ListUsers lists a page of them, by name: the list of people.
	ListUsers(ctx context.Context, p Page) ([]User, string, error)
}

// Clients keeps clients and who works with them. Staff see only the clients
// they are assigned to; a client they may not see is NotFound, exactly like
// one that does not exist. Every call that touches client data writes the
// access log before it returns.
type Clients interface {
	CreateClient(ctx context.Context, c *Client) error
	Client(ctx context.Context, id string) (*Client, error)
	// Clients lists the first page of the clients the caller may see:
	// FindClients with no text.
	Clients(ctx context.Context) ([]Client, error)
	// FindClients lists a page of the clients the caller may see whose
	// name or dossier reference holds text, in any case (all of them for
	// an empty text), by name, as one logged read that names the search
	// and no client. A privacy officer, who never sees a client's data,
	// finds every client of the organisation by name and dossier
	// reference only: to search the access log for them.
	FindClients(ctx context.Context, text string, p Page) ([]Client, string, error)
	// Assign lets a staff member work with a client (manager or admin).
	Assign(ctx context.Context, clientID, userID string) error
}

// PolicyFindings is the error of a policy text with findings: it lists
// them all, and carries them (as a *policy.Error) for a page to show each.
func PolicyFindings(findings []policy.Finding) *Error {
	lines := make([]string, len(findings))
	for i, f := range findings {
		lines[i] = f.String()
	}
	e := Invalidf("policy", "policy.findings", "the policy check found %d problems: %s", len(findings), strings.Join(lines, "; "))
	e.Err = &policy.Error{Field: findings[0].Position(), Msg: findings[0].Msg, Findings: findings}
	return e
}

// NewPolicyVersion compiles a shipped policy by name, or an organisation's own
// text (linted: any finding refuses it), into a version to store.
func NewPolicyVersion(lib *policy.Library, shipped string, text []byte) (*PolicyVersion, error) {
	switch {
	case shipped != "" && len(text) > 0, shipped == "" && len(text) == 0:
		return nil, Invalidf("policy", "policy.either", "give either a shipped policy's name or a policy text")
	case shipped != "" && !slices.Contains(lib.Names(), shipped):
		return nil, Invalidf("policy", "policy.unknown", "%q is not a shipped policy; the shipped policies are %s", shipped, strings.Join(lib.Names(), ", "))
	case shipped != "":
		p, err := lib.Policy(shipped)
		if err != nil {
			return nil, err
		}
		raw, err := lib.Text(shipped)
		if err != nil {
			return nil, err
		}
		return &PolicyVersion{Name: p.Name, Digest: p.Digest, Shipped: shipped, Text: string(raw)}, nil
	}
	if findings := lib.Lint("policy.yaml", text); len(findings) > 0 {
		return nil, PolicyFindings(findings)
	}
	p, err := lib.Parse("policy.yaml", text)
	if err != nil {
		return nil, err
	}
	return &PolicyVersion{Name: p.Name, Digest: p.Digest, Text: string(text)}, nil
}
