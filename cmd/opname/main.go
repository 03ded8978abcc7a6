// Command opname decides situations under an organisation's recording
// policy, runs the opname web application, and keeps its records: backups,
// key rotation, the access log's checks and retention.
//
// Usage:
//
//	opname policy list
//	opname policy show NAME|FILE [--lang nl|en]
//	opname policy check --policy NAME|FILE [FILE|-]
//	opname policy lint FILE
//	opname serve [--addr ADDR] [--data DIR] [--demo] [--node NAME]
//	opname org create --slug SLUG --name NAME --policy NAME|FILE [--time-zone ZONE]
//	opname user add --org SLUG --email EMAIL --role ROLE
//	opname token create --org SLUG --user EMAIL
//	opname migrate
//	opname accesslog verify
//	opname backup DEST --recipient AGE_RECIPIENT
//	opname restore SRC --identity AGE_IDENTITY_FILE
//	opname accesslog prune --org SLUG --before DATE
//	opname keys rotate --org SLUG
//	opname secret seal < PASSWORD
//	opname demo [--scale N [--access-records N] [--recordings N]]
//
// Settings come from flags or OPNAME_* variables (the README lists them);
// a value opname cannot use stops it with exit 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	// The time zone database, for machines without one: organisations'
	// times are shown in their own zone.
	_ "time/tzdata"

	"github.com/opname/opname"
)

func main() {
	m := NewMain()
	os.Exit(m.Run(context.Background(), os.Args[1:]))
}

// Main is the program: its standard streams and environment, so that tests
// can run it in-process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// NewMain returns a Main on the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one verb of the command line.
type command struct {
	name  string // as typed: "policy check"
	args  string // usage after the name
	short string
	run   func(ctx context.Context, m *Main, args []string) error
}

// commands is the table of every verb.
var commands = []command{
	{"policy list", "", "list the shipped policies", runPolicyList},
	{"policy show", "NAME|FILE [--lang nl|en]", "show a policy's rules in readable form", runPolicyShow},
	{"policy check", "--policy NAME|FILE [FILE|-]", "decide one situation (JSON) and print the decision (JSON)", runPolicyCheck},
	{"policy lint", "FILE", "check a policy file: schema, conditions, citations, conflicts", runPolicyLint},
	{"serve", "[--addr ADDR] [--data DIR] [--demo] [--node NAME]", "run the web application and API", runServe},
	{"migrate", "[--data DIR]", "bring the database schema up to date", runMigrate},
	{"org create", "--slug SLUG --name NAME --policy NAME|FILE [--require-totp] [--time-zone ZONE]", "add an organisation with its policy", runOrgCreate},
	{"org oidc", "--org SLUG --issuer URL --client-id ID --role-map VALUE=ROLE,…", "let an organisation sign in with its own identity provider", runOrgOIDC},
	{"user add", "--org SLUG --email EMAIL --role ROLE [--name NAME]", "add a person; prints their sign-in link, and e-mails it when OPNAME_SMTP_URL is set", runUserAdd},
	{"token create", "--org SLUG --user EMAIL [--name NAME]", "make an API token acting as a person; printed once", runTokenCreate},
	{"verify", "--receipt RECEIPT [--key KEY]... [--log URL] FILE", "check a file against its receipt, trusting only the log keys you give or remembered (and the log's history)", runVerify},
	{"fixity", "[--data DIR]", "check that every stored recording decrypts and matches its SHA-256", runFixity},
	{"demo", "[--scale N [--access-records N] [--recordings N] [--busy-client] [--org SLUG]]", "make the demo organisations; with --scale, one organisation of N clients with a year of access log and recordings, for measuring", runDemo},
	{"keys rotate", "--org SLUG [--data DIR] [--batch N] [--pause D] [--settle D]", "give an organisation a new key-encryption key, re-wrap every recording's file key under it, then destroy the old key; resumes when run again", runKeysRotate},
	{"secret seal", "[--data DIR] < PASSWORD", "seal a mail server password under the server key, for the password's place in OPNAME_SMTP_URL", runSecretSeal},
	{"accesslog verify", "[--data DIR]", "check the access log's hash chains against their anchors; does not migrate", runAccessLogVerify},
	{"backup", "DEST --recipient AGE_RECIPIENT [--data DIR]", "back up while opname serves: database snapshot, keys encrypted to the recipient, recordings (new ones only), manifest", runBackup},
	{"restore", "SRC --identity AGE_IDENTITY_FILE [--data DIR]", "restore a backup into an empty data folder, after checking it", runRestore},
	{"accesslog prune", "--org SLUG --before DATE [--data DIR]", "delete an organisation's access-log records from before DATE, up to a head anchored in its tamper-evident log", runAccessLogPrune},
}

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // a check failed: lint findings, a receipt that does not match
	exitInvalid  = 2 // unusable input or usage
	exitInternal = 1
	// exitUntrusted is verify's answer when the file matches the receipt
	// but the receipt is not signed by a trusted key.
	exitUntrusted = 3
)

// exitCode is returned by a command that has said all it needs to and wants
// the process to end with code.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// usageError is bad usage of the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Run runs the command line args and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		m.usage(m.Stdout)
		if len(args) == 0 {
			return exitInvalid
		}
		return exitOK
	}
	cmd, rest, ok := lookup(args)
	if !ok {
		m.errorf("unknown command %q", strings.Join(args[:min(len(args), 2)], " "))
		m.hintf("run 'opname help' for the list of commands")
		return exitInvalid
	}
	err := cmd.run(ctx, m, rest)
	var code exitCode
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &usage):
		m.errorf("%s", usage.msg)
		m.hintf("usage: opname %s %s", cmd.name, cmd.args)
		return exitInvalid
	}
	switch opname.KindOf(err) {
	case opname.Invalid, opname.NotFound:
		m.errorf("%s", opname.Message(err))
		return exitInvalid
	case opname.Internal:
		// A person gets the whole story on the command line: it is their
		// own machine and their own files.
		m.errorf("%v", err)
		return exitInternal
	default:
		m.errorf("%s", opname.Message(err))
		return exitFailure
	}
}

func lookup(args []string) (command, []string, bool) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: opname COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  opname %-16s %s\n", c.name, c.args)
		fmt.Fprintf(w, "      %s\n", c.short)
	}
}

func (m *Main) errorf(format string, args ...any) {
	fmt.Fprintf(m.Stderr, "opname: error: %s\n", oneLine(fmt.Sprintf(format, args...)))
}

func (m *Main) hintf(format string, args ...any) {
	fmt.Fprintf(m.Stderr, "opname: hint: %s\n", oneLine(fmt.Sprintf(format, args...)))
}

// oneLine escapes what a message must not print on a terminal: line
// breaks, escape sequences and other controls, which may come from a file
// someone else made.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		} else {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// flags returns a flag set for cmd that reports errors as usage errors.
func flags(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("opname "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags that may stand before, between or after positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "-" || !strings.HasPrefix(args[0], "-") {
			positional = append(positional, args[0])
			args = args[1:]
			continue
		}
	}
}
