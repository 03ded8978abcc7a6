package opname

import (
	"context"
	"strings"
	"time"
)

// PublicProfile is what anyone may read of an organisation, without
// signing in: its name, its policy now and before, and the texts it wrote
// itself for its public page and printed matter. It holds no client data.
type PublicProfile struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Policy is the current policy version, with its text.
	Policy PolicyVersion `json:"policy"`
	// History is every policy version, newest first, with its text.
	History []PolicyVersion `json:"history"`
	Texts   PublicTexts     `json:"texts"`
	// Complaints are the organisation's complaints procedure, as its link
	// settings give it (ComplaintsNL, ComplaintsEN, ComplaintsURL).
	Complaints LinkSettings `json:"complaints"`
}

// PublicTexts are the texts an organisation writes itself for its public
// page and printed matter, in Dutch and English; everything else there
// comes from its policy. Each may be empty.
type PublicTexts struct {
	IntroNL   string `json:"intro_nl"`
	IntroEN   string `json:"intro_en"`
	ContactNL string `json:"contact_nl"`
	ContactEN string `json:"contact_en"`
	// Version counts the administrator's changes: 0 while none was made.
	Version       int       `json:"version"`
	ChangedAt     time.Time `json:"changed_at,omitzero"`
	ChangedBy     string    `json:"changed_by,omitempty"`
	ChangedByName string    `json:"changed_by_name,omitempty"`
}

// MaxPublicText is the most characters of each public text.
const MaxPublicText = 2000

// PublicStore keeps what organisations publish.
type PublicStore interface {
	// PublicProfile returns the published profile of the organisation
	// with slug; it needs no actor, reads no client data and returns
	// NotFound for an unknown slug.
	PublicProfile(ctx context.Context, slug string) (*PublicProfile, error)
	// SetPublicTexts stores t as the caller's organisation's public texts
	// (admin) and MUST record the change in the access log before it
	// returns. t.Version is the version the administrator saw: when t says
	// what is stored already nothing changes; when another change came in
	// between it MUST refuse (Conflict) and change nothing. On success t is
	// the stored texts.
	SetPublicTexts(ctx context.Context, t *PublicTexts) error
}

// Check trims the texts and returns an Invalid error naming the first
// field that cannot be taken: each is plain text with line breaks, at most
// MaxPublicText characters.
func (t *PublicTexts) Check() error {
	rule := Paragraphs.Chars(MaxPublicText)
	for _, f := range []struct {
		name string
		text *string
	}{{"intro_nl", &t.IntroNL}, {"intro_en", &t.IntroEN}, {"contact_nl", &t.ContactNL}, {"contact_en", &t.ContactEN}} {
		*f.text = strings.TrimSpace(*f.text)
		if err := rule.Check(f.name, *f.text); err != nil {
			return err
		}
	}
	return nil
}

// SameTexts reports whether t and o say the same: the texts without their
// version and who changed them.
func (t PublicTexts) SameTexts(o PublicTexts) bool {
	return t.IntroNL == o.IntroNL && t.IntroEN == o.IntroEN && t.ContactNL == o.ContactNL && t.ContactEN == o.ContactEN
}
