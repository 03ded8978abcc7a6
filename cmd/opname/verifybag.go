package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/opname/opname/bagit"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/translog"
)

// verifyBag checks an evidence bundle (package evidence) with the trust
// rules of verify: every line of both manifests against its file, every
// receipt in data/receipts/ against the file it names, and the signature
// of the checkpoint in data/log/. The verifier key in the bundle only says
// which log it is of; it is never trusted by itself. Exit 0: everything
// matches and a trusted key signed it; 1: something does not match (each
// named); 2: not a bundle; 3: everything fits together, but only with the
// bundle's own key.
func verifyBag(ctx context.Context, m *Main, w verifyWords, path, logURL string, keyArgs []string) error {
	f, err := os.Open(path)
	if err != nil {
		return w.readError("bag", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return w.readError("bag", path, err)
	}
	bag, err := bagit.Open(f, st.Size())
	if err != nil {
		return w.invalid("bag.not a bag", path, err)
	}
	var problems []string
	fail := func(key string, args ...any) { problems = append(problems, w.t(key, args...)) }
	for _, p := range bag.Verify() {
		fail("bag."+p.Code, shown(p.File), shown(p.Detail))
	}

	// The bundle's key names the log; the receipts' entries must be of it.
	var bagKey translog.VerifierKey
	if text, err := readBag(bag, bagLogKey); err != nil {
		fail("bag.no key", bagLogKey)
	} else if bagKey, err = translog.ParseVerifierKey(strings.TrimSpace(string(text))); err != nil {
		fail("bag.bad key", bagLogKey, err)
	}
	origin := bagKey.Origin
	var receipts []string
	for _, name := range bag.Files() {
		if strings.HasPrefix(name, bagReceipts) && strings.HasSuffix(name, ".json") {
			receipts = append(receipts, name)
		}
	}
	if origin == "" && len(receipts) > 0 {
		if data, err := readBag(bag, receipts[0]); err == nil {
			if rc, err := translog.DecodeReceipt(strings.NewReader(string(data))); err == nil {
				origin = rc.Record.Origin
			}
		}
	}
	if origin == "" {
		w.errorf(m, w.t("no match")+": "+strings.Join(problems, "; "))
		return exitCode(exitFailure)
	}
	tr, log, err := trusted(ctx, m, w, origin, logURL, keyArgs)
	if err != nil {
		return err
	}
	isTrusted := len(translog.KeysFor(tr.keys, origin)) > 0
	keys := tr.keys
	if !isTrusted && bagKey.Text != "" {
		keys = []translog.VerifierKey{bagKey}
	}

	// Every receipt against its file; every recording, edit and agreement
	// has one.
	hasReceipt := map[string]bool{}
	var matched []string
	for _, name := range receipts {
		target := "data/" + strings.TrimSuffix(strings.TrimPrefix(name, bagReceipts), ".json")
		hasReceipt[target] = true
		data, err := readBag(bag, name)
		if err != nil {
			fail("bag.unreadable", shown(name), err)
			continue
		}
		rc, err := translog.DecodeReceipt(strings.NewReader(string(data)))
		if err != nil {
			fail("bag.bad receipt", shown(name), err)
			continue
		}
		if rc.Record.Origin != origin {
			fail("bag.other log", shown(name), shown(rc.Record.Origin), shown(origin))
			continue
		}
		if !bag.Has(target) {
			fail("bag.receipt for", shown(name), shown(target))
			continue
		}
		r, err := bag.Open(target)
		if err != nil {
			fail("bag.unreadable", shown(target), err)
			continue
		}
		_, err = rc.Verify(r, keys)
		r.Close()
		if err != nil && !errors.Is(err, translog.ErrUntrusted) {
			fail("bag.receipt", shown(target), shown(name), w.failure(err))
			continue
		}
		matched = append(matched, target)
	}
	for _, name := range bag.Files() {
		needs := strings.HasPrefix(name, "data/recordings/") || strings.HasPrefix(name, "data/agreements/") ||
			(strings.HasPrefix(name, "data/edits/") && !strings.HasSuffix(name, ".statement.json"))
		if needs && !hasReceipt[name] {
			fail("bag.no receipt", shown(name), bagReceipts)
		}
	}

	// The checkpoint's signature.
	var cp translog.Checkpoint
	if signed, err := readBag(bag, bagCheckpoint); err != nil {
		fail("bag.no checkpoint", bagCheckpoint)
	} else if isTrusted {
		if cp, err = translog.OpenCheckpointWith(string(signed), keys); err != nil {
			fail("bag.checkpoint", bagCheckpoint, err)
		}
	} else if bagKey.Text != "" {
		if cp, err = translog.OpenCheckpoint(string(signed), bagKey.Text); err != nil {
			fail("bag.checkpoint", bagCheckpoint, err)
		}
	}

	for _, name := range matched {
		fmt.Fprintln(m.Stdout, w.t("bag.ok", shown(name)))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, w.t("no match")+": "+p)
		}
		w.errorf(m, w.t("bag.summary.bad", len(problems)))
		return exitCode(exitFailure)
	}
	if !isTrusted {
		fmt.Fprintln(m.Stdout, w.t("bag.untrusted", bagKey.Fingerprint(), shown(origin)))
		keyURL := "/api/v1/logs/{slug}/key"
		if slug, ok := strings.CutPrefix(origin, sqldb.LogOrigin); ok {
			keyURL = "/api/v1/logs/" + slug + "/key"
		}
		fmt.Fprintln(m.Stdout, w.t("untrusted.get", keyURL))
		fmt.Fprintln(m.Stdout, w.t("untrusted.again", bagKey.Fingerprint()))
		fmt.Fprintln(m.Stdout, w.t("untrusted.log", strings.TrimSuffix(keyURL, "/key")))
		return exitCode(exitUntrusted)
	}
	fmt.Fprintln(m.Stdout, w.t("bag.summary.ok", len(bag.Files()), len(matched), shown(cp.Origin), cp.Size))
	signer := translog.KeysFor(tr.keys, origin)[0]
	fmt.Fprintln(m.Stdout, w.t("signed", shown(origin), signer.Fingerprint(), w.source(tr.source[signer.Text])))
	if log != nil {
		return checkConsistency(m, w, log, cp, tr.keys)
	}
	return nil
}

// Where an evidence bundle keeps its receipts, key and checkpoint.
const (
	bagReceipts   = "data/receipts/"
	bagLogKey     = "data/log/verifier-key.txt"
	bagCheckpoint = "data/log/checkpoint.txt"
)

// readBag reads a small file of a bag.
func readBag(b *bagit.Bag, name string) ([]byte, error) {
	r, err := b.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readMiB(r)
}
