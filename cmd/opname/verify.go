package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/translog"
)

// runVerify checks a recording against its receipt, offline, and with --log
// also against the log's current checkpoint. It trusts only keys given with
// --key, remembered in known_logs from an earlier --log check, or published
// by the --log now; never the key the receipt carries, which its maker
// chose. Exit 0: match, signed by a trusted key; 1: no match, a bad proof or
// a log whose key changed; 2: unusable input; 3: the file matches the
// receipt, but its signer is not a trusted key. It speaks Dutch or English
// (--lang, or the environment's language).
func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := flags("verify")
	receiptPath := fs.String("receipt", "", "the receipt (JSON)")
	bagPath := fs.String("bag", "", "an evidence bundle (zip) to check whole, instead of a receipt and a file")
	logURL := fs.String("log", "", "the log's URL, such as https://opname.example/api/v1/logs/SLUG")
	lang := fs.String("lang", "", "the language verify speaks: nl or en (default: the environment's, LC_ALL or LANG)")
	var keyArgs []string
	fs.Func("key", "a log's verifier key, or a file of them, one per line (may be repeated)", func(v string) error {
		keyArgs = append(keyArgs, v)
		return nil
	})
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	w, err := verifyLang(*lang, m.Getenv)
	if err != nil {
		return err
	}
	if *bagPath != "" {
		if *receiptPath != "" || len(rest) != 0 {
			return w.finish(m, usageError{w.t("usage")})
		}
		return w.finish(m, verifyBag(ctx, m, w, *bagPath, *logURL, keyArgs))
	}
	return w.finish(m, verify(ctx, m, w, *receiptPath, *logURL, keyArgs, rest))
}

func verify(ctx context.Context, m *Main, w verifyWords, receiptPath, logURL string, keyArgs, rest []string) error {
	if receiptPath == "" || len(rest) != 1 {
		return usageError{w.t("usage")}
	}
	data, err := readSmall(receiptPath)
	if err != nil {
		return w.readError("receipt", receiptPath, err)
	}
	rc, err := translog.DecodeReceipt(strings.NewReader(string(data)))
	if err != nil {
		return w.invalid("not a receipt", receiptPath, err)
	}
	origin := rc.Record.Origin
	tr, log, err := trusted(ctx, m, w, origin, logURL, keyArgs)
	if err != nil {
		return err
	}

	f, err := os.Open(rest[0])
	if err != nil {
		return w.readError("file", rest[0], err)
	}
	defer f.Close()
	v, err := rc.Verify(f, tr.keys)
	switch {
	case errors.Is(err, translog.ErrUntrusted):
		printUntrusted(m.Stdout, w, v, tr)
		return exitCode(exitUntrusted)
	case err != nil:
		w.errorf(m, w.t("no match")+": "+w.failure(err))
		if trusted := translog.KeysFor(tr.keys, origin); errors.Is(err, translog.ErrOtherSigner) {
			w.hintf(m, w.t("hint.other", tr.describe(w, trusted), shown(origin)))
		}
		return exitCode(exitFailure)
	}
	printFacts(m.Stdout, w, v, w.t("match"))
	fmt.Fprintln(m.Stdout, w.t("signed", shown(v.Key.Origin), v.Key.Fingerprint(), w.source(tr.source[v.Key.Text])))
	if log != nil {
		if err := checkConsistency(m, w, log, v.Checkpoint, tr.keys); err != nil {
			return err
		}
		return printShares(m, w, log, v, tr.keys)
	}
	return nil
}

// printShares asks the log for the shares of the file — given to a
// recipient through a recipient link, stopped, expired — and prints each
// whose receipt holds for the same file under a trusted key: when, and
// with what kind of recipient. A share that does not hold is a failure.
func printShares(m *Main, w verifyWords, log *logClient, v *translog.Verification, trusted []translog.VerifierKey) error {
	body, err := log.get("/shares?sha256=" + url.QueryEscape(v.Record.SHA256))
	if err != nil {
		return err
	}
	var p struct{ Shares []*translog.Receipt }
	if err := json.Unmarshal(body, &p); err != nil {
		return w.invalid("log.shares")
	}
	if len(p.Shares) == 0 {
		fmt.Fprintln(m.Stdout, w.t("shares.none"))
		return nil
	}
	for _, rc := range p.Shares {
		sv, err := rc.VerifyDigest(v.Record.SHA256, v.Record.Size, trusted)
		if err == nil && sv.Record.RecordingID != v.Record.RecordingID {
			err = errors.New(w.t("share.other"))
		}
		switch {
		case err != nil:
			w.errorf(m, w.t("no match")+": "+w.t("share.bad", rc.Index, w.failure(err)))
			return exitCode(exitFailure)
		case sv.Record.Kind != translog.KindShare && sv.Record.Kind != translog.KindShareRevoked && sv.Record.Kind != translog.KindShareExpired:
			w.errorf(m, w.t("no match")+": "+w.t("share.bad", rc.Index, shown(sv.Record.Kind)))
			return exitCode(exitFailure)
		}
		fmt.Fprintln(m.Stdout, w.t("shares."+sv.Record.Kind, policy.Recipients.Label(sv.Record.Recipient, w.lang), sv.Record.Time.UTC().Format(time.RFC3339), sv.Index))
	}
	return nil
}

// trusted gathers the keys a person trusts for the log origin: given with
// --key, remembered in known_logs, and published by the log at logURL
// (when given, which also returns its client).
func trusted(ctx context.Context, m *Main, w verifyWords, origin, logURL string, keyArgs []string) (*trust, *logClient, error) {
	tr := &trust{}
	for _, v := range keyArgs {
		keys, err := keysOf(w, v)
		if err != nil {
			return nil, nil, err
		}
		tr.add(keys, trustSource{})
	}
	known, err := loadKnownLogs(knownLogsPath(m.Getenv))
	if err != nil {
		w.errorf(m, w.t("english", opname.Message(err)))
		w.hintf(m, w.t("hint.known"))
		return nil, nil, exitCode(exitInvalid)
	}
	tr.add(known.keys, trustSource{known: known.path})
	var log *logClient
	if logURL != "" {
		log = &logClient{ctx: ctx, w: w, base: strings.TrimSuffix(logURL, "/"), client: &http.Client{Timeout: 15 * time.Second}}
		if err := trustLog(m, w, tr, known, log, origin); err != nil {
			return nil, nil, err
		}
	}
	return tr, log, nil
}

// printFacts writes what the receipt says of the file, after head. The
// receipt's words pass through shown: a receipt someone made up must not
// be able to print lines of its own, such as a "match".
func printFacts(out io.Writer, w verifyWords, v *translog.Verification, head string) {
	rec := v.Record
	switch rec.Kind {
	case translog.KindEdit:
		fmt.Fprintln(out, w.t("facts.edit", head, shown(rec.DerivedFrom)))
	case translog.KindTranscript:
		fmt.Fprintln(out, w.t("facts.transcript", head, shown(rec.RecordingID), shown(rec.DerivedFrom)))
	case translog.KindAgreements:
		fmt.Fprintln(out, w.t("facts.agreements", head))
	default:
		fmt.Fprintln(out, w.t("facts.kind", head, w.kind(rec.Kind), shown(rec.RecordingID)))
	}
	fmt.Fprintln(out, w.t("facts.sha", shown(rec.SHA256), rec.Size, rec.Time.UTC().Format(time.RFC3339)))
	fmt.Fprintln(out, w.t("facts.entry", v.Index, shown(v.Checkpoint.Origin), v.Checkpoint.Size))
}

// shown is s as it can be printed on a terminal: quoted when it holds
// anything but printable characters (line breaks, escapes, controls).
func shown(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// printUntrusted says plainly what a receipt signed by an unknown key
// proves, what it does not, and how to get the key that settles it.
func printUntrusted(out io.Writer, w verifyWords, v *translog.Verification, tr *trust) {
	origin := shown(v.Checkpoint.Origin)
	keyURL := "/api/v1/logs/{slug}/key"
	if slug, ok := strings.CutPrefix(origin, sqldb.LogOrigin); ok {
		keyURL = "/api/v1/logs/" + slug + "/key"
	}
	fmt.Fprintln(out, w.t("untrusted", v.Key.Fingerprint(), origin))
	printFacts(out, w, v, w.t("untrusted.fits"))
	fmt.Fprintln(out, w.t("untrusted.proved"))
	fmt.Fprintln(out, w.t("untrusted.not", origin))
	if others := tr.origins(); len(others) > 0 {
		fmt.Fprintln(out, w.t("untrusted.others", strings.Join(others, ", ")))
	}
	fmt.Fprintln(out, w.t("untrusted.get", keyURL))
	fmt.Fprintln(out, w.t("untrusted.again", v.Key.Fingerprint()))
	fmt.Fprintln(out, w.t("untrusted.log", strings.TrimSuffix(keyURL, "/key")))
}

// trust is the verifier keys a person trusts, with where each came from.
type trust struct {
	keys   []translog.VerifierKey
	source map[string]trustSource // by key text
}

// trustSource is where a trusted key came from: given with --key (the
// zero value), remembered in the known logs file, published by a log.
type trustSource struct {
	known string // the known logs file it is remembered in
	log   string // the address of the log that published it
}

func (t *trust) add(keys []translog.VerifierKey, source trustSource) {
	if t.source == nil {
		t.source = make(map[string]trustSource)
	}
	for _, k := range keys {
		if _, ok := t.source[k.Text]; !ok {
			t.keys = append(t.keys, k)
			t.source[k.Text] = source
		}
	}
}

// origins lists the logs that trusted keys were given for with --key.
func (t *trust) origins() []string {
	var out []string
	seen := make(map[string]bool)
	for _, k := range t.keys {
		if t.source[k.Text] == (trustSource{}) && !seen[k.Origin] {
			seen[k.Origin] = true
			out = append(out, shown(k.Origin))
		}
	}
	return out
}

// describe lists keys by fingerprint and where they came from.
func (t *trust) describe(w verifyWords, keys []translog.VerifierKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%s)", k.Fingerprint(), w.source(t.source[k.Text]))
	}
	return strings.Join(parts, ", ")
}

// keysOf reads the value of --key: a verifier key, or a file of them.
func keysOf(w verifyWords, v string) ([]translog.VerifierKey, error) {
	k, keyErr := translog.ParseVerifierKey(v)
	if keyErr == nil {
		return []translog.VerifierKey{k}, nil
	}
	data, err := readSmall(v)
	switch {
	case errors.Is(err, fs.ErrNotExist) && strings.Count(v, "+") == 2:
		return nil, w.invalid("key.not", v, keyErr)
	case errors.Is(err, fs.ErrNotExist):
		return nil, w.invalid("key.neither", v)
	case err != nil:
		return nil, w.readError("--key", v, err)
	}
	keys, err := translog.ParseVerifierKeys(string(data))
	if err != nil {
		return nil, w.invalid("key.file", v, err)
	}
	if len(keys) == 0 {
		return nil, w.invalid("key.none", v)
	}
	return keys, nil
}

// readSmall reads a file a person gave, refusing more than 1 MiB.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readMiB(f)
}

// readMiB reads r whole, refusing more than 1 MiB.
func readMiB(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 1<<20 {
		return nil, errors.New("larger than 1 MiB")
	}
	return data, nil
}

// trustLog fetches the key the log publishes and checks it against the
// keys trusted for its origin; the first time an origin is seen, the key is
// remembered, like ssh's known_hosts. Afterwards the log's key is trusted.
func trustLog(m *Main, w verifyWords, tr *trust, known *knownLogs, log *logClient, origin string) error {
	body, err := log.get("/key")
	if err != nil {
		return err
	}
	key, err := translog.ParseVerifierKey(string(body))
	if err != nil {
		return w.invalid("log.key", log.base, err)
	}
	if key.Origin != origin {
		w.errorf(m, w.t("no match")+": "+w.t("log.other", shown(origin), log.base, shown(key.Origin)))
		w.hintf(m, w.t("hint.log"))
		return exitCode(exitFailure)
	}
	where := known.path
	if where == "" {
		where = w.t("known.where")
	}
	if trusted := translog.KeysFor(tr.keys, origin); len(trusted) > 0 {
		if _, ok := tr.source[key.Text]; !ok {
			w.errorf(m, w.t("log.key changed", log.base, key.Fingerprint(), shown(origin), tr.describe(w, trusted)))
			w.hintf(m, w.t("hint.key changed", where))
			return exitCode(exitFailure)
		}
	}
	if len(translog.KeysFor(known.keys, origin)) == 0 {
		if err := known.remember(key); err != nil {
			w.warnf(m, w.t("known.once", err))
			tr.add([]translog.VerifierKey{key}, trustSource{log: log.base})
			return nil
		}
		fmt.Fprintln(m.Stdout, w.t("remembered", shown(origin), key.Fingerprint(), known.path))
	}
	tr.add([]translog.VerifierKey{key}, trustSource{log: log.base, known: known.path})
	return nil
}

// logClient fetches from a log's public address.
type logClient struct {
	ctx    context.Context
	w      verifyWords
	base   string
	client *http.Client
}

func (l *logClient) get(path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(l.ctx, "GET", l.base+path, nil)
	if err != nil {
		return nil, l.w.invalid("log.not url", l.base)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: l.w.t("log.silent", l.base), Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, l.w.invalid("log.status", l.base, path, resp.Status)
	}
	return body, nil
}

// checkConsistency fetches the log's current checkpoint and checks that
// the receipt's checkpoint is part of its history.
func checkConsistency(m *Main, w verifyWords, log *logClient, old translog.Checkpoint, trusted []translog.VerifierKey) error {
	signed, err := log.get("/checkpoint")
	if err != nil {
		return err
	}
	cur, err := translog.OpenCheckpointWith(string(signed), trusted)
	if err != nil {
		w.errorf(m, w.t("no match")+": "+w.t("checkpoint", err))
		return exitCode(exitFailure)
	}
	var proof []string
	if cur.Size > old.Size {
		body, err := log.get(fmt.Sprintf("/consistency?from=%d&to=%d", old.Size, cur.Size))
		if err != nil {
			return err
		}
		var p struct{ Proof []string }
		if err := json.Unmarshal(body, &p); err != nil {
			return w.invalid("log.proof")
		}
		proof = p.Proof
	}
	if _, err := translog.CheckConsistency(old, string(signed), trusted, proof); err != nil {
		w.errorf(m, w.t("no match")+": "+w.failure(err))
		return exitCode(exitFailure)
	}
	fmt.Fprintln(m.Stdout, w.t("consistent", cur.Size, old.Size))
	return nil
}
