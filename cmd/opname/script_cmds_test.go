package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the commands scripts have besides opname itself: a real
// opname server with an organisation's log, and what a person would
// otherwise do with a browser or curl.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"logserver": cmdLogServer,
	"register":  cmdRegister,
	"forge":     cmdForge,
	"fetch":     cmdFetch,
	"exits":     cmdExits,
	"exitcode":  exitcodeCmd,
}

// scriptLog is the server a script started, kept in the script's values.
type scriptLog struct {
	s   *server
	org *opname.Organisation
}

// scriptSetup gives each script a place for its server.
func scriptSetup(e *testscript.Env) error {
	e.Values[scriptLog{}] = &scriptLog{}
	return nil
}

// logserver SLUG starts an opname server on SQLite with an organisation
// SLUG, and sets $LOG to its log's public address.
func cmdLogServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: logserver SLUG")
	}
	cfg := &config{Addr: "127.0.0.1:0", Data: ts.MkAbs(".server")}
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts.Check(err)
	ts.Defer(func() { s.Close() })
	org := &opname.Organisation{Slug: args[0], Name: "Organisatie " + args[0], Policy: opname.PolicyVersion{Name: "ombudsman", Shipped: "ombudsman", Digest: "sha256:1", Text: "x"}}
	ts.Check(s.db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), org))
	l := ts.Value(scriptLog{}).(*scriptLog)
	l.s, l.org = s, org
	ts.Setenv("LOG", s.URL+"/api/v1/logs/"+args[0])
}

// register FILE RECEIPT registers FILE as a recording in the log of the
// server logserver started, and writes its receipt as the upload's answer
// gives it.
func cmdRegister(ts *testscript.TestScript, neg bool, args []string) {
	l := ts.Value(scriptLog{}).(*scriptLog)
	if neg || len(args) != 2 || l.s == nil {
		ts.Fatalf("usage: register FILE RECEIPT, after logserver")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	sum := sha256.Sum256(data)
	ctx := context.Background()
	idx, err := l.s.db.Append(ctx, l.org.ID, translog.Entry{Kind: translog.KindRecording, RecordingID: "rec-" + args[0], SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Time: time.Now()})
	ts.Check(err)
	rc, err := l.s.db.Receipt(ctx, l.org.ID, idx)
	ts.Check(err)
	writeJSONFile(ts, args[1], rc)
}

// forge ORIGIN FILE RECEIPT [KEY] makes what anyone can make: a receipt
// for FILE in a log that claims to be ORIGIN, signed with a key made just
// now (written to KEY).
func cmdForge(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: forge ORIGIN FILE RECEIPT [KEY]")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	rc, vkey, err := forgeReceipt(args[0], "rec-1", data)
	ts.Check(err)
	writeJSONFile(ts, args[2], rc)
	if len(args) == 4 {
		ts.Check(os.WriteFile(ts.MkAbs(args[3]), []byte(vkey+"\n"), 0o600))
	}
}

// forgeReceipt makes a receipt for data, registered as recording id, as
// the only entry of a log named origin, signed with a fresh key; it
// returns the key's verifier too.
func forgeReceipt(origin, id string, data []byte) (*translog.Receipt, string, error) {
	sum := sha256.Sum256(data)
	return signedReceipt(rand.Reader, translog.Entry{Kind: translog.KindRecording, RecordingID: id, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Time: time.Now(), Origin: origin})
}

// signedReceipt makes a receipt for e as the only entry of a log named
// e.Origin, signed with a key made from random.
func signedReceipt(random io.Reader, e translog.Entry) (*translog.Receipt, string, error) {
	signer, verifier, err := translog.NewKey(random, e.Origin)
	if err != nil {
		return nil, "", err
	}
	entry, err := e.Encode()
	if err != nil {
		return nil, "", err
	}
	// A log of one entry stores one hash, which is its root.
	hashes := []tlog.Hash{tlog.RecordHash(entry)}
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(hashes)) {
				return nil, errors.New("no such hash")
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
	signed, err := translog.Sign(translog.Checkpoint{Origin: e.Origin, Size: 1, Root: hashes[0]}, signer)
	if err != nil {
		return nil, "", err
	}
	rc, err := translog.NewReceipt(entry, 0, signed, verifier, r)
	return rc, verifier, err
}

func writeJSONFile(ts *testscript.TestScript, name string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(name), data, 0o600))
}

// fetch URL FILE saves what URL answers, as curl would.
func cmdFetch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fetch URL FILE")
	}
	resp, err := http.Get(args[0])
	ts.Check(err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("fetch %s: %s", args[0], resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o600))
}

// exits CODE PROGRAM [ARGS...] runs a program like exec and checks that it
// ends with exactly CODE.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
