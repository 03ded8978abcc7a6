package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/smtpmail"
)

// smtpPurpose is what a sealed mail server password is for.
const smtpPurpose = "smtp password"

// openMailer opens the mail server smtpURL names. Its password may be
// sealed under the server key (opname secret seal): it is opened here,
// and never shown.
func openMailer(smtpURL string, box opname.SecretBox) (*smtpmail.Mailer, error) {
	plain, err := unsealSMTPURL(smtpURL, box)
	if err != nil {
		return nil, err
	}
	return smtpmail.Open(plain)
}

// unsealSMTPURL is smtpURL with its password opened, if it is sealed.
func unsealSMTPURL(smtpURL string, box opname.SecretBox) (string, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		return smtpURL, nil // smtpmail.Open says what is wrong, without the password
	}
	if pass, ok := u.User.Password(); ok && strings.HasPrefix(pass, opname.SealedPrefix) {
		if box == nil {
			return "", &opname.Error{Kind: opname.Invalid, Msg: "OPNAME_SMTP_URL: the password is sealed and there is no server key to open it"}
		}
		plain, err := box.Open(smtpPurpose, pass)
		if err != nil {
			return "", &opname.Error{Kind: opname.Invalid, Msg: "OPNAME_SMTP_URL: the sealed password does not open with this server's key (keys/server.key); seal it again with 'opname secret seal'", Err: err}
		}
		u.User = url.UserPassword(u.User.Username(), string(plain))
	}
	return u.String(), nil
}

// runSecretSeal seals a mail server password, read from standard input,
// under the server key, and prints the sealed value to put in
// OPNAME_SMTP_URL in the password's place.
func runSecretSeal(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("secret seal")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q: the password is read from standard input", rest[0])}
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		if err != nil {
			return &opname.Error{Kind: opname.Invalid, Msg: "standard input: give the password on one line"}
		}
		return &opname.Error{Kind: opname.Invalid, Msg: "standard input: the password is empty"}
	}
	keys, err := localkeys.Open(filepath.Join(cfg.Data, "keys"))
	if err != nil {
		return err
	}
	sealed, err := keys.Secrets().Seal(smtpPurpose, []byte(secret))
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, sealed)
	return nil
}
