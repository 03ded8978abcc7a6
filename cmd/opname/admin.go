package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/sqldb"
)

// oneTimeTTL is how long a sign-in link printed by the command line lasts.
const oneTimeTTL = 7 * 24 * time.Hour

func runOrgCreate(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("org create")
	slug := fs.String("slug", "", "the organisation's short name in URLs and at sign-in")
	name := fs.String("name", "", "the organisation's name")
	pol := fs.String("policy", "", "a shipped policy's name, or a policy file")
	totp := fs.Bool("require-totp", false, "make a second factor compulsory for local sign-in")
	zone := fs.String("time-zone", opname.DefaultTimeZone, "the IANA time zone its people read times in")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *slug == "" || *name == "" || *pol == "" {
		return usageError{"--slug, --name and --policy are required"}
	}
	if _, err := opname.LoadTimeZone("--time-zone", *zone); err != nil {
		return err
	}
	lib, err := policy.Shipped()
	if err != nil {
		return err
	}
	pv, err := policyVersion(lib, *pol)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	org := &opname.Organisation{Slug: *slug, Name: *name, Policy: *pv, RequireTOTP: *totp, TimeZone: *zone}
	if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("cli")), org); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "organisation %s created with policy %s (%s); times shown in %s\n", org.Slug, pv.Name, pv.Digest, org.TimeZone)
	return nil
}

// policyVersion reads a shipped policy by name or a policy file.
func policyVersion(lib *policy.Library, arg string) (*opname.PolicyVersion, error) {
	p, err := loadPolicy(lib, arg)
	if err != nil {
		return nil, err
	}
	if p.File == p.Name+".yaml" {
		if _, err := os.Stat(arg); err != nil {
			return opname.NewPolicyVersion(lib, p.Name, nil)
		}
	}
	text, err := os.ReadFile(arg)
	if err != nil {
		return nil, readError("policy file", arg, err)
	}
	return opname.NewPolicyVersion(lib, "", text)
}

// orgContext opens the database and returns a system actor's context in
// the organisation with slug.
func orgContext(ctx context.Context, cfg *config, slug string) (context.Context, *sqldb.DB, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	org, err := db.OrganisationBySlug(ctx, slug)
	if err != nil {
		db.Close()
		return nil, nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--org: no organisation %q", slug)}
	}
	a := opname.System("cli")
	a.OrgID = org.ID
	return opname.WithActor(ctx, a), db, nil
}

func runUserAdd(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("user add")
	org := fs.String("org", "", "the organisation's slug")
	email := fs.String("email", "", "the person's e-mail address")
	name := fs.String("name", "", "the person's name")
	role := fs.String("role", "", "staff, manager, admin or privacy_officer")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *org == "" || *email == "" || *role == "" {
		return usageError{"--org, --email and --role are required"}
	}
	ctx, db, err := orgContext(ctx, cfg, *org)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &opname.User{Email: *email, Name: *name, Role: opname.Role(*role)}
	if err := db.CreateUser(ctx, u); err != nil {
		return err
	}
	secret, _, err := db.CreateOneTime(ctx, u.ID, oneTimeTTL)
	if err != nil {
		return err
	}
	link := signInLink(cfg.publicBase("http://"+cfg.Addr), secret)
	fmt.Fprintf(m.Stdout, "%s added to %s as %s\n", u.Email, *org, u.Role)
	fmt.Fprintf(m.Stdout, "sign-in link (works once, for %d days): %s\n", int(oneTimeTTL.Hours()/24), link)
	if cfg.SMTPURL == "" {
		fmt.Fprintln(m.Stdout, "no e-mail sent (OPNAME_SMTP_URL is not set): pass the link on yourself")
		return nil
	}
	if err := invite(ctx, db, cfg.SMTPURL, u, link); err != nil {
		m.errorf("%s was added, but the invitation e-mail was not sent: %v", u.Email, err)
		m.hintf("pass the link on yourself")
		return exitCode(exitFailure)
	}
	fmt.Fprintf(m.Stdout, "invitation e-mailed to %s\n", u.Email)
	return nil
}

// signInLink is the address of the sign-in page that takes secret.
func signInLink(base, secret string) string {
	return base + "/welkom?code=" + url.QueryEscape(secret)
}

// invite e-mails u, of the organisation in ctx, an invitation with link,
// through the SMTP server smtpURL names.
func invite(ctx context.Context, db *sqldb.DB, smtpURL string, u *opname.User, link string) error {
	mailer, err := openMailer(smtpURL, db.Secrets)
	if err != nil {
		return err
	}
	org, err := db.Organisation(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	subject, body := opname.Invitation(org.Name, u.Name, link, oneTimeTTL)
	return mailer.Send(ctx, []string{u.Email}, subject, body)
}

func runTokenCreate(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("token create")
	org := fs.String("org", "", "the organisation's slug")
	email := fs.String("user", "", "the e-mail address of the person the token acts as")
	name := fs.String("name", "integration", "what the token is for, such as the dossier system")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *org == "" || *email == "" {
		return usageError{"--org and --user are required"}
	}
	ctx, db, err := orgContext(ctx, cfg, *org)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := db.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Email == trimLower(*email) {
			secret, _, err := db.CreateToken(ctx, u.ID, *name)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stderr, "opname: the token is shown once; store it now\n")
			fmt.Fprintln(m.Stdout, secret)
			return nil
		}
	}
	return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--user: no person %q in %s", *email, *org)}
}

func runAccessLogVerify(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("accesslog verify")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	db, err := m.openCheckedDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Verify(ctx)
	if opname.KindOf(err) == opname.Conflict {
		for _, finding := range strings.Split(opname.Message(err), "\n") {
			m.errorf("%s", finding)
		}
		return exitCode(exitFailure)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "access log intact: %d records checked; each organisation's head is anchored in its tamper-evident log\n", n)
	return nil
}

// runAccessLogPrune deletes an organisation's oldest access-log records,
// before a date, up to a head anchored in its tamper-evident log.
func runAccessLogPrune(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("accesslog prune")
	slug := fs.String("org", "", "the organisation's slug")
	beforeArg := fs.String("before", "", "delete records from before this date (YYYY-MM-DD, in the organisation's time zone) or time (RFC 3339)")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *slug == "" || *beforeArg == "" {
		return usageError{"--org and --before are required"}
	}
	db, err := m.openCheckedDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := db.OrganisationBySlug(ctx, *slug)
	if err != nil {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--org: no organisation %q", *slug)}
	}
	before, err := parseBefore(*beforeArg, org.Location())
	if err != nil {
		return err
	}
	a := opname.System("accesslog prune")
	a.OrgID = org.ID
	n, err := db.PruneAccessLog(opname.WithActor(ctx, a), org.ID, before)
	if err != nil {
		return err
	}
	seq, index, err := db.AccessLogStart(ctx, org.ID)
	if err != nil {
		return err
	}
	shown := before.In(org.Location()).Format("2006-01-02 15:04 MST")
	switch {
	case n > 0:
		fmt.Fprintf(m.Stdout, "organisation %s: %d access-log records from before %s deleted; the chain now starts after record %d, anchored in entry %d of the tamper-evident log\n", org.Slug, n, shown, seq, index)
	case seq > 0:
		fmt.Fprintf(m.Stdout, "organisation %s: nothing to delete from before %s; the chain starts after record %d (entry %d of the tamper-evident log), and no newer anchored head is older than %s\n", org.Slug, shown, seq, index, shown)
	default:
		fmt.Fprintf(m.Stdout, "organisation %s: nothing to delete from before %s: no head anchored in the tamper-evident log is older than that\n", org.Slug, shown)
	}
	return nil
}

// parseBefore reads a cut-off: a date, the start of that day in loc, or
// an RFC 3339 time.
func parseBefore(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, &opname.Error{Kind: opname.Invalid, Field: "before", Msg: fmt.Sprintf("--before: %q is not a date (YYYY-MM-DD) or a time (RFC 3339, such as 2026-01-01T00:00:00+01:00)", v)}
}

func runOrgOIDC(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("org oidc")
	org := fs.String("org", "", "the organisation's slug")
	issuer := fs.String("issuer", "", "the identity provider's issuer URL")
	clientID := fs.String("client-id", "", "opname's client id at the provider")
	clientSecret := fs.String("client-secret", m.Getenv("OPNAME_OIDC_CLIENT_SECRET"), "opname's client secret (or OPNAME_OIDC_CLIENT_SECRET)")
	claim := fs.String("role-claim", "groups", "the ID-token claim with the person's groups or roles")
	roleMap := fs.String("role-map", "", "claim values and roles: VALUE=ROLE,VALUE=ROLE")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *org == "" || *issuer == "" || *clientID == "" || *roleMap == "" {
		return usageError{"--org, --issuer, --client-id and --role-map are required"}
	}
	p := &opname.OIDCProvider{Issuer: *issuer, ClientID: *clientID, ClientSecret: *clientSecret, RoleClaim: *claim, RoleMap: map[string]opname.Role{}}
	for _, pair := range strings.Split(*roleMap, ",") {
		value, role, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || value == "" {
			return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--role-map: %q is not VALUE=ROLE", pair)}
		}
		p.RoleMap[value] = opname.Role(role)
	}
	ctx, db, err := orgContext(ctx, cfg, *org)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetOIDCProvider(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s signs in with %s; people start at /aanmelden/oidc?organisatie=%s\n", *org, *issuer, *org)
	return nil
}

// runFixity checks every stored recording: it decrypts and matches its
// SHA-256. Exit 0 all good, 1 when any recording failed.
func runFixity(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("fixity")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	db, err := m.openCheckedDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	v, _, err := openVault(ctx, cfg, db)
	if err != nil {
		return err
	}
	n, findings, err := v.Fixity(opname.WithActor(ctx, opname.System("fixity")), time.Time{})
	if err != nil {
		return err
	}
	for _, f := range findings {
		fmt.Fprintf(m.Stdout, "recording %s (organisation %s): %s\n", f.Recording.ID, f.Recording.OrgID, f.Problem)
	}
	fmt.Fprintf(m.Stdout, "%d recordings checked, %d with problems\n", n, len(findings))
	if len(findings) > 0 {
		return exitCode(exitFailure)
	}
	return nil
}
