package smtpmail_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname/smtpmail"
	"github.com/opname/opname/smtpmail/smtptest"
)

func TestOpen(t *testing.T) {
	for _, c := range []struct{ url, err string }{
		{"smtp://mail.example.nl?from=opname@example.nl", ""},
		{"smtps://user:secret@mail.example.nl:465?from=opname@example.nl", ""},
		{"smtp://127.0.0.1:1025?from=opname@example.nl&tls=none", ""},
		{"http://mail.example.nl?from=opname@example.nl", "OPNAME_SMTP_URL: use smtp://host:port?from=address or smtps://…"},
		{"smtp://mail.example.nl", "OPNAME_SMTP_URL: give the sender with ?from=address"},
		{"smtp://mail.example.nl:abc?from=a@b.nl", "OPNAME_SMTP_URL: use smtp://host:port?from=address or smtps://…"},
		{"smtp://mail.example.nl?from=a@b.nl&tls=maybe", `OPNAME_SMTP_URL: tls="maybe"; use starttls or none`},
		{"smtps://user:secret@mail.example.nl?tls=maybe", `OPNAME_SMTP_URL: tls="maybe"; use starttls or none`},
	} {
		_, err := smtpmail.Open(c.url)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Open(%q) = %v", c.url, err)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("Open(%q) = %v, want %q", c.url, err, c.err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) shows the password: %v", c.url, err)
		}
	}
}

// TestSend sends a message through a real SMTP server (Mailpit) and reads
// it back from the server's API: recipient, sender, subject and text.
func TestSend(t *testing.T) {
	smtpURL, api := smtptest.Mailpit(t)
	m, err := smtpmail.Open(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(smtpURL)
	from := u.Query().Get("from")
	unique := fmt.Sprintf("%d", time.Now().UnixNano())
	to := []string{"manager-" + unique + "@opname.test", "other-" + unique + "@opname.test"}
	subject := "opname: er wacht iets op u " + unique
	body := "Bekijk het hier: https://opname.example.nl/postvak\n"
	if err := m.Send(context.Background(), to, subject, body); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range to {
		msg := smtptest.Arrived(t, api, rcpt)
		if msg.Subject != subject || msg.From.Address != from || len(msg.To) != 1 || msg.To[0].Address != rcpt {
			t.Errorf("message to %s: from %q, to %+v, subject %q; want from %q, subject %q", rcpt, msg.From.Address, msg.To, msg.Subject, from, subject)
		}
		if strings.TrimSpace(strings.ReplaceAll(msg.Text, "\r\n", "\n")) != strings.TrimSpace(body) {
			t.Errorf("message to %s: text %q, want %q", rcpt, msg.Text, body)
		}
	}
}
