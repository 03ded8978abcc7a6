package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
)

// Transcripts: a text, PDF or WebVTT file of what was said in a
// recording, attached by whoever made it — staff on the recording's page
// or through the API, a party through their personal link — and shown,
// downloaded and receipted beside the recording. The vault seals, logs and
// checks it; the store logs every read.

// transcriptView is a transcript as a page shows it.
type transcriptView struct {
	ID, Type, When, SizeText, By string
	Erased                       bool
	// Content and Receipt are where it and its receipt download.
	Content, Receipt string
}

// transcriptType names a transcript's media type for people.
func transcriptType(l, media string) string {
	return translate(l, "transcript.type."+media)
}

// transcriptViews are ts as a page in the staff's area (prefix
// "/api/v1/transcripts/") or the link's ("/l/transcripten/") shows them.
func (s *Server) transcriptViews(r *http.Request, ts []opname.Recording, link bool) []transcriptView {
	l := lang(r)
	out := make([]transcriptView, 0, len(ts))
	for _, t := range ts {
		v := transcriptView{ID: t.ID, Type: transcriptType(l, t.MediaType), When: s.when(r, t.CreatedAt), SizeText: sizeText(t.Size, l),
			By: translate(l, "transcript.by."+t.Source), Erased: t.ErasedAt != nil}
		id := url.PathEscape(t.ID)
		if link {
			v.Content, v.Receipt = "/l/transcripten/"+id+"/inhoud", "/l/transcripten/"+id+"/bewijs"
		} else {
			v.Content, v.Receipt = "/api/v1/transcripts/"+id+"/content", "/api/v1/transcripts/"+id+"/receipt"
		}
		out = append(out, v)
	}
	return out
}

// apiAddTranscript attaches a transcript to a recording: the request's
// body is the file.
func (s *Server) apiAddTranscript(w http.ResponseWriter, r *http.Request) {
	release, err := s.receive(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer release()
	up := vault.Upload{DerivedFrom: r.PathValue("id"), Source: "organisation", SHA256: r.Header.Get("X-Content-SHA256"), Body: http.MaxBytesReader(w, r.Body, s.Vault.MaxTranscriptSize()+1)}
	tr, receipt, err := s.addTranscript(context.WithoutCancel(r.Context()), up)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"transcript": tr, "receipt": receipt})
}

// addTranscript stores a transcript and returns it with its receipt.
func (s *Server) addTranscript(ctx context.Context, up vault.Upload) (*opname.Recording, any, error) {
	tr, err := s.Vault.IngestTranscript(ctx, up)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = opname.Invalidf("file", "transcript.too_large", "the transcript is larger than the limit of %d bytes", s.Vault.MaxTranscriptSize())
		}
		return nil, nil, err
	}
	receipt, err := s.Store.Receipt(ctx, tr.OrgID, tr.LogIndex)
	if err != nil {
		return nil, nil, err
	}
	return tr, receipt, nil
}

// apiTranscripts lists a recording's transcripts.
func (s *Server) apiTranscripts(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.Transcripts(r.Context(), r.PathValue("id")) })
}

// apiTranscriptReceipt is a transcript's receipt, for `opname verify`.
func (s *Server) apiTranscriptReceipt(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		t, _, err := s.Store.Transcript(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.Store.Receipt(r.Context(), t.OrgID, t.LogIndex)
	})
}

// transcriptExt is the file name extension of a transcript's type.
var transcriptExt = map[string]string{"text/plain": "txt", "application/pdf": "pdf", "text/vtt": "vtt"}

// apiTranscriptContent downloads a transcript; the store logs it as a
// copy.
func (s *Server) apiTranscriptContent(w http.ResponseWriter, r *http.Request) {
	o, err := s.Vault.OpenTranscript(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer o.Close()
	t := o.Recording
	ct := t.MediaType
	if ct != "application/pdf" {
		ct = mime.FormatMediaType(ct, map[string]string{"charset": "utf-8"})
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="transcript-%s.%s"`, t.ID, transcriptExt[t.MediaType]))
	http.ServeContent(w, r, "", t.CreatedAt, readSeeker(o))
}

// readTranscriptForm reads a transcript form (multipart, field "bestand")
// and stores the file as it streams in: nothing of it is kept on disk or
// in memory beforehand. A form without a file is Invalid.
func (s *Server) readTranscriptForm(w http.ResponseWriter, r *http.Request, up vault.Upload) (*opname.Recording, error) {
	release, err := s.receive(r)
	if err != nil {
		return nil, err
	}
	defer release()
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(30 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, s.Vault.MaxTranscriptSize()+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, opname.Invalidf("file", "transcript.no_file", "choose a file")
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, opname.Invalidf("file", "transcript.no_file", "choose a file")
		}
		if err != nil {
			return nil, opname.Invalidf("file", "transcript.no_file", "choose a file")
		}
		if p.FormName() != "bestand" {
			continue
		}
		if p.FileName() == "" {
			return nil, opname.Invalidf("file", "transcript.no_file", "choose a file")
		}
		up.Body = p
		tr, _, err := s.addTranscript(context.WithoutCancel(r.Context()), up)
		return tr, err
	}
}

// transcriptForm attaches a transcript to a recording, from its page.
func (s *Server) transcriptForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	_, err := s.readTranscriptForm(w, r, vault.Upload{DerivedFrom: id, Source: "organisation"})
	if err == nil {
		http.Redirect(w, r, "/opnames/"+url.PathEscape(id)+"?transcript=1#transcripten", http.StatusSeeOther)
		return
	}
	if k := opname.KindOf(err); k != opname.Invalid && k != opname.Conflict {
		s.Error(w, r, err)
		return
	}
	s.showRecording(w, r, statusOf(err), formMessage(lang(r), err, labelsOf(lang(r), "file", "transcript.file")))
}

// linkTranscriptForm attaches a transcript through a personal link, to a
// recording of a conversation the holder took part in; it is theirs.
func (s *Server) linkTranscriptForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	_, err := s.readTranscriptForm(w, r, vault.Upload{DerivedFrom: id, Source: actor(r).Party})
	if err == nil {
		http.Redirect(w, r, "/l/opnames/"+url.PathEscape(id)+"?transcript=1#transcripten", http.StatusSeeOther)
		return
	}
	if k := opname.KindOf(err); k != opname.Invalid && k != opname.Conflict {
		s.Error(w, r, err)
		return
	}
	s.showLinkRecording(w, r, statusOf(err), formMessage(lang(r), err, labelsOf(lang(r), "file", "transcript.file")))
}

// linkTranscripts adds to lr the transcripts of its recording, and
// whether the holder may attach one: they took part in its conversation.
func (s *Server) linkTranscripts(r *http.Request, lr *linkRecording, c *opname.Conversation) error {
	ts, err := s.Store.Transcripts(r.Context(), lr.ID)
	if err != nil {
		return err
	}
	for _, t := range s.transcriptViews(r, ts, true) {
		if !t.Erased {
			lr.Transcripts = append(lr.Transcripts, t)
		}
	}
	if c != nil && lr.ErasedAt == nil {
		_, lr.CanTranscribe = workflow.HolderIndex(c, actor(r))
	}
	if r.URL.Query().Get("transcript") == "1" {
		lr.TranscriptAdded = true
	}
	return nil
}
