package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/tusd"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Limits on uploads under way, so that one person or one organisation
// cannot fill the staging folder or tie up the server: a person has at most
// so many unfinished resumable uploads, and an organisation at most so many
// bytes in flight. The numbers come from the uploads under way (kept in
// the database, so they survive a restart and every server sees them) and
// from the single-request uploads this server is receiving. With several
// servers, those single requests are counted by each server apart, and
// admissions are one at a time within a server only.

// UploadLimits bound the uploads under way.
type UploadLimits struct {
	// OpenPerPerson is how many unfinished resumable uploads one person
	// may have.
	OpenPerPerson int
	// InflightPerOrg is how many bytes one organisation may have under
	// way: the declared length of its unfinished resumable uploads (what
	// arrived so far, for a recording whose length is not known yet) and
	// the announced length of the single-request uploads being received
	// (the largest recording allowed, when none is announced).
	InflightPerOrg int64
}

// DefaultUploadLimits are the limits unless settings say otherwise.
var DefaultUploadLimits = UploadLimits{OpenPerPerson: 10, InflightPerOrg: 32 << 30}

// InflightText is InflightPerOrg for people, such as "32 GiB".
func (l UploadLimits) InflightText() string { return binarySize(l.InflightPerOrg) }

// retryInflight is how long to wait when an organisation has too much in
// flight: other uploads finish meanwhile.
const retryInflight = time.Minute

// limits returns the server's upload limits, defaults where unset.
func (s *Server) limits() UploadLimits {
	l := s.UploadLimits
	if l.OpenPerPerson <= 0 {
		l.OpenPerPerson = DefaultUploadLimits.OpenPerPerson
	}
	if l.InflightPerOrg <= 0 {
		l.InflightPerOrg = DefaultUploadLimits.InflightPerOrg
	}
	return l
}

// receiving counts the bytes of the single-request uploads this server is
// receiving, per organisation.
type receiving struct {
	mu    sync.Mutex
	bytes map[string]int64
}

func (r *receiving) add(org string, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bytes == nil {
		r.bytes = map[string]int64{}
	}
	r.bytes[org] += n
	if r.bytes[org] == 0 {
		delete(r.bytes, org)
	}
}

func (r *receiving) of(org string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes[org]
}

// underWay is what an organisation has under way, and how many unfinished
// resumable uploads one of its people has.
func (s *Server) underWay(org, user string, staged []tusd.Staged) (open int, inflight int64) {
	inflight = s.receiving.of(org)
	for _, st := range staged {
		if st.Info.MetaData["org_id"] != org {
			continue
		}
		if st.Info.SizeIsDeferred {
			inflight += st.Info.Offset
		} else {
			inflight += st.Info.Size
		}
		if st.Info.MetaData["user_id"] == user {
			open++
		}
	}
	return open, inflight
}

// admitUpload is the staging store's Admit: a resumable upload may start
// while its person has fewer than OpenPerPerson and its length fits in
// what its organisation may have in flight; a recording of unknown length
// takes more bytes while its organisation is within the limit.
func (s *Server) admitUpload(ctx context.Context, info handler.FileInfo, starting bool, staged []tusd.Staged) error {
	l := s.limits()
	org := info.MetaData["org_id"]
	open, inflight := s.underWay(org, info.MetaData["user_id"], staged)
	var err error
	switch {
	case !starting:
		if inflight >= l.InflightPerOrg {
			err = &opname.Error{Kind: opname.TooMany, RetryAfter: retryInflight / 2, Code: "upload.inflight", Args: []any{binarySize(inflight), binarySize(l.InflightPerOrg)}, Msg: fmt.Sprintf(
				"uploads: your organisation has %s in uploads under way, the limit is %s; this recording waits until some have finished", binarySize(inflight), binarySize(l.InflightPerOrg))}
		}
	case open >= l.OpenPerPerson:
		err = &opname.Error{Kind: opname.TooMany, Code: "upload.open", Args: []any{open, l.OpenPerPerson}, Msg: fmt.Sprintf(
			"uploads: you have %d unfinished uploads, the most at once is %d; finish one, or cancel one you no longer need (GET /api/v1/uploads lists them, DELETE /api/v1/uploads/{id} cancels)", open, l.OpenPerPerson)}
	case info.SizeIsDeferred:
		err = s.fits(inflight, 0, l)
	default:
		err = s.fits(inflight, info.Size, l)
	}
	if err != nil {
		return s.tusError(ctx, err)
	}
	return nil
}

// fits checks that n more bytes keep an organisation that has inflight
// under way within its limit.
func (s *Server) fits(inflight, n int64, l UploadLimits) error {
	switch {
	case n == 0 && inflight >= l.InflightPerOrg:
		return &opname.Error{Kind: opname.TooMany, RetryAfter: retryInflight, Code: "upload.inflight", Args: []any{binarySize(inflight), binarySize(l.InflightPerOrg)}, Msg: fmt.Sprintf(
			"uploads: your organisation has %s in uploads under way, the limit is %s; try again when some have finished", binarySize(inflight), binarySize(l.InflightPerOrg))}
	case inflight+n > l.InflightPerOrg:
		return &opname.Error{Kind: opname.TooMany, RetryAfter: retryInflight, Code: "upload.inflight", Args: []any{binarySize(inflight), binarySize(l.InflightPerOrg)}, Msg: fmt.Sprintf(
			"uploads: your organisation has %s in uploads under way; with this one of %s it would pass the limit of %s; try again when some have finished", binarySize(inflight), binarySize(n), binarySize(l.InflightPerOrg))}
	}
	return nil
}

// receive counts a single-request upload against its organisation's bytes
// in flight until release is called.
func (s *Server) receive(r *http.Request) (release func(), err error) {
	a, _ := opname.ActorFrom(r.Context())
	n := r.ContentLength
	if n < 0 || n > s.Vault.MaxSize {
		n = s.Vault.MaxSize
	}
	err = s.Uploads.Serially(r.Context(), func(staged []tusd.Staged) error {
		_, inflight := s.underWay(a.OrgID, a.UserID, staged)
		if err := s.fits(inflight, n, s.limits()); err != nil {
			return err
		}
		s.receiving.add(a.OrgID, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() { s.receiving.add(a.OrgID, -n) }, nil
}

// binarySize is n bytes for people: "32 GiB", "1.5 MiB", "900 bytes".
func binarySize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			if n%u.size == 0 {
				return fmt.Sprintf("%d %s", n/u.size, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
