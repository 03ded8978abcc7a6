package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/translog"
)

// runVerify checks a recording against its receipt, offline, and with --log
// also against the log's current checkpoint. It trusts only keys given with
// --key, remembered in known_logs from an earlier --log check, or published
// by the --log now; never the key the receipt carries, which its maker
// chose. Exit 0: match, signed by a trusted key; 1: no match, a bad proof or
// a log whose key changed; 2: unusable input; 3: the file matches the
// receipt, but its signer is not a trusted key.
func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := flags("verify")
	receiptPath := fs.String("receipt", "", "the receipt (JSON)")
	logURL := fs.String("log", "", "the log's URL, such as https://opname.example/api/v1/logs/SLUG")
	var keyArgs []string
	fs.Func("key", "a log's verifier key, or a file of them, one per line (may be repeated)", func(v string) error {
		keyArgs = append(keyArgs, v)
		return nil
	})
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *receiptPath == "" || len(rest) != 1 {
		return usageError{"give --receipt RECEIPT and one FILE"}
	}
	data, err := readSmall(*receiptPath)
	if err != nil {
		return readError("receipt", *receiptPath, err)
	}
	rc, err := translog.DecodeReceipt(strings.NewReader(string(data)))
	if err != nil {
		return opname.Errorf(opname.Invalid, "receipt %s: %v", *receiptPath, err)
	}
	origin := rc.Record.Origin

	tr := &trust{}
	for _, v := range keyArgs {
		keys, err := keysOf(v)
		if err != nil {
			return err
		}
		tr.add(keys, "given with --key")
	}
	known, err := loadKnownLogs(knownLogsPath(m.Getenv))
	if err != nil {
		m.errorf("%s", opname.Message(err))
		m.hintf("each line of that file is one log's verifier key; correct or remove the line")
		return exitCode(exitInvalid)
	}
	tr.add(known.keys, "remembered in "+known.path)

	var log *logClient
	if *logURL != "" {
		log = &logClient{ctx: ctx, base: strings.TrimSuffix(*logURL, "/"), client: &http.Client{Timeout: 15 * time.Second}}
		if err := trustLog(m, tr, known, log, origin); err != nil {
			return err
		}
	}

	f, err := os.Open(rest[0])
	if err != nil {
		return readError("file", rest[0], err)
	}
	defer f.Close()
	v, err := rc.Verify(f, tr.keys)
	switch {
	case errors.Is(err, translog.ErrUntrusted):
		printUntrusted(m.Stdout, v, tr)
		return exitCode(exitUntrusted)
	case err != nil:
		m.errorf("no match: %v", err)
		if trusted := translog.KeysFor(tr.keys, origin); errors.Is(err, translog.ErrOtherSigner) {
			m.hintf("you trust %s for log %s; a receipt signed with another key was not made by that log", tr.describe(trusted), shown(origin))
		}
		return exitCode(exitFailure)
	}
	printFacts(m.Stdout, v, "match")
	fmt.Fprintf(m.Stdout, "signed by the key of log %s, fingerprint %s, %s\n", shown(v.Key.Origin), v.Key.Fingerprint(), tr.source[v.Key.Text])
	if log != nil {
		return checkConsistency(m, log, v.Checkpoint, tr.keys)
	}
	return nil
}

// printFacts writes what the receipt says of the file, after head. The
// receipt's words pass through shown: a receipt someone made up must not
// be able to print lines of its own, such as a "match".
func printFacts(w io.Writer, v *translog.Verification, head string) {
	rec := v.Record
	switch rec.Kind {
	case translog.KindEdit:
		fmt.Fprintf(w, "%s: edited, declared, derived from %s\n", head, shown(rec.DerivedFrom))
	case translog.KindAgreements:
		fmt.Fprintf(w, "%s: agreements, as recorded\n", head)
	default:
		fmt.Fprintf(w, "%s: %s %s\n", head, shown(rec.Kind), shown(rec.RecordingID))
	}
	fmt.Fprintf(w, "sha256 %s, %d bytes, registered %s\n", shown(rec.SHA256), rec.Size, rec.Time.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "entry %d of log %s, in its checkpoint of %d entries\n", v.Index, shown(v.Checkpoint.Origin), v.Checkpoint.Size)
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
func printUntrusted(w io.Writer, v *translog.Verification, tr *trust) {
	origin := shown(v.Checkpoint.Origin)
	keyURL := "/api/v1/logs/{slug}/key"
	if slug, ok := strings.CutPrefix(origin, sqldb.LogOrigin); ok {
		keyURL = "/api/v1/logs/" + slug + "/key"
	}
	fmt.Fprintf(w, "NOT VERIFIED: who signed this receipt. Its key, fingerprint %s, is not a key you trust for log %s.\n", v.Key.Fingerprint(), origin)
	printFacts(w, v, "the file matches the receipt")
	fmt.Fprintf(w, "proved: the file is exactly the file the receipt describes, and the receipt's proof fits its own key.\n")
	fmt.Fprintf(w, "not proved: that log %s holds this entry. Anyone can make a receipt like this with a key of their own.\n", origin)
	if others := tr.origins(); len(others) > 0 {
		fmt.Fprintf(w, "the keys you trust are for other logs: %s\n", strings.Join(others, ", "))
	}
	fmt.Fprintf(w, "to prove it: get the organisation's key from its opname server at %s (its receipt page shows the fingerprint too).\n", keyURL)
	fmt.Fprintf(w, "If its fingerprint is %s, run again with --key and that key (or a file holding it),\n", v.Key.Fingerprint())
	fmt.Fprintf(w, "or with --log https://SERVER%s, which also remembers the key for later checks.\n", strings.TrimSuffix(keyURL, "/key"))
}

// trust is the verifier keys a person trusts, with where each came from.
type trust struct {
	keys   []translog.VerifierKey
	source map[string]string // key text → "given with --key", …
}

func (t *trust) add(keys []translog.VerifierKey, source string) {
	if t.source == nil {
		t.source = make(map[string]string)
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
		if t.source[k.Text] == "given with --key" && !seen[k.Origin] {
			seen[k.Origin] = true
			out = append(out, shown(k.Origin))
		}
	}
	return out
}

// describe lists keys by fingerprint and where they came from.
func (t *trust) describe(keys []translog.VerifierKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%s)", k.Fingerprint(), t.source[k.Text])
	}
	return strings.Join(parts, ", ")
}

// keysOf reads the value of --key: a verifier key, or a file of them.
func keysOf(v string) ([]translog.VerifierKey, error) {
	k, keyErr := translog.ParseVerifierKey(v)
	if keyErr == nil {
		return []translog.VerifierKey{k}, nil
	}
	data, err := readSmall(v)
	switch {
	case errors.Is(err, fs.ErrNotExist) && strings.Count(v, "+") == 2:
		return nil, opname.Errorf(opname.Invalid, "--key %q: %v", v, keyErr)
	case errors.Is(err, fs.ErrNotExist):
		return nil, opname.Errorf(opname.Invalid, "--key %q: neither a verifier key (ORIGIN+HASH+KEY) nor a file", v)
	case err != nil:
		return nil, readError("--key", v, err)
	}
	keys, err := translog.ParseVerifierKeys(string(data))
	if err != nil {
		return nil, opname.Errorf(opname.Invalid, "--key %s: %v", v, err)
	}
	if len(keys) == 0 {
		return nil, opname.Errorf(opname.Invalid, "--key %s: the file holds no verifier key", v)
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
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
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
func trustLog(m *Main, tr *trust, known *knownLogs, log *logClient, origin string) error {
	body, err := log.get("/key")
	if err != nil {
		return err
	}
	key, err := translog.ParseVerifierKey(string(body))
	if err != nil {
		return opname.Errorf(opname.Invalid, "--log %s/key: %v", log.base, err)
	}
	if key.Origin != origin {
		m.errorf("no match: the receipt is from log %s, but %s is log %s", shown(origin), log.base, shown(key.Origin))
		m.hintf("give --log the address of the log that made the receipt, https://SERVER/api/v1/logs/SLUG")
		return exitCode(exitFailure)
	}
	if trusted := translog.KeysFor(tr.keys, origin); len(trusted) > 0 {
		if _, ok := tr.source[key.Text]; !ok {
			m.errorf("the log at %s publishes key %s for %s, but you trust %s", log.base, key.Fingerprint(), shown(origin), tr.describe(trusted))
			m.hintf("a log's key does not change. If the organisation confirms that it changed its key, remove the old key from %s (or from --key) and run again", known.where())
			return exitCode(exitFailure)
		}
	}
	if len(translog.KeysFor(known.keys, origin)) == 0 {
		if err := known.remember(key); err != nil {
			fmt.Fprintf(m.Stderr, "opname: warning: the log's key is trusted for this check only: %v\n", err)
			tr.add([]translog.VerifierKey{key}, "published by the log at "+log.base)
			return nil
		}
		fmt.Fprintf(m.Stdout, "remembered the key of log %s, fingerprint %s, in %s\n", shown(origin), key.Fingerprint(), known.path)
	}
	tr.add([]translog.VerifierKey{key}, "published by the log at "+log.base+", remembered in "+known.path)
	return nil
}

// logClient fetches from a log's public address.
type logClient struct {
	ctx    context.Context
	base   string
	client *http.Client
}

func (l *logClient) get(path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(l.ctx, "GET", l.base+path, nil)
	if err != nil {
		return nil, opname.Errorf(opname.Invalid, "--log %s: not a URL", l.base)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--log %s: the log does not answer", l.base), Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, opname.Errorf(opname.Invalid, "--log %s%s: %s", l.base, path, resp.Status)
	}
	return body, nil
}

// checkConsistency fetches the log's current checkpoint and checks that
// the receipt's checkpoint is part of its history.
func checkConsistency(m *Main, log *logClient, old translog.Checkpoint, trusted []translog.VerifierKey) error {
	signed, err := log.get("/checkpoint")
	if err != nil {
		return err
	}
	cur, err := translog.OpenCheckpointWith(string(signed), trusted)
	if err != nil {
		m.errorf("no match: the log's current checkpoint: %v", err)
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
			return opname.Errorf(opname.Invalid, "--log: the consistency proof is not readable")
		}
		proof = p.Proof
	}
	if _, err := translog.CheckConsistency(old, string(signed), trusted, proof); err != nil {
		m.errorf("no match: %v", err)
		return exitCode(exitFailure)
	}
	fmt.Fprintf(m.Stdout, "the log's current checkpoint (%d entries) is consistent with the receipt's (%d)\n", cur.Size, old.Size)
	return nil
}
