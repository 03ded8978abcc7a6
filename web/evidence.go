package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/evidence"
	"github.com/opname/opname/pdf"
	"github.com/opname/opname/translog"
)

// The evidence bundle of a share (package evidence): one zip that a
// complaints committee or a court checks with `opname verify --bag`. The
// staff page and the API give the same download.

// evidenceSource is the bundle's Source over the server's store and vault.
// The share request is read (and logged) as any read; what the bundle then
// reads is part of the export, which Exported records for every object
// before a byte is written (opname.ForAct, the named waiver).
type evidenceSource struct {
	s *Server
	r *http.Request // for the decision PDF's language and time zone
}

var _ evidence.Source = evidenceSource{}

func (e evidenceSource) Organisation(ctx context.Context) (*opname.Organisation, error) {
	return e.s.Store.Organisation(ctx)
}

func (e evidenceSource) Client(ctx context.Context, id string) (*opname.Client, error) {
	return e.s.Store.Client(opname.ForAct(ctx), id)
}

func (e evidenceSource) Request(ctx context.Context, id string) (*opname.Request, error) {
	return e.s.Store.Request(ctx, id)
}

func (e evidenceSource) Conversation(ctx context.Context, id string) (*opname.Conversation, error) {
	return e.s.Store.Conversation(opname.ForAct(ctx), id)
}

func (e evidenceSource) RequestDecisions(ctx context.Context, id string) ([]opname.StoredDecision, error) {
	return e.s.Store.RequestDecisions(opname.ForAct(ctx), id)
}

// Recording reads a recording, or a transcript when no recording has id.
func (e evidenceSource) Recording(ctx context.Context, id string) (*opname.Recording, error) {
	rec, _, err := e.s.Store.Recording(opname.ForAct(ctx), id)
	if opname.KindOf(err) == opname.NotFound {
		rec, _, err = e.s.Store.Transcript(opname.ForAct(ctx), id)
	}
	return rec, err
}

// OpenRecording streams the decrypted recording: a section reader over
// the vault's random-access plaintext, which decrypts chunk by chunk.
func (e evidenceSource) OpenRecording(ctx context.Context, id string) (io.ReadCloser, error) {
	o, err := e.s.Vault.OpenForAct(ctx, id)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(o.Content, 0, o.Size), o}, nil
}

func (e evidenceSource) Receipt(ctx context.Context, index int64) (*translog.Receipt, error) {
	return e.s.Store.Receipt(ctx, actor(e.r).OrgID, index)
}

func (e evidenceSource) Checkpoint(ctx context.Context) (string, string, error) {
	org, err := e.s.Store.Organisation(ctx)
	if err != nil {
		return "", "", err
	}
	return e.s.Store.LatestCheckpoint(ctx, org.Slug)
}

func (e evidenceSource) DecisionPDF(ctx context.Context, req *opname.Request, w io.Writer) error {
	c, err := e.s.Store.Conversation(opname.ForAct(ctx), req.ConversationID)
	if err != nil {
		return err
	}
	client, err := e.s.Store.Client(opname.ForAct(ctx), req.ClientID)
	if err != nil {
		return err
	}
	d, err := e.s.requestDoc(e.r.WithContext(opname.ForAct(ctx)), req, c, client, true)
	if err != nil {
		return err
	}
	return pdf.Render(w, pdfOf(d, lang(e.r)))
}

func (e evidenceSource) Exported(ctx context.Context, clientID, purpose string, objects []evidence.Object) error {
	events := make([]opname.AccessEvent, len(objects))
	for i, o := range objects {
		events[i] = opname.AccessEvent{Action: opname.AccessExport, ClientID: clientID, ObjectType: o.Type, ObjectID: o.ID, Purpose: purpose}
	}
	return e.s.Store.Record(ctx, events...)
}

// AccessLog calls each with the client's access-log records about the
// objects (nil: all of them), oldest first, as the store reads them.
func (e evidenceSource) AccessLog(ctx context.Context, clientID string, objects []evidence.Object, each func(opname.AccessEvent) error) error {
	return e.s.Store.ClientAccessEach(ctx, clientID, func(ev opname.AccessEvent) error {
		if objects == nil || slices.ContainsFunc(objects, func(o evidence.Object) bool { return o.Type == ev.ObjectType && o.ID == ev.ObjectID }) {
			return each(ev)
		}
		return nil
	})
}

// evidenceBundle answers the evidence bundle of a share request as a zip
// download, made as it is sent. Whatever refuses it (not a share, not
// ready, not found) is answered before the first byte.
func (s *Server) evidenceBundle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	b, err := evidence.Prepare(ctx, evidenceSource{s: s, r: r}, r.PathValue("id"), evidence.Options{Now: time.Now(), By: a.Name})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Making the bundle is a share: it is in the log before a byte goes.
	if err := s.Store.LogBundle(ctx, r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bewijsmap-%s.zip"`, r.PathValue("id")))
	cw := &countingWriter{w: w}
	if err := b.Write(ctx, cw); err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			s.Error(w, r, err)
			return
		}
		// Headers are gone: the zip is cut short, which its reader sees.
		s.Logger.ErrorContext(ctx, "evidence bundle cut short", "request_id", requestID(ctx), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// countingWriter counts what went to the client, to know whether an error
// can still be answered as one.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
