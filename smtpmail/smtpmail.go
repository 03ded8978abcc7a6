// Package smtpmail sends opname's e-mail (a manager told of an incident or
// of a request waiting for their decision, a new person invited to sign in)
// over SMTP with github.com/wneessen/go-mail. E-mail carries no client
// data: it says that something waits, and links to it in opname, where
// access is checked and logged.
package smtpmail

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/opname/opname"
	mail "github.com/wneessen/go-mail"
)

// Mailer sends e-mail through one SMTP server.
type Mailer struct {
	host     string
	port     int
	from     string
	tls      mail.TLSPolicy
	implicit bool
	user     string
	pass     string
}

// Open reads an SMTP URL:
//
//	smtp://[user:password@]host[:port]?from=opname@example.nl[&tls=starttls|none]
//	smtps://[user:password@]host[:port]?from=…   (TLS from the start)
//
// smtp:// requires STARTTLS unless tls=none (only for a server on the same
// machine or a test server).
func Open(rawURL string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: "OPNAME_SMTP_URL: use smtp://host:port?from=address or smtps://…"}
	}
	m := &Mailer{host: u.Hostname(), from: u.Query().Get("from"), tls: mail.TLSMandatory, port: 587}
	if u.Scheme == "smtps" {
		m.implicit, m.port = true, 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil {
			return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("OPNAME_SMTP_URL: port %q is not a number", p)}
		}
	}
	switch u.Query().Get("tls") {
	case "", "starttls":
	case "none":
		m.tls = mail.NoTLS
	default:
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("OPNAME_SMTP_URL: tls=%q; use starttls or none", u.Query().Get("tls"))}
	}
	if !strings.Contains(m.from, "@") {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: "OPNAME_SMTP_URL: give the sender with ?from=address"}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	return m, nil
}

// Send sends one plain-text message to each recipient.
func (m *Mailer) Send(ctx context.Context, to []string, subject, body string) error {
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTLSPolicy(m.tls)}
	if m.implicit {
		opts = append(opts, mail.WithSSL())
	}
	if m.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("smtpmail: %w", err)
	}
	var msgs []*mail.Msg
	for _, rcpt := range to {
		msg := mail.NewMsg()
		if err := msg.From(m.from); err != nil {
			return fmt.Errorf("smtpmail: from: %w", err)
		}
		if err := msg.To(rcpt); err != nil {
			return fmt.Errorf("smtpmail: to %s: %w", rcpt, err)
		}
		msg.Subject(subject)
		msg.SetBodyString(mail.TypeTextPlain, body)
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := c.DialAndSendWithContext(ctx, msgs...); err != nil {
		return fmt.Errorf("smtpmail: send: %w", err)
	}
	return nil
}
