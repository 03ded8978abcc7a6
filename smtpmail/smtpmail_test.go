package smtpmail_test

import (
	"strings"
	"testing"

	"github.com/opname/opname/smtpmail"
)

func TestOpen(t *testing.T) {
	for _, c := range []struct{ url, err string }{
		{"smtp://mail.example.nl?from=opname@example.nl", ""},
		{"smtps://user:secret@mail.example.nl:465?from=opname@example.nl", ""},
		{"smtp://127.0.0.1:1025?from=opname@example.nl&tls=none", ""},
		{"http://mail.example.nl?from=opname@example.nl", "use smtp://"},
		{"smtp://mail.example.nl", "give the sender"},
		{"smtp://mail.example.nl:abc?from=a@b.nl", "not a valid port"},
		{"smtp://mail.example.nl?from=a@b.nl&tls=maybe", `tls="maybe"`},
	} {
		_, err := smtpmail.Open(c.url)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Open(%q) = %v", c.url, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) && !strings.Contains(err.Error(), "use smtp://")):
			t.Errorf("Open(%q) = %v, want %q", c.url, err, c.err)
		case c.err != "" && strings.Contains(err.Error(), "secret"):
			t.Errorf("Open(%q) shows the password: %v", c.url, err)
		}
	}
}
