package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/pdf"
	"github.com/opname/opname/policy"
)

// The printed documents of a request — the manager's written decision and
// the declaration of agreements to sign — as a page to print and as a PDF,
// made from one docView so that they say the same. A document is in one
// language, the reader's (?lang= chooses another), names the organisation,
// says things in words rather than codes, shows times with their zone,
// has lines to sign where someone signs, and names the policy by its title
// and version.

// docView is a printed document of a request.
type docView struct {
	Title, Org string
	Facts      []pdf.Fact
	Sections   []pdf.Section
	Signatures []pdf.Signature
	// Digest is the agreements' SHA-256, to check with opname verify.
	Digest string
}

// requestDoc is the manager's decision (decision true) or the declaration
// of agreements of request req about conversation c with client.
func (s *Server) requestDoc(r *http.Request, req *opname.Request, c *opname.Conversation, client *opname.Client, decision bool) (*docView, error) {
	l := lang(r)
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		return nil, err
	}
	row, err := s.reqRow(r, c, req)
	if err != nil {
		return nil, err
	}
	conv := s.when(r, c.At) + ", " + translate(l, "wf.loc."+c.Location)
	name := client.Name
	if client.DossierRef != "" {
		name += " (" + client.DossierRef + ")"
	}
	d := &docView{Org: org.Name, Facts: []pdf.Fact{
		{Label: translate(l, "words.doc.org"), Value: org.Name},
		{Label: translate(l, "wf.client"), Value: name},
		{Label: translate(l, "wf.conversation"), Value: conv},
		{Label: translate(l, "wf.request"), Value: row.What},
		{Label: translate(l, "wf.print.policy"), Value: s.policyName(r, row.D.Policy)},
		{Label: translate(l, "words.doc.policy.digest"), Value: row.D.Policy.Digest},
	}}
	sign := func(who, name, role, date string) pdf.Signature {
		return pdf.Signature{Who: who, Lines: []pdf.Fact{
			{Label: translate(l, "words.doc.name"), Value: name},
			{Label: translate(l, "words.doc.role"), Value: role},
			{Label: translate(l, "words.doc.date"), Value: date},
			{Label: translate(l, "words.doc.signature")},
		}}
	}
	if decision {
		m := req.Manager
		if m == nil || m.Approved == nil {
			return nil, &opname.Error{Kind: opname.NotFound, Msg: "no manager's decision was taken on this request"}
		}
		verdict := translate(l, "words.doc.refused")
		if *m.Approved {
			verdict = translate(l, "words.doc.allowed")
		}
		d.Title = translate(l, "wf.print.decision.title")
		d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "wf.print.assessment"), Paragraphs: []string{m.Assessment},
			Facts: []pdf.Fact{{Label: translate(l, "words.doc.consulted"), Value: m.Consulted}}})
		if len(row.Answers) > 0 {
			d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "wf.answers"), Paragraphs: row.Answers})
		}
		decided := s.when(r, m.DecidedAt)
		d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "wf.print.decision"), Facts: []pdf.Fact{
			{Label: translate(l, "words.doc.outcome"), Value: verdict},
			{Label: translate(l, "words.doc.reasons"), Value: m.Reasons},
			{Label: translate(l, "words.doc.decided"), Value: decided},
		}})
		d.Signatures = []pdf.Signature{sign(translate(l, "words.doc.manager"), m.DecidedName, translate(l, "words.doc.manager"), decided)}
		return d, nil
	}
	d.Title = translate(l, "wf.print.declaration")
	terms := row.D.Agreements
	if req.Agreement != nil {
		terms = req.Agreement.Terms
	}
	var lines []string
	for _, t := range terms {
		lines = append(lines, "• "+policy.Agreements.Label(t, l))
	}
	d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "wf.terms"), Paragraphs: lines})
	if g := req.Agreement; g != nil {
		facts := []pdf.Fact{{Label: translate(l, "words.doc.recorded"), Value: translate(l, "wf.form."+g.Form) + ", " + s.when(r, g.At)}}
		if g.Refused {
			facts = append(facts, pdf.Fact{Label: translate(l, "words.doc.signing"), Value: translate(l, "wf.agreed.refused")})
		}
		facts = append(facts, pdf.Fact{Label: translate(l, "words.doc.digest"), Value: g.Digest})
		d.Sections = append(d.Sections, pdf.Section{Heading: translate(l, "words.doc.recorded"), Facts: facts})
		d.Digest = g.Digest
	}
	d.Signatures = []pdf.Signature{
		sign(translate(l, "wf.client"), client.Name, translate(l, "wf.client"), ""),
		sign(translate(l, "wf.print.staff"), "", fmt.Sprintf(translate(l, "words.doc.staff.of"), org.Name), ""),
	}
	return d, nil
}

// pdfOf is d as a PDF document in language l.
func pdfOf(d *docView, l string) pdf.Document {
	doc := pdf.Document{Title: d.Title, Header: d.Org, PageOf: translate(l, "words.doc.pageof"), Sections: []pdf.Section{{Facts: d.Facts}}}
	doc.Sections = append(doc.Sections, d.Sections...)
	doc.Sections = append(doc.Sections, pdf.Section{Heading: translate(l, "wf.print.signatures"), Signatures: d.Signatures})
	return doc
}

// policyName is the policy a decision was made under, in words: its title
// in the reader's language and its version.
func (s *Server) policyName(r *http.Request, ref policy.PolicyRef) string {
	l := lang(r)
	title := ref.Name
	if p, err := s.Policies.Policy(ref.Name); err == nil {
		title = p.Title.In(l)
	} else if org, err := s.Store.Organisation(r.Context()); err == nil {
		if p, err := s.compiled(org.Policy); err == nil && p.Name == ref.Name {
			title = p.Title.In(l)
		}
	}
	return fmt.Sprintf(translate(l, "words.doc.policy"), title, ref.Version)
}

// loadDocument reads the request of r's path, its conversation and
// client, and builds its document: the manager's decision when decision is
// set, else the agreements. Reads go through ctx, which may carry a
// purpose.
func (s *Server) loadDocument(ctx context.Context, r *http.Request, decision bool) (*opname.Request, *opname.Client, *docView, error) {
	req, err := s.Store.Request(ctx, r.PathValue("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.Store.Conversation(r.Context(), req.ConversationID)
	if err != nil {
		return nil, nil, nil, err
	}
	client, err := s.Store.Client(r.Context(), req.ClientID)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := s.requestDoc(r, req, c, client, decision)
	return req, client, d, err
}

// requestDocument answers a request's document as a PDF download; name is
// its file name's start.
func (s *Server) requestDocument(w http.ResponseWriter, r *http.Request, name string, decision bool) {
	ctx := r.Context()
	req, _, d, err := s.loadDocument(ctx, r, decision)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := pdf.Render(&buf, pdfOf(d, lang(r))); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Store.Record(ctx, opname.AccessEvent{Action: opname.AccessPrint, ClientID: req.ClientID, ObjectType: "request", ObjectID: req.ID, Purpose: name + ".pdf"}); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+req.ID+`.pdf"`)
	_, _ = w.Write(buf.Bytes())
}

// printStyle is the stylesheet that numbers the pages of a page printed in
// language l.
func printStyle(l string) string { return "print-" + strings.ToLower(l) + ".css" }
