package opname

import (
	"context"
	"time"
)

// PrivacyReport is a month's overview for the privacy officer, counted
// from the access log (and, for failed fixity checks, the recordings) of
// the organisation: what was done with client data and by whom, without
// naming anyone.
type PrivacyReport struct {
	// Month is the month counted (YYYY-MM), in the organisation's zone
	// (TimeZone): from From up to Until.
	Month    string    `json:"month"`
	TimeZone string    `json:"time_zone"`
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	// ByRole are the reads, exports, copies and prints of client data by
	// the role of who did them, one row per role that did any.
	ByRole []RoleUse `json:"by_role"`
	// Erasures are recordings erased by hand; Destructions, recordings
	// destroyed under a retention rule.
	Erasures      int `json:"erasures"`
	Destructions  int `json:"destructions"`
	HoldsPlaced   int `json:"legal_holds_placed"`
	HoldsReleased int `json:"legal_holds_released"`
	// FixityFailures are recordings whose check in the month failed.
	FixityFailures        int `json:"fixity_failures"`
	ClientLinksGiven      int `json:"client_links_given"`
	ClientLinksRevoked    int `json:"client_links_revoked"`
	RecipientLinksGiven   int `json:"recipient_links_given"`
	RecipientLinksRevoked int `json:"recipient_links_revoked"`
	// SignInFailures are failed sign-ins (password, second factor,
	// PIN of a client link); Lockouts, the attempts refused because an
	// account or address was locked after too many.
	SignInFailures int `json:"sign_in_failures"`
	Lockouts       int `json:"lockouts"`
}

// RoleUse is what one role did with client data in a month.
type RoleUse struct {
	Role    Role `json:"role"`
	Reads   int  `json:"reads"`
	Exports int  `json:"exports"`
	Copies  int  `json:"copies"`
	Prints  int  `json:"prints"`
}

// PrivacyReports makes the privacy officer's monthly report.
type PrivacyReports interface {
	// PrivacyReport counts the month (year, month) in the organisation's
	// zone (privacy officer). It MUST log itself: as a read of
	// "privacy_report", or an export when export is true.
	PrivacyReport(ctx context.Context, year int, month time.Month, export bool) (*PrivacyReport, error)
}
