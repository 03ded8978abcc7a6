package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// runVerify checks a recording against its receipt, offline, and with --log
// also against the log's current checkpoint. Exit 0: match; 1: no match or
// a bad proof; 2: unusable input.
func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := flags("verify")
	receiptPath := fs.String("receipt", "", "the receipt (JSON)")
	logURL := fs.String("log", "", "the log's URL, such as https://opname.example/api/v1/logs/SLUG")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *receiptPath == "" || len(rest) != 1 {
		return usageError{"give --receipt RECEIPT and one FILE"}
	}
	rf, err := os.Open(*receiptPath)
	if err != nil {
		return readError("receipt", *receiptPath, err)
	}
	defer rf.Close()
	rc, err := translog.DecodeReceipt(rf)
	if err != nil {
		return opname.Errorf(opname.Invalid, "receipt %s: %v", *receiptPath, err)
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return readError("file", rest[0], err)
	}
	defer f.Close()
	v, err := rc.Verify(f)
	if err != nil {
		m.errorf("no match: %v", err)
		return exitCode(exitFailure)
	}
	if *logURL != "" {
		if err := checkLog(ctx, m, rc, v.Checkpoint, strings.TrimSuffix(*logURL, "/")); err != nil {
			return err
		}
	}
	rec := v.Record
	switch rec.Kind {
	case translog.KindEdit:
		fmt.Fprintf(m.Stdout, "match: edited, declared, derived from %s\n", rec.DerivedFrom)
	case translog.KindAgreements:
		fmt.Fprintf(m.Stdout, "match: agreements, as recorded\n")
	default:
		fmt.Fprintf(m.Stdout, "match: %s %s\n", rec.Kind, rec.RecordingID)
	}
	fmt.Fprintf(m.Stdout, "sha256 %s, %d bytes, registered %s\n", rec.SHA256, rec.Size, rec.Time.UTC().Format(time.RFC3339))
	fmt.Fprintf(m.Stdout, "entry %d of log %s, in its checkpoint of %d entries\n", rc.Index, v.Checkpoint.Origin, v.Checkpoint.Size)
	return nil
}

// checkLog fetches the log's key and current checkpoint and checks that the
// receipt's checkpoint is part of the log's history.
func checkLog(ctx context.Context, m *Main, rc *translog.Receipt, old translog.Checkpoint, base string) error {
	client := &http.Client{Timeout: 15 * time.Second}
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return nil, opname.Errorf(opname.Invalid, "--log %s: not a URL", base)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--log %s: the log does not answer", base), Err: err}
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusOK {
			return nil, opname.Errorf(opname.Invalid, "--log %s%s: %s", base, path, resp.Status)
		}
		return body, nil
	}
	key, err := get("/key")
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(key)) != rc.VerifierKey {
		m.errorf("no match: the receipt is signed with another key than the log publishes")
		return exitCode(exitFailure)
	}
	signed, err := get("/checkpoint")
	if err != nil {
		return err
	}
	cur, err := translog.OpenCheckpoint(string(signed), rc.VerifierKey)
	if err != nil {
		m.errorf("no match: the log's checkpoint: %v", err)
		return exitCode(exitFailure)
	}
	var proof []string
	if cur.Size > old.Size {
		body, err := get(fmt.Sprintf("/consistency?from=%d&to=%d", old.Size, cur.Size))
		if err != nil {
			return err
		}
		var p struct{ Proof []string }
		if err := json.Unmarshal(body, &p); err != nil {
			return opname.Errorf(opname.Invalid, "--log: the consistency proof is not readable")
		}
		proof = p.Proof
	}
	if _, err := translog.CheckConsistency(old, string(signed), rc.VerifierKey, proof); err != nil {
		m.errorf("no match: %v", err)
		return exitCode(exitFailure)
	}
	fmt.Fprintf(m.Stdout, "the log's current checkpoint (%d entries) is consistent with the receipt's (%d)\n", cur.Size, old.Size)
	return nil
}
