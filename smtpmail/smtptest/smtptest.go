// Package smtptest gives tests the SMTP server named by
// OPNAME_TEST_SMTP_URL, with the API of the Mailpit behind it at
// OPNAME_TEST_MAILPIT_URL (.ci/mail-server starts one).
package smtptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"
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

// Address is a sender or recipient as Mailpit reads it.
type Address struct{ Address string }

// Message is an e-mail as it arrived in Mailpit.
type Message struct {
	From    Address
	To      []Address
	Subject string
	Text    string
}

// Arrived waits until Mailpit (at api) holds exactly one message to rcpt
// and returns it; the test fails when none comes within a minute (a busy
// machine sends slowly), or more than one.
func Arrived(t testing.TB, api, rcpt string) Message {
	t.Helper()
	var found struct {
		Messages []struct{ ID string } `json:"messages"`
	}
	for range 600 {
		resp, err := http.Get(api + "/api/v1/search?query=" + url.QueryEscape("to:"+rcpt))
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&found)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("Mailpit search: %v", err)
		}
		if len(found.Messages) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(found.Messages) != 1 {
		t.Fatalf("messages to %s in Mailpit: %d, want 1", rcpt, len(found.Messages))
	}
	resp, err := http.Get(api + "/api/v1/message/" + found.Messages[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg Message
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatalf("Mailpit message: %v", err)
	}
	return msg
}
