// Package smtptest gives tests the SMTP server named by
// OPNAME_TEST_SMTP_URL, with the API of the Mailpit behind it at
// OPNAME_TEST_MAILPIT_URL (.ci/mail-server starts one).
package smtptest

import (
	"os"
	"testing"
)

// Mailpit returns the SMTP URL to send through and the base URL of
// Mailpit's API to read what arrived. Without them the test is skipped,
// or fails in CI, where e-mail is tested.
func Mailpit(t testing.TB) (smtpURL, api string) {
	t.Helper()
	smtpURL, api = os.Getenv("OPNAME_TEST_SMTP_URL"), os.Getenv("OPNAME_TEST_MAILPIT_URL")
	if smtpURL == "" || api == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_SMTP_URL and OPNAME_TEST_MAILPIT_URL are not set: CI must test e-mail")
		}
		t.Skip("no SMTP test server: set OPNAME_TEST_SMTP_URL and OPNAME_TEST_MAILPIT_URL (see .ci/mail-server)")
	}
	return smtpURL, api
}
