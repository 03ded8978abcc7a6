package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// Recordings: a plain one-request upload for small files and API clients,
// playback and download with HTTP Range, and the receipt.

func (s *Server) apiUploadRecording(w http.ResponseWriter, r *http.Request) {
	release, err := s.receive(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer release()
	// An upload may take long over a slow line; the server's read timeout
	// is for everything else.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(2 * time.Hour))
	q := r.URL.Query()
	meta := map[string]string{"client_id": r.PathValue("id"), "sha256": r.Header.Get("X-Content-SHA256")}
	for _, k := range uploadMeta[1:] {
		if v := q.Get(k); v != "" {
			meta[k] = v
		}
	}
	up := uploadOf(meta)
	up.Body = r.Body
	// A body that arrived whole is stored even when the sender stops
	// listening (a half-closed connection ends the request's context); a
	// body cut short fails on reading, as the sender's mistake.
	ctx := context.WithoutCancel(r.Context())
	rec, err := s.ingest(ctx, up)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	receipt, err := s.Store.Receipt(ctx, rec.OrgID, rec.LogIndex)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"recording": rec, "receipt": receipt})
}

func (s *Server) apiClientRecordings(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) {
		return s.Store.ClientRecordingsPage(r.Context(), r.PathValue("id"), p)
	})
}

func (s *Server) apiRecording(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		rec, _, err := s.Store.Recording(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return rec, nil
	})
}

func (s *Server) apiRecordingReceipt(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		rec, _, err := s.Store.Recording(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.Store.Receipt(r.Context(), rec.OrgID, rec.LogIndex)
	})
}

// apiRecordingContent plays or (with ?download=1) downloads a recording;
// Range requests decrypt only the bytes asked for.
func (s *Server) apiRecordingContent(w http.ResponseWriter, r *http.Request) {
	download := r.URL.Query().Get("download") == "1"
	o, err := s.Vault.Open(r.Context(), r.PathValue("id"), download)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	serveRecording(w, r, o, download)
}

// serveRecording answers an opened recording's plaintext, to play or as a
// download, and closes it.
func serveRecording(w http.ResponseWriter, r *http.Request, o *vault.Opened, download bool) {
	defer o.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	w.Header().Set("Content-Type", o.Recording.MediaType)
	w.Header().Set("Cache-Control", "private, no-store")
	if download {
		w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName(o.Recording)+`"`)
	}
	http.ServeContent(w, r, "", o.Recording.CreatedAt, readSeeker(o))
}

// downloadName is a recording's file name when it is downloaded.
func downloadName(rec *opname.Recording) string {
	ext := strings.TrimPrefix(rec.MediaType[strings.Index(rec.MediaType, "/")+1:], "x-")
	return fmt.Sprintf("opname-%s.%s", rec.ID, ext)
}

// readSeeker is the plaintext as an io.ReadSeeker for http.ServeContent.
func readSeeker(o *vault.Opened) io.ReadSeeker {
	return io.NewSectionReader(o.Content, 0, o.Size)
}

// apiAddCopy registers that a copy was handed over (Ombudsman rule 4:
// copies both ways), in the organisation's log, and returns its receipt.
func (s *Server) apiAddCopy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To string `json:"to"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	index, err := s.Store.AddCopy(r.Context(), r.PathValue("id"), in.To)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a := actor(r)
	receipt, err := s.Store.Receipt(r.Context(), a.OrgID, index)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, receipt)
}

// apiEraseRecording makes a recording unreadable for good.
func (s *Server) apiEraseRecording(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	rec, err := s.Vault.Erase(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// apiFixityProblems lists recordings whose last integrity check failed.
func (s *Server) apiFixityProblems(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) { return s.Store.FixityProblems(r.Context(), p) })
}
