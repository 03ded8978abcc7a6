package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opname/opname"
)

// Lists page by cursor. A list's page is asked for with ?cursor= (the
// cursor the page before answered) and ?limit= (how many, 1 to
// opname.MaxPageSize; opname.DefaultPageSize without it). The API answers
// a page as the JSON array it always did, with a Link header to the next
// page (rel="next") when there is one; a page shows a "Next" link. A page
// with two lists names the second list's cursor after it (see listPage).

// listPage reads the page of a list asked for in r: its cursor in the
// query parameter param, its size in limit.
func listPage(r *http.Request, param string) (opname.Page, error) {
	q := r.URL.Query()
	p := opname.Page{Cursor: q.Get(param)}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, opname.Invalidf("limit", "page.limit", "use a number from 1 to %d (got %v)", opname.MaxPageSize, v)
		}
		p.Limit = n
	}
	if _, err := p.Size(); err != nil {
		return p, err
	}
	return p, nil
}

// forParam names param in a cursor's error from the store, which knows
// the cursor only as "cursor".
func forParam(err error, param string) error {
	var e *opname.Error
	if param == "cursor" || !errors.As(err, &e) || e.Field != "cursor" {
		return err
	}
	c := *e
	c.Field, c.Msg = param, param+strings.TrimPrefix(e.Msg, "cursor")
	return &c
}

// nextHref is the address of the page after r's, where the list in param
// goes on at next; "" when there is no next page.
func nextHref(r *http.Request, param, next string) string {
	if next == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set(param, next)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// list answers one page of an API list: fn lists the page asked for and
// returns its items and the next page's cursor.
func (s *Server) list(w http.ResponseWriter, r *http.Request, fn func(p opname.Page) (any, string, error)) {
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, next, err := fn(p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	setNextLink(w, r, next)
	writeJSON(w, http.StatusOK, v)
}

// setNextLink sets the Link header of an API list to the page after r's,
// at cursor next, when there is one.
func setNextLink(w http.ResponseWriter, r *http.Request, next string) {
	if href := nextHref(r, "cursor", next); href != "" {
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, href))
	}
}
