package opname

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Mailer sends plain-text e-mail.
type Mailer interface {
	// Send sends one message to each recipient.
	Send(ctx context.Context, to []string, subject, body string) error
}

// Invitation is the e-mail that invites a new person of organisation org
// to sign in with link, which works once, for valid: in Dutch, then in
// English. It says nothing but that: no client, no data.
func Invitation(org, name, link string, valid time.Duration) (subject, body string) {
	nlName, enName := strings.TrimSpace(name), strings.TrimSpace(name)
	if nlName == "" {
		nlName, enName = "collega", "colleague"
	}
	nlValid, enValid := fmt.Sprintf("%d uur", int(valid.Hours())), fmt.Sprintf("%d hours", int(valid.Hours()))
	if days := int(valid.Hours()) / 24; valid%(24*time.Hour) == 0 && days > 1 {
		nlValid, enValid = fmt.Sprintf("%d dagen", days), fmt.Sprintf("%d days", days)
	}
	subject = fmt.Sprintf("Uw account in opname bij %s / Your opname account at %s", org, org)
	body = fmt.Sprintf(`Beste %[1]s,

%[2]s heeft een account voor u gemaakt in opname. Daar werkt u met opnamen van gesprekken en de afspraken erover.

Open deze link om een wachtwoord te kiezen en aan te melden:
%[3]s

De link werkt één keer en %[4]s lang. Werkt hij niet meer? Vraag de beheerder dan om een nieuwe link. Heeft u dit niet verwacht? Doe dan niets.

--

Dear %[5]s,

%[2]s has made an account for you in opname, where you work with recordings of conversations and the agreements about them.

Open this link to choose a password and sign in:
%[3]s

The link works once, for %[6]s. If it no longer works, ask the administrator for a new link. If you did not expect this, do nothing.
`, nlName, org, link, nlValid, enName, enValid)
	return subject, body
}
