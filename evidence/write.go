package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/bagit"
	"github.com/opname/opname/workflow"
)

// bagWriter writes the parts every bundle is made of: the evidence bundle
// of a share and the client's own download (ClientData) alike.
type bagWriter struct {
	ctx context.Context
	bag *bagit.Writer
	src Source
}

func (w *bagWriter) add(name string, r io.Reader, compress bool) error {
	_, err := w.bag.Add(name, r, compress)
	return err
}

func (w *bagWriter) addJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("evidence: %s: %w", name, err)
	}
	return w.add(name, bytes.NewReader(append(data, '\n')), true)
}

// receipt adds the receipt of the bag's file name: the proof of its log
// entry at index.
func (w *bagWriter) receipt(name string, index int64) error {
	rc, err := w.src.Receipt(w.ctx, index)
	if err != nil {
		return err
	}
	return w.addJSON(receiptOf(name), rc)
}

// receiptOf is where the receipt of the bag's file name goes.
func receiptOf(name string) string { return "receipts/" + name + ".json" }

// recordingName is where a recording, a declared edit or a transcript
// goes in the bag.
func recordingName(rec *opname.Recording) string {
	dir := "recordings/"
	switch {
	case rec.Kind == opname.KindTranscript:
		dir = "transcripts/"
	case rec.DerivedFrom != "":
		dir = "edits/"
	}
	return dir + rec.ID + extension(rec.MediaType)
}

// recording streams a recording (decrypted, never whole in memory) into
// the bag with its receipt, and a declared edit's statement; it returns
// the file's name in the bag.
func (w *bagWriter) recording(rec *opname.Recording) (string, error) {
	name := recordingName(rec)
	r, err := w.src.OpenRecording(w.ctx, rec.ID)
	if err != nil {
		return "", err
	}
	n, err := w.bag.Add(name, r, false)
	r.Close()
	if err != nil {
		return "", err
	}
	if n != rec.Size {
		return "", fmt.Errorf("evidence: recording %s: %d bytes read, %d registered", rec.ID, n, rec.Size)
	}
	if rec.Kind != opname.KindTranscript && rec.DerivedFrom != "" {
		if err := w.addJSON("edits/"+rec.ID+".statement.json", editOf(rec)); err != nil {
			return "", err
		}
	}
	return name, w.receipt(name, rec.LogIndex)
}

// part adds a request's agreements and written decision (as p says), and
// its every decision and answer.
func (w *bagWriter) part(p part) error {
	r := p.r
	if p.agreements {
		name := "agreements/" + r.ID + ".txt"
		if err := w.add(name, bytes.NewReader(workflow.AgreementText(p.conv, r, r.Agreement)), true); err != nil {
			return err
		}
		if err := w.receipt(name, r.Agreement.LogIndex); err != nil {
			return err
		}
	}
	if p.decision {
		var buf bytes.Buffer
		if err := w.src.DecisionPDF(w.ctx, r, &buf); err != nil {
			return err
		}
		if err := w.add("decisions/"+r.ID+".pdf", &buf, false); err != nil {
			return err
		}
		if err := w.addJSON("decisions/"+r.ID+".json", decisionOf(r)); err != nil {
			return err
		}
	}
	history, err := w.src.RequestDecisions(w.ctx, r.ID)
	if err != nil {
		return err
	}
	if err := w.addJSON("requests/"+r.ID+".json", requestOf(r, history)); err != nil {
		return err
	}
	return w.addJSON("consents/"+r.ID+".json", consentsOf(p.conv, r))
}

// log adds the organisation's verifier key, a signed checkpoint of its log
// and the client's access-log records about objects (nil: all of them),
// and returns the key.
func (w *bagWriter) log(clientID string, objects []Object) (string, error) {
	signed, key, err := w.src.Checkpoint(w.ctx)
	if err != nil {
		return "", err
	}
	if err := w.add("log/verifier-key.txt", strings.NewReader(key+"\n"), true); err != nil {
		return "", err
	}
	if err := w.add("log/checkpoint.txt", strings.NewReader(signed), true); err != nil {
		return "", err
	}
	// The records stream into the bag through a pipe: a client's log can
	// be longer than memory.
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := bufio.NewWriterSize(pw, 64<<10)
		enc := json.NewEncoder(buf)
		err := w.src.AccessLog(w.ctx, clientID, objects, func(e opname.AccessEvent) error {
			e.ClientName = "" // not part of the record, nor of its hash
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("evidence: access log: %w", err)
			}
			return nil
		})
		if err == nil {
			err = buf.Flush()
		}
		pw.CloseWithError(err)
	}()
	err = w.add("log/access-log.jsonl", pr, true)
	// Whatever stopped the bag, the reading ends before Write returns.
	pr.CloseWithError(io.ErrClosedPipe)
	<-done
	return key, err
}
