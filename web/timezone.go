package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
)

// Every time a person reads — on a page, a printable page or a PDF — goes
// through formatTime: in their organisation's time zone, always with the
// zone, so a time in a dossier or before a judge cannot be misread. Stored
// times stay UTC; machine data (JSON, CSV, receipts) keeps RFC 3339.

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// formatTime is t in loc for a reader of language l: "2 december 2026,
// 14:05 CET" in Dutch, "2 December 2026, 14:05 CET" in English.
func formatTime(t time.Time, loc *time.Location, l string) string {
	t = t.In(loc)
	month := t.Month().String()
	if l != "en" {
		month = dutchMonths[t.Month()-1]
	}
	zone := t.Format("MST")
	if strings.HasPrefix(zone, "+") || strings.HasPrefix(zone, "-") {
		// A zone without an abbreviation of its own: its offset, named.
		zone = "UTC" + t.Format("-07:00")
	}
	return strconv.Itoa(t.Day()) + " " + month + " " + strconv.Itoa(t.Year()) + ", " + t.Format("15:04") + " " + zone
}

// zone is the time zone of the organisation of the person making r, looked
// up once per request; without an organisation it is the default zone.
func (s *Server) zone(r *http.Request) *time.Location {
	info, _ := r.Context().Value(infoKey{}).(*requestInfo)
	if info != nil && info.zone != nil {
		return info.zone
	}
	org := &opname.Organisation{TimeZone: opname.DefaultTimeZone}
	if _, ok := opname.ActorFrom(r.Context()); ok {
		o, err := s.Store.Organisation(r.Context())
		if err != nil {
			// The times are still right: each says its zone.
			s.Logger.ErrorContext(r.Context(), "time zone", "request_id", requestID(r.Context()), "err", err)
		} else {
			org = o
		}
	}
	loc := org.Location()
	if info != nil {
		info.zone = loc
	}
	return loc
}

// when is t as the person making r reads it.
func (s *Server) when(r *http.Request, t time.Time) string {
	return formatTime(t, s.zone(r), lang(r))
}

// localInput reads the value of a datetime-local field, a time of day in
// the organisation's zone loc without a zone of its own. A value that is
// not such a time, or a time the clock skipped when summer time began, is
// refused with a message for the person (in language l).
func localInput(v string, loc *time.Location, l string) (time.Time, string) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		at, err := time.ParseInLocation(layout, v, loc)
		if err != nil {
			continue
		}
		if at.Format(layout) != v {
			return time.Time{}, fmt.Sprintf(translate(l, "wf.err.when.gap"), v, loc.String())
		}
		return at, ""
	}
	return time.Time{}, fmt.Sprintf(translate(l, "wf.err.when"), v)
}

// apiSetTimeZone sets the time zone the organisation's times are shown in
// (admin) and answers the organisation.
func (s *Server) apiSetTimeZone(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		var req struct {
			TimeZone string `json:"time_zone"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		if err := s.Store.SetTimeZone(r.Context(), req.TimeZone); err != nil {
			return nil, err
		}
		return s.Store.Organisation(r.Context())
	})
}

// timeZones are offered on the policy page: the Netherlands and the
// Caribbean parts of the Kingdom. Any IANA name is accepted.
var timeZones = []string{"Europe/Amsterdam", "America/Kralendijk", "America/Curacao", "America/Aruba", "America/Lower_Princes", "UTC"}

// timeZoneForm sets the organisation's time zone from the policy page.
func (s *Server) timeZoneForm(w http.ResponseWriter, r *http.Request) {
	zone := strings.TrimSpace(r.PostFormValue("tijdzone"))
	if err := s.Store.SetTimeZone(r.Context(), zone); err != nil {
		if opname.KindOf(err) == opname.Internal {
			s.Error(w, r, err)
			return
		}
		msg := formMessage(lang(r), err, labelsOf(lang(r), "time_zone", "policy.zone"))
		s.renderPolicy(w, r, status[opname.KindOf(err)], &page{Message: msg, Form: map[string]string{"tijdzone": zone}})
		return
	}
	http.Redirect(w, r, "/beleid?tijdzone=1", http.StatusSeeOther)
}
