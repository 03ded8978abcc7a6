package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
)

// The privacy officer's access log: searched by what they know — a
// client's name or dossier reference, a staff member, an action, a range of
// days in the organisation's time zone — on the page, in the JSON API and
// in the CSV export alike. The store scopes the search to the
// organisation and logs it.

// accessQuery is the search in a request's query: client_id, client (a
// part of a name or dossier reference), user_id, action, from and to (days
// in loc, both included) or since and until (RFC 3339 times), and limit.
// A value it cannot take is an Invalid error holding a *queryError.
func accessQuery(q url.Values, loc *time.Location) (opname.AccessFilter, error) {
	f := opname.AccessFilter{
		ClientID: strings.TrimSpace(q.Get("client_id")),
		Client:   strings.TrimSpace(q.Get("client")),
		UserID:   strings.TrimSpace(q.Get("user_id")),
		Action:   opname.AccessAction(q.Get("action")),
	}
	if f.Action != "" && !slices.Contains(opname.AccessActions, f.Action) {
		return f, refuse(&queryError{field: "action", problem: "action", value: string(f.Action)})
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, refuse(&queryError{field: p.name, problem: "time", value: v})
			}
			*p.dst = t
		}
	}
	since, until, err := dayRange(q.Get("from"), q.Get("to"), loc)
	if err != nil {
		return f, err
	}
	if !since.IsZero() && since.After(f.Since) {
		f.Since = since
	}
	if !until.IsZero() && (f.Until.IsZero() || until.Before(f.Until)) {
		f.Until = until
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, refuse(&queryError{field: "limit", problem: "limit", value: v})
		}
		f.Limit = n
	}
	return f, nil
}

// queryError is a value of the access-log search that cannot be taken:
// the API names the query parameter (Error), the page the form's field
// (in).
type queryError struct {
	field, problem, value string
	// other is the first day, for a last day before it.
	other string
}

func (e *queryError) Error() string {
	switch e.problem {
	case "action":
		return fmt.Sprintf("action: %q is not an action; use one of %s", e.value, actionList())
	case "time":
		return fmt.Sprintf("%s: use a time like 2026-11-24T09:00:00Z (got %q)", e.field, e.value)
	case "limit":
		return fmt.Sprintf("limit: use a number from 1 to 1000 (got %q)", e.value)
	case "order":
		return fmt.Sprintf("to: %s comes before from (%s)", e.value, e.other)
	}
	return fmt.Sprintf("%s: use a date like 2026-11-24 (got %q)", e.field, e.value)
}

// in is the problem for a person reading language l, naming the field as
// the page's form does.
func (e *queryError) in(l string) string {
	switch e.problem {
	case "date":
		return fmt.Sprintf(translate(l, "log.err.date"), translate(l, "log."+e.field), e.value)
	case "order":
		return translate(l, "log.err.order")
	case "action":
		return translate(l, "log.err.action")
	}
	return fmt.Sprintf(translate(l, "log.err.other"), e.field, e.value)
}

func refuse(e *queryError) error {
	return &opname.Error{Kind: opname.Invalid, Msg: e.Error(), Err: e}
}

func actionList() string {
	names := make([]string, len(opname.AccessActions))
	for i, a := range opname.AccessActions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// dayRange is the time from the start of day from to the end of day to,
// both days in loc (YYYY-MM-DD); either may be empty, for no bound.
func dayRange(from, to string, loc *time.Location) (since, until time.Time, err error) {
	day := func(field, v string) (time.Time, error) {
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(v), loc)
		if err != nil {
			return d, refuse(&queryError{field: field, problem: "date", value: v})
		}
		return d, nil
	}
	if from != "" {
		if since, err = day("from", from); err != nil {
			return
		}
	}
	if to != "" {
		var last time.Time
		if last, err = day("to", to); err != nil {
			return
		}
		// The start of the next day, wherever the clocks moved.
		until = time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
		if !since.IsZero() && !until.After(since) {
			err = refuse(&queryError{field: "to", problem: "order", value: to, other: from})
		}
	}
	return since, until, err
}

// apiAccessLog searches the access log; with ?format=csv it exports it,
// which is logged as an export.
func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := accessQuery(q, s.zone(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.Error(w, r, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("format: use json or csv (got %q)", format)})
		return
	}
	events, err := s.Store.Search(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if format != "csv" {
		if events == nil {
			events = []opname.AccessEvent{}
		}
		writeJSON(w, http.StatusOK, events)
		return
	}
	if err := s.Store.Record(r.Context(), exported(f, events)...); err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	writeAccessCSV(&buf, events)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="toegangslog.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// exported is the record of an export of events found with f: one for
// each client the search named that is in it, or one without a client.
func exported(f opname.AccessFilter, events []opname.AccessEvent) []opname.AccessEvent {
	var out []opname.AccessEvent
	if f.ClientID != "" || f.Client != "" {
		seen := map[string]bool{}
		for _, e := range events {
			if e.ClientID != "" && !seen[e.ClientID] {
				seen[e.ClientID] = true
				out = append(out, opname.AccessEvent{Action: opname.AccessExport, ObjectType: "access_log", ClientID: e.ClientID, Purpose: "audit"})
			}
		}
	}
	if len(out) == 0 {
		out = append(out, opname.AccessEvent{Action: opname.AccessExport, ObjectType: "access_log", Purpose: "audit"})
	}
	return out
}

func writeAccessCSV(w io.Writer, events []opname.AccessEvent) {
	c := csv.NewWriter(w)
	_ = c.Write([]string{"seq", "time", "action", "outcome", "user_id", "user_name", "user_role", "on_behalf_of", "client_id", "client_name", "object_type", "object_id", "purpose", "source_addr", "hash"})
	for _, e := range events {
		_ = c.Write([]string{strconv.FormatInt(e.Seq, 10), e.Time.Format(time.RFC3339Nano), string(e.Action), e.Outcome, e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID, e.ClientName, e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.Hash})
	}
	c.Flush()
}

// logPage is the access log page: the search form and what it found.
type logPage struct {
	*page
	// Actions are the actions to search by, in words.
	Actions []choice
	// Zone is the time zone the days of the search are in.
	Zone string
	// ClientName names the client the search is limited to by id (from
	// the client list), once a record shows it.
	ClientName string
	// Export is the address of this search as CSV.
	Export string
}

// searchKeys are the query parameters of the page's search, as the API
// takes them.
var searchKeys = []string{"client", "client_id", "user_id", "action", "from", "to"}

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request) {
	l, loc := lang(r), s.zone(r)
	q := r.URL.Query()
	d := &logPage{page: &page{Form: map[string]string{}}, Zone: loc.String()}
	export := url.Values{"format": {"csv"}}
	for _, k := range searchKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			d.Form[k] = v
			export.Set(k, v)
		}
	}
	d.Export = "/api/v1/access-log?" + export.Encode()
	for _, a := range opname.AccessActions {
		d.Actions = append(d.Actions, choice{string(a), translate(l, "action."+string(a))})
	}
	var err error
	if d.People, err = s.Store.Users(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	code := http.StatusOK
	f, err := accessQuery(q, loc)
	if err == nil {
		f.Limit = 200
		d.Events, err = s.Store.Search(r.Context(), f)
	}
	if err != nil {
		if opname.KindOf(err) == opname.Internal {
			s.Error(w, r, err)
			return
		}
		code, d.Message = status[opname.KindOf(err)], localMessage(l, err)
		var qe *queryError
		if errors.As(err, &qe) {
			d.Message = qe.in(l)
		}
	}
	if f.ClientID != "" {
		for _, e := range d.Events {
			if e.ClientID == f.ClientID && e.ClientName != "" {
				d.ClientName = e.ClientName
				break
			}
		}
	}
	s.renderData(w, r, code, "accesslog", d.page, d)
}
