package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/opname/opname"
)

// Text in a request's address and in a page's form must be valid UTF-8
// without control characters other than line breaks and tabs, before any
// handler sees it: identifiers, names and search terms never hold them, and
// PostgreSQL refuses a NUL or broken UTF-8 outright, which would otherwise
// surface as a server fault. Each field's own rules (lengths, line breaks)
// are checked where it is used, with opname.TextRule.
var anyText = opname.Paragraphs.Chars(math.MaxInt)

// checkInput refuses a request whose path, query or page form holds text
// that is not text.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := anyText.Check("path", r.URL.Path); err != nil {
			s.Error(w, r, err)
			return
		}
		query, err := url.ParseQuery(r.URL.RawQuery)
		if err == nil {
			err = checkValues(query)
		}
		// Pages post forms; the API takes JSON, checked by decode, or
		// bytes that are no text at all (a recording may arrive with a
		// form's content type).
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ct == "application/x-www-form-urlencoded" && !strings.HasPrefix(r.URL.Path, "/api/") {
			if err = r.ParseForm(); err == nil {
				err = checkValues(r.PostForm)
			} else {
				err = &opname.Error{Kind: opname.Invalid, Code: "form.unreadable", Msg: "form: cannot be read", Err: err}
			}
		}
		if err != nil {
			s.Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkValues checks the names and values of a query or form.
func checkValues(v url.Values) error {
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := anyText.Check("parameter name", name); err != nil {
			return err
		}
		for _, value := range v[name] {
			if err := anyText.Check(name, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// nulIn returns the path of the first string in a JSON document that holds
// a NUL (JSON can carry one as \u0000; broken UTF-8 it turns into U+FFFD),
// or "" when there is none or the document does not parse.
func nulIn(data []byte) string {
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return ""
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return nulPath(v, "")
}

func nulPath(v any, at string) string {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return at
		}
	case []any:
		for i, e := range v {
			if p := nulPath(e, fmt.Sprintf("%s[%d]", at, i)); p != "" {
				return p
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if at != "" {
				name = at + "." + k
			}
			if strings.IndexByte(k, 0) >= 0 {
				return name
			}
			if p := nulPath(v[k], name); p != "" {
				return p
			}
		}
	}
	return ""
}
