package opname

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// LinkSettings are an organisation's settings for the personal links its
// clients and the other people of a conversation get instead of an
// account, and the complaints procedure those people are shown. Until the
// organisation's administrator chooses, they are DefaultLinkSettings of
// the organisation's current policy.
type LinkSettings struct {
	// LinkDays is how long a new link lasts, in days (MinLinkDays to
	// MaxLinkDays).
	LinkDays int `json:"link_days"`
	// RequirePIN makes a person choose a PIN at a link's first use, so
	// that a photographed link alone is not enough.
	RequirePIN bool `json:"require_pin"`
	// ComplaintsNL and ComplaintsEN describe the organisation's own
	// complaints procedure in plain text, in Dutch and English (at most
	// MaxComplaintsText characters each; may be empty).
	ComplaintsNL string `json:"complaints_nl"`
	ComplaintsEN string `json:"complaints_en"`
	// ComplaintsURL is the web page of the procedure: https only, or
	// empty. The Nationale Ombudsman (OmbudsmanComplaintsURL) is always
	// named next to it.
	ComplaintsURL string `json:"complaints_url"`
	// Version counts the changes the administrator made: 0 while the
	// settings are the policy's defaults.
	Version       int       `json:"version"`
	ChangedAt     time.Time `json:"changed_at,omitzero"`
	ChangedBy     string    `json:"changed_by,omitempty"`
	ChangedByName string    `json:"changed_by_name,omitempty"`
}

const (
	// DefaultLinkDays is how long a link lasts unless the organisation
	// chooses otherwise.
	DefaultLinkDays = 90
	// MinLinkDays and MaxLinkDays bound how long a link may last.
	MinLinkDays = 1
	MaxLinkDays = 365
	// MaxComplaintsText is the most characters of each complaints text.
	MaxComplaintsText = 2000
	// MaxComplaintsURL is the most characters of the complaints address.
	MaxComplaintsURL = 500
	// OmbudsmanComplaintsURL is where anyone can complain to the
	// Nationale Ombudsman about a government or care organisation.
	OmbudsmanComplaintsURL = "https://www.nationaleombudsman.nl/klacht-indienen"
)

// pinPolicies are the shipped policies of organisations whose clients may
// be at risk from someone who picks up their phone (a women's shelter,
// Veilig Thuis): their links ask for a PIN unless the organisation says
// otherwise.
var pinPolicies = []string{"blijf-groep", "veilig-thuis-utrecht"}

// DefaultLinkSettings are the link settings of an organisation under
// policy pv that chose none: links last DefaultLinkDays, and ask for a PIN
// where the policy's clients may be at risk. An organisation's own policy
// text counts by its name.
func DefaultLinkSettings(pv PolicyVersion) LinkSettings {
	name := pv.Shipped
	if name == "" {
		name = pv.Name
	}
	return LinkSettings{LinkDays: DefaultLinkDays, RequirePIN: slices.Contains(pinPolicies, name)}
}

// LinkDaysField parses the number of days a person typed for field
// link_days; anything that is not a whole number in range is Invalid.
func LinkDaysField(typed string) (int, error) {
	typed = strings.TrimSpace(typed)
	n, err := strconv.Atoi(typed)
	if err != nil || n < MinLinkDays || n > MaxLinkDays {
		return 0, Invalidf("link_days", "link_days.range", "%q is not a number of days from %d to %d", typed, MinLinkDays, MaxLinkDays)
	}
	return n, nil
}

// Check trims the texts and the address and returns an Invalid error
// naming the first field that cannot be taken.
func (s *LinkSettings) Check() error {
	if s.LinkDays < MinLinkDays || s.LinkDays > MaxLinkDays {
		return Invalidf("link_days", "link_days.range", "%q is not a number of days from %d to %d", strconv.Itoa(s.LinkDays), MinLinkDays, MaxLinkDays)
	}
	s.ComplaintsNL, s.ComplaintsEN = strings.TrimSpace(s.ComplaintsNL), strings.TrimSpace(s.ComplaintsEN)
	s.ComplaintsURL = strings.TrimSpace(s.ComplaintsURL)
	rule := Paragraphs.Chars(MaxComplaintsText)
	if err := rule.Check("complaints_nl", s.ComplaintsNL); err != nil {
		return err
	}
	if err := rule.Check("complaints_en", s.ComplaintsEN); err != nil {
		return err
	}
	return checkComplaintsURL(s.ComplaintsURL)
}

// checkComplaintsURL accepts an empty address or an https address of a
// web page that a person can follow as it is.
func checkComplaintsURL(raw string) error {
	if raw == "" {
		return nil
	}
	if err := Line.Chars(MaxComplaintsURL).Check("complaints_url", raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	switch {
	case strings.ContainsFunc(raw, unicode.IsSpace):
		return Invalidf("complaints_url", "complaints_url.invalid", "%q is not a web address", raw)
	case err == nil && u.Scheme == "http":
		return Invalidf("complaints_url", "complaints_url.https", "%q is not safe: use an address that starts with https://", raw)
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" || !strings.Contains(u.Hostname(), "."):
		return Invalidf("complaints_url", "complaints_url.invalid", "%q is not a web address; give one like https://www.example.nl/klachten", raw)
	}
	return nil
}

// SameChoices reports whether s and o choose the same: the settings
// without their version and who changed them.
func (s LinkSettings) SameChoices(o LinkSettings) bool {
	return s.LinkDays == o.LinkDays && s.RequirePIN == o.RequirePIN && s.ComplaintsNL == o.ComplaintsNL &&
		s.ComplaintsEN == o.ComplaintsEN && s.ComplaintsURL == o.ComplaintsURL
}

// LinkSettingsStore keeps the caller's organisation's link settings.
type LinkSettingsStore interface {
	// LinkSettings returns the caller's organisation's link settings, or
	// DefaultLinkSettings of its current policy when none were chosen.
	// Anyone of the organisation may read them.
	LinkSettings(ctx context.Context) (*LinkSettings, error)
	// SetLinkSettings stores s as the caller's organisation's link
	// settings (admin), after Check, and MUST record the change in the
	// access log before it returns. s.Version is the version the
	// administrator saw: when s chooses what is stored already, nothing
	// changes (a form sent twice changes once); otherwise, when another
	// change came in between, it MUST refuse (Conflict) and change
	// nothing. On success s is the stored settings.
	SetLinkSettings(ctx context.Context, s *LinkSettings) error
}
