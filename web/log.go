package web

import (
	"net/http"
	"strconv"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// The public side of the organisations' logs: anyone may fetch the latest
// checkpoint, the verifier key and proofs, to check a receipt.

func (s *Server) logCheckpoint(w http.ResponseWriter, r *http.Request) {
	signed, _, err := s.Store.LatestCheckpoint(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(signed))
}

func (s *Server) logKey(w http.ResponseWriter, r *http.Request) {
	_, key, err := s.Store.LatestCheckpoint(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// The fingerprint is how people compare the key with what a receipt
	// page or `opname verify` shows them.
	w.Header().Set("X-Key-Fingerprint", translog.Fingerprint(key))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(key + "\n"))
}

func (s *Server) logInclusion(w http.ResponseWriter, r *http.Request) {
	index, size, err := twoInts(r, "index", "size")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	proof, err := s.Store.InclusionProof(r.Context(), r.PathValue("slug"), index, size)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"index": index, "size": size, "proof": proof})
}

func (s *Server) logConsistency(w http.ResponseWriter, r *http.Request) {
	from, to, err := twoInts(r, "from", "to")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	proof, err := s.Store.ConsistencyProof(r.Context(), r.PathValue("slug"), from, to)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "proof": proof})
}

func twoInts(r *http.Request, a, b string) (int64, int64, error) {
	var out [2]int64
	for i, name := range []string{a, b} {
		v := r.URL.Query().Get(name)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, opname.Invalidf(name, "log.number", "give a whole number of 0 or more (got %q)", v)
		}
		out[i] = n
	}
	return out[0], out[1], nil
}
