package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
	"github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"
)

// Resumable uploads: the tus protocol (https://tus.io) under
// /api/v1/uploads, for large files over bad connections and for recordings
// made in the browser, which arrive in chunks while they run. Metadata
// (Upload-Metadata) names the client and the source, and may declare the
// file's SHA-256 and, for an edited version, the original and the edit
// statement. When the last byte arrives the upload is sealed into the vault
// and the answer carries the recording and its receipt.

// uploadMeta are the Upload-Metadata keys a sender may set.
var uploadMeta = []string{"client_id", "source", "sha256", "derived_from", "what_changed", "reason", "who_was_told", "agreements_digest", "request_id"}

// Resumable uploads are served at two places: the API's, for staff and
// their systems, and the client's side, where a client hands over a copy
// of their own recording through their link. They share one staging store.
const (
	apiUploads  = "/api/v1/uploads"
	linkUploads = "/l/kopie"
)

// tus returns the tus handler under prefix, made on first use.
func (s *Server) tus(prefix string) *handler.UnroutedHandler {
	s.tusOnce.Do(func() {
		s.Uploads.Admit = s.admitUpload
		s.Uploads.Answer = s.tusError
		s.Uploads.CheckLen = vault.SniffLen
		s.Uploads.Check = func(ctx context.Context, head []byte) (string, error) {
			media, err := vault.Sniff(head)
			if err != nil {
				return "", s.tusError(ctx, err)
			}
			return media, nil
		}
		s.tusHandlers = map[string]*handler.UnroutedHandler{}
		for _, p := range []string{apiUploads, linkUploads} {
			h, err := handler.NewUnroutedHandler(handler.Config{
				// An upload's address is under the public URL when there
				// is one: behind an HTTPS proxy the request's own is plain
				// HTTP.
				BasePath:                  strings.TrimSuffix(s.PublicURL, "/") + p + "/",
				StoreComposer:             s.Uploads.Composer(),
				MaxSize:                   s.Vault.MaxSize,
				DisableDownload:           true,
				PreUploadCreateCallback:   s.tusCreate,
				PreFinishResponseCallback: s.tusFinish,
				// Every request is logged by the server already.
				Logger: xslog.New(xslog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				s.tusErr = err
				return
			}
			s.tusHandlers[p] = h
		}
	})
	return s.tusHandlers[prefix]
}

// tusRoute serves one tus request under prefix: a long deadline, as an
// upload may take long over a slow line, and, for an existing upload, only
// its owner.
func (s *Server) tusRoute(prefix string, own bool, serve func(h *handler.UnroutedHandler) http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := s.tus(prefix)
		if h == nil {
			s.Error(w, r, fmt.Errorf("web: tus: %v", s.tusErr))
			return
		}
		if own {
			if _, err := s.ownUpload(r.Context(), r.PathValue("id")); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(2 * time.Hour))
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
		// tusd reads the upload id from the path below its base path.
		r = r.WithContext(withAnswerLang(r.Context(), r))
		http.StripPrefix(prefix, h.Middleware(serve(h))).ServeHTTP(w, r)
	}
}

// tusRoutes registers the tus protocol's requests under prefix for access,
// and the request that seals what arrived of an upload.
func (s *Server) tusRoutes(mux *http.ServeMux, prefix string, access Access) {
	s.handle(mux, "POST", prefix, access, s.tusRoute(prefix, false, func(h *handler.UnroutedHandler) http.HandlerFunc { return h.PostFile }))
	s.handle(mux, "HEAD", prefix+"/{id}", access, s.tusRoute(prefix, true, func(h *handler.UnroutedHandler) http.HandlerFunc { return h.HeadFile }))
	s.handle(mux, "PATCH", prefix+"/{id}", access, s.tusRoute(prefix, true, func(h *handler.UnroutedHandler) http.HandlerFunc { return h.PatchFile }))
	s.handle(mux, "DELETE", prefix+"/{id}", access, s.tusRoute(prefix, true, func(h *handler.UnroutedHandler) http.HandlerFunc { return h.DelFile }))
	s.handle(mux, "POST", prefix+"/{id}/finish", access, s.apiFinishUpload)
}

// ownUpload returns an upload of the caller's; anyone else's is NotFound.
func (s *Server) ownUpload(ctx context.Context, id string) (handler.FileInfo, error) {
	a, _ := opname.ActorFrom(ctx)
	info, err := s.Uploads.Info(ctx, id)
	if err != nil || info.MetaData["org_id"] != a.OrgID || info.MetaData["user_id"] != a.UserID {
		return handler.FileInfo{}, opname.Coded(opname.NotFound, "upload.not_found", "upload not found")
	}
	return info, nil
}

// uploadOf reads the vault upload from an upload's metadata.
func uploadOf(meta handler.MetaData) vault.Upload {
	up := vault.Upload{ClientID: meta["client_id"], Source: meta["source"], SHA256: meta["sha256"], DerivedFrom: meta["derived_from"], AgreementsDigest: meta["agreements_digest"], RequestID: meta["request_id"]}
	if up.Source == "" {
		up.Source = "organisation"
	}
	if meta["what_changed"] != "" || meta["reason"] != "" || meta["who_was_told"] != "" {
		up.Edit = &opname.EditStatement{Changed: meta["what_changed"], Reason: meta["reason"], Told: meta["who_was_told"]}
	}
	return up
}

// tusCreate checks a new upload before any byte arrives: the caller may
// add to the client, the metadata is sound, the length fits. The upload is
// stamped with its owner.
func (s *Server) tusCreate(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	ctx := hook.Context
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(ctx, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first"))
	}
	meta := handler.MetaData{}
	for _, k := range uploadMeta {
		if v := strings.TrimSpace(hook.Upload.MetaData[k]); v != "" {
			// Upload-Metadata is base64: the check of every request's
			// text cannot see inside it.
			if err := anyText.Check(k, v); err != nil {
				return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(ctx, err)
			}
			meta[k] = v
		}
	}
	if a.Role == opname.RoleLinkHolder {
		// Through a link only the client's own copy is handed over, for
		// the request that asks for it.
		meta = handler.MetaData{"request_id": meta["request_id"], "client_id": a.ClientID, "source": "client_copy"}
	}
	up := uploadOf(meta)
	if err := s.Vault.CheckUpload(ctx, up); err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(ctx, err)
	}
	if err := s.forRequest(ctx, &up); err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(ctx, err)
	}
	if !hook.Upload.SizeIsDeferred && hook.Upload.Size == 0 {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(ctx, opname.Coded(opname.Invalid, "upload.empty", "Upload-Length: the file is empty"))
	}
	meta["source"], meta["org_id"], meta["user_id"] = up.Source, a.OrgID, a.UserID
	return handler.HTTPResponse{}, handler.FileInfoChanges{MetaData: meta}, nil
}

// tusFinish seals a complete upload into the vault before the last PATCH
// is answered, so that an answer means the recording is durably stored.
func (s *Server) tusFinish(hook handler.HookEvent) (handler.HTTPResponse, error) {
	ctx := hook.Context
	body, err := s.sealUpload(ctx, hook.Upload)
	if err != nil {
		return handler.HTTPResponse{}, s.tusError(ctx, err)
	}
	return handler.HTTPResponse{StatusCode: http.StatusOK, Body: string(body), Header: handler.HTTPHeader{
		"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
	}}, nil
}

// sealUpload makes a complete upload's staged ciphertext its recording's
// blob (the last chunk sealed, nothing read again) and registers it, then
// removes the upload. When the upload itself is at fault it is removed
// too; when storage failed it stays, to be sealed again with
// POST /api/v1/uploads/{id}/finish. The caller holds the upload's lock.
func (s *Server) sealUpload(ctx context.Context, info handler.FileInfo) ([]byte, error) {
	up := uploadOf(info.MetaData)
	rec, err := s.registerUpload(ctx, info, up)
	if err != nil {
		if opname.KindOf(err) != opname.Internal {
			_ = s.Uploads.Refused(context.WithoutCancel(ctx), info.ID)
		}
		return nil, err
	}
	if err := s.Uploads.Remove(context.WithoutCancel(ctx), info.ID); err != nil {
		s.Logger.WarnContext(ctx, "staged upload not removed", "upload", info.ID, "err", err.Error())
	}
	receipt, err := s.Store.Receipt(ctx, rec.OrgID, rec.LogIndex)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"recording": rec, "receipt": receipt})
}

// registerUpload seals an upload into its blob and registers it, made
// for a request of the conversation workflow when it names one.
func (s *Server) registerUpload(ctx context.Context, info handler.FileInfo, up vault.Upload) (*opname.Recording, error) {
	if err := s.forRequest(ctx, &up); err != nil {
		return nil, err
	}
	done, err := s.Uploads.Finish(ctx, info.ID, s.Vault.NewBlobKey(info.MetaData["org_id"]))
	if err != nil {
		return nil, err
	}
	return s.Vault.Register(ctx, up, done.Sealed, done.SHA256, done.Size, done.MediaType)
}

// tusError is err as tusd answers it: our JSON error body and status.
func (s *Server) tusError(ctx context.Context, err error) error {
	var te handler.Error
	if errors.As(err, &te) {
		return te
	}
	kind := opname.KindOf(err)
	id := requestID(ctx)
	if kind == opname.Internal {
		s.Logger.ErrorContext(ctx, "internal error", "request_id", id, "route", "tus", "err", err.Error())
	}
	var body apiError
	body.Error.Kind, body.Error.Message, body.Error.RequestID = kind, apiMessageFrom(ctx, err), id
	b, _ := json.Marshal(body)
	header := handler.HTTPHeader{"Content-Type": "application/json; charset=utf-8"}
	if after := retryAfter(err); after != "" {
		header["Retry-After"] = after
	}
	return handler.Error{ErrorCode: string(kind), Message: body.Error.Message, HTTPResponse: handler.HTTPResponse{
		StatusCode: status[kind], Body: string(b), Header: header,
	}}
}

// pendingUpload is an upload under way, as listed.
type pendingUpload struct {
	ID       string    `json:"id"`
	ClientID string    `json:"client_id"`
	Source   string    `json:"source"`
	Offset   int64     `json:"offset"`
	Size     *int64    `json:"size"`
	Changed  time.Time `json:"changed_at"`
}

// apiUploads lists the caller's uploads under way, newest first: after a
// browser crash, what arrived of a recording can still be saved.
func (s *Server) apiUploads(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		a := actor(r)
		list, err := s.Uploads.List(r.Context())
		if err != nil {
			return nil, err
		}
		out := []pendingUpload{}
		for _, st := range list {
			m := st.Info.MetaData
			if m["org_id"] != a.OrgID || m["user_id"] != a.UserID {
				continue
			}
			p := pendingUpload{ID: st.Info.ID, ClientID: m["client_id"], Source: m["source"], Offset: st.Info.Offset, Changed: st.Changed.UTC()}
			if !st.Info.SizeIsDeferred {
				p.Size = &st.Info.Size
			}
			out = append(out, p)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Changed.After(out[j].Changed) })
		return out, nil
	})
}

// apiFinishUpload seals what arrived of an upload. A recording made in the
// browser (length unknown) is sealed as far as it came; a file must be
// complete. It also retries sealing a complete upload whose storage failed.
func (s *Server) apiFinishUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.ownUpload(ctx, id); err != nil {
		s.Error(w, r, err)
		return
	}
	unlock, err := s.Uploads.Lock(ctx, id)
	if err != nil {
		s.Error(w, r, opname.Coded(opname.Conflict, "upload.busy", "the upload is busy; try again in a moment"))
		return
	}
	defer unlock()
	info, err := s.ownUpload(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch {
	case info.Offset == 0:
		s.Error(w, r, opname.Coded(opname.Invalid, "upload.nothing", "nothing has arrived of this upload yet"))
		return
	case info.SizeIsDeferred:
		up, err := s.Uploads.GetUpload(ctx, id)
		if err == nil {
			err = s.Uploads.AsLengthDeclarableUpload(up).DeclareLength(ctx, info.Offset)
		}
		if err != nil {
			s.Error(w, r, err)
			return
		}
	case info.Offset < info.Size:
		s.Error(w, r, opname.Coded(opname.Invalid, "upload.incomplete", "only %d of %d bytes have arrived; resume the upload to send the rest", info.Offset, info.Size))
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	body, err := s.sealUpload(ctx, info)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

// ingest stores an upload, made for a request of the conversation
// workflow when it names one.
func (s *Server) ingest(ctx context.Context, up vault.Upload) (*opname.Recording, error) {
	if err := s.forRequest(ctx, &up); err != nil {
		return nil, err
	}
	return s.Vault.Ingest(ctx, up)
}

// forRequest checks that a recording made for a request may be made now —
// the request is to record, about this client, and ready (allowed, with a
// signed declaration where the policy asks for one) — and links the
// recording to the request's conversation and agreements.
func (s *Server) forRequest(ctx context.Context, up *vault.Upload) error {
	a, _ := opname.ActorFrom(ctx)
	if up.RequestID == "" {
		if a.Role == opname.RoleLinkHolder {
			return opname.Invalidf("request_id", "upload.copy_request", "name the request that asks for the copy")
		}
		return nil
	}
	req, err := s.Store.Request(opname.ForAct(ctx), up.RequestID) // part of the upload
	if err != nil {
		return err
	}
	if a.Role == opname.RoleLinkHolder {
		c, err := s.Store.Conversation(opname.ForAct(ctx), req.ConversationID)
		if err != nil {
			return err
		}
		if !workflow.HolderGivesCopy(c, req, a) {
			return &opname.Error{Kind: opname.Conflict, Field: "request_id", Code: "upload.copy_not_asked", Msg: fmt.Sprintf("request_id: request %s does not ask you for a copy", req.ID)}
		}
		up.ConversationID = req.ConversationID
		return nil
	}
	switch ready, waiting := workflow.Ready(req); {
	case req.ClientID != up.ClientID:
		return opname.Invalidf("request_id", "upload.request_client", "request %s is about another client", req.ID)
	case req.Act.Action != "record":
		return opname.Invalidf("request_id", "upload.request_kind", "request %s is not a request to record", req.ID)
	case !ready:
		msg := fmt.Sprintf("request_id: the recording cannot start yet; waiting for: %s", strings.Join(waiting, ", "))
		if len(waiting) == 0 {
			msg = fmt.Sprintf("request_id: the policy's outcome is %s; this recording may not be made", req.Outcome)
		}
		return &opname.Error{Kind: opname.Conflict, Code: "upload.not_ready", Msg: msg}
	}
	up.ConversationID = req.ConversationID
	if req.Agreement != nil && up.AgreementsDigest == "" {
		up.AgreementsDigest = req.Agreement.Digest
	}
	return nil
}
