package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
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
		if err != nil || n < 1 || n > opname.AccessPageMax {
			return f, refuse(&queryError{field: "limit", problem: "limit", value: v})
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
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
		return fmt.Sprintf("limit: use a number from 1 to %d (got %q)", opname.AccessPageMax, e.value)
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

// apiAccessLog searches the access log a page at a time: the Link header
// names the next page (rel="next"), whose cursor parameter is opaque. With
// format=csv or format=jsonl (or an Accept of text/csv or
// application/jsonl) it exports every record that fits, as they are read,
// which is logged as an export.
func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := accessQuery(q, s.zone(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := exportFormat(r)
	if format != "" && format != "json" && format != "csv" && format != "jsonl" {
		s.Error(w, r, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("format: use json, csv or jsonl (got %q)", format)})
		return
	}
	if format == "csv" || format == "jsonl" {
		s.exportAccess(w, r, f, format)
		return
	}
	p, err := s.Store.SearchPage(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeAccessPage(w, r, p)
}

// exportFormat is the format a request asks the access log in: the format
// parameter, or else its Accept header.
func exportFormat(r *http.Request) string {
	if f := r.URL.Query().Get("format"); f != "" {
		return f
	}
	accept := r.Header.Get("Accept")
	switch {
	case strings.Contains(accept, "text/csv"):
		return "csv"
	case strings.Contains(accept, "application/jsonl"), strings.Contains(accept, "application/x-ndjson"):
		return "jsonl"
	}
	return ""
}

// writeAccessPage answers a page of the access log as the API lists do:
// its records as a JSON array, the next page in the Link header.
func writeAccessPage(w http.ResponseWriter, r *http.Request, p *opname.AccessPage) {
	setNextLink(w, r, p.Next)
	if p.Events == nil {
		p.Events = []opname.AccessEvent{}
	}
	writeJSON(w, http.StatusOK, p.Events)
}

// exportAccess writes every record that fits f as CSV or JSON Lines, as
// the store reads them. What refuses the export is answered as an error;
// a failure after the first byte cuts the download short.
func (s *Server) exportAccess(w http.ResponseWriter, r *http.Request, f opname.AccessFilter, format string) {
	out := &lazyExport{w: w, format: format}
	c := csv.NewWriter(out)
	enc := json.NewEncoder(out)
	write := func(e opname.AccessEvent) error { return enc.Encode(e) }
	if format == "csv" {
		write = func(e opname.AccessEvent) error {
			if !out.started {
				_ = c.Write(accessCSVHeader)
			}
			_ = c.Write(accessCSVRow(e))
			c.Flush()
			return c.Error()
		}
	}
	if err := s.Store.ExportAccess(r.Context(), f, write); err != nil {
		if !out.started {
			s.Error(w, r, err)
			return
		}
		s.Logger.ErrorContext(r.Context(), "access log export cut short", "request_id", requestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
	if !out.started {
		out.start()
		if format == "csv" {
			_ = c.Write(accessCSVHeader)
			c.Flush()
		}
	}
	_ = out.buf.Flush()
}

// lazyExport sends an export's headers with its first byte, so that what
// refuses the export before can still be answered as an error; it
// buffers what it writes.
type lazyExport struct {
	w       http.ResponseWriter
	format  string
	buf     *bufio.Writer
	started bool
}

func (l *lazyExport) start() {
	l.started = true
	h := l.w.Header()
	h.Set("Cache-Control", "private, no-store")
	if l.format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="toegangslog.csv"`)
	} else {
		h.Set("Content-Type", "application/jsonl; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="toegangslog.jsonl"`)
	}
	l.buf = bufio.NewWriterSize(l.w, 64<<10)
}

func (l *lazyExport) Write(p []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.buf.Write(p)
}

// accessCSVHeader and accessCSVRow are the columns of the CSV export.
var accessCSVHeader = []string{"seq", "time", "action", "outcome", "user_id", "user_name", "user_role", "on_behalf_of", "client_id", "client_name", "object_type", "object_id", "purpose", "source_addr", "hash"}

func accessCSVRow(e opname.AccessEvent) []string {
	row := []string{strconv.FormatInt(e.Seq, 10), e.Time.Format(time.RFC3339Nano), string(e.Action), e.Outcome, e.UserID, e.UserName, string(e.UserRole), e.OnBehalfOf, e.ClientID, e.ClientName, e.ObjectType, e.ObjectID, e.Purpose, e.SourceAddr, e.Hash}
	for i, cell := range row {
		row[i] = noFormula(cell)
	}
	return row
}

// noFormula keeps a spreadsheet from running a cell of the CSV export as
// a formula (a name typed as "=HYPERLINK(…)"): a cell that starts like one
// gets an apostrophe before it, which spreadsheets show as text. The JSON
// Lines export carries every value as it is.
func noFormula(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
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
	// Next is the address of the next page of this search; "" on the
	// last. First is the first page's, once past it.
	Next, First string
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
		f.Limit = opname.AccessPageSize
		var p *opname.AccessPage
		if p, err = s.Store.SearchPage(r.Context(), f); err == nil {
			d.Events = p.Events
			search := url.Values{}
			for k, v := range d.Form {
				search.Set(k, v)
			}
			if p.Next != "" {
				search.Set("cursor", p.Next)
				d.Next = "/toegangslog?" + search.Encode()
				search.Del("cursor")
			}
			if f.Cursor != "" {
				d.First = "/toegangslog?" + search.Encode()
			}
		}
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

// seenPaged is a page of who looked at a client's data: its events, as
// lines once the page makes them, and the addresses of the next page
// ("" on the last) and of the first (once past it).
type seenPaged struct {
	events              []opname.AccessEvent
	Seen                []seenLine
	SeenNext, SeenFirst string
}

// seenPage reads the page of a client's overview that r's gezien
// parameter points at, for the page at path.
func (s *Server) seenPage(r *http.Request, clientID, path string) (*seenPaged, error) {
	cursor := r.URL.Query().Get("gezien")
	p, err := s.Store.ClientOverviewPage(r.Context(), clientID, cursor, opname.AccessPageSize)
	if err != nil {
		return nil, err
	}
	out := &seenPaged{events: p.Events}
	if p.Next != "" {
		out.SeenNext = path + "?" + url.Values{"gezien": {p.Next}}.Encode()
	}
	if cursor != "" {
		out.SeenFirst = path
	}
	return out, nil
}

// apiClientOverview answers a page of who looked at a client's data; the
// Link header names the next page (rel="next").
func (s *Server) apiClientOverview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > opname.AccessPageMax {
			s.Error(w, r, refuse(&queryError{field: "limit", problem: "limit", value: v}))
			return
		}
		limit = n
	}
	p, err := s.Store.ClientOverviewPage(r.Context(), r.PathValue("id"), q.Get("cursor"), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeAccessPage(w, r, p)
}
