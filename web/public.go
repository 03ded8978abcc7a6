package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	// Imported by another name: the gate has an access kind "public".
	publication "github.com/opname/opname/public"
	"github.com/opname/opname/translog"
	"go.yaml.in/yaml/v3"
)

// An organisation's public page (/o/{slug}): what it agrees about
// recording conversations, as its policy says it — every rule and guidance
// point with its source, through package public —, its own introduction,
// contact and complaints procedure, the history of its policy with what
// each change changed and why, and what a receipt is checked against.
// The same page comes without the application's navigation at
// /o/{slug}/inbedden, which other sites may frame. The policy itself is
// published as text (policy.yaml) and as compiled rules (policy.json).
//
// Nothing here needs a sign-in or reads client data: the store's
// PublicProfile takes no actor and records nothing. A page is the same for
// every reader of a language (the organisation's time zone, no session,
// no form token), so it is cached by its content's ETag.

// publicView is what the public page shows, in the reader's language.
type publicView struct {
	*page
	Slug, Name string
	// Embed is the page without the application's navigation.
	Embed bool
	// Found is false on the page that says there is no such organisation.
	Found bool
	Pub   *publication.Publication
	// Intro, Contact and Complaints are the organisation's own texts.
	Intro, Contact, Complaints ownText
	ComplaintsURL, Ombudsman   string
	Policy                     publicPolicy
	History                    []historyRow
	Check                      publicCheck
	// Base is the page's own address, /o/{slug}; FullURL its absolute
	// address.
	Base, FullURL string
	// Printed are the organisation's printed matter.
	Printed []printedLink
}

// ownText is a text the organisation wrote: in the reader's language, or
// else in the other one, which Lang then names.
type ownText struct{ Text, Lang string }

// ownIn is the organisation's text in l, from its Dutch and English.
func ownIn(l, nl, en string) ownText {
	mine, other, otherLang := nl, en, "en"
	if l == "en" {
		mine, other, otherLang = en, nl, "nl"
	}
	switch {
	case mine != "":
		return ownText{Text: mine}
	case other != "":
		return ownText{Text: other, Lang: otherLang}
	}
	return ownText{}
}

// publicPolicy is the policy in force.
type publicPolicy struct {
	Title, Since, Digest string
	Version              int
}

// historyRow is one version of the policy, with what it changed.
type historyRow struct {
	Version               int
	Title, Since, Reason  string
	Current, First, Known bool
	changeRows
}

// publicCheck is what a receipt is checked against: the log's verifier
// key, its fingerprint and latest checkpoint, and the command.
type publicCheck struct {
	Key, Fingerprint, Checkpoint string
	LogURL, Command              string
}

// printedLink is a piece of printed matter, as a page and as a PDF.
type printedLink struct{ Label, Page, PDF string }

// publicPrinted are the printed matter's routes under /o/{slug}/ and
// their names.
var publicPrinted = []struct{ route, label string }{
	{"folder", "public.printed.folder"}, {"poster", "public.printed.poster"}, {"zakkaart", "public.printed.card"},
}

func (s *Server) publicPage(w http.ResponseWriter, r *http.Request) {
	s.showPublic(w, r, false)
}

// publicEmbed is the public page for a frame on another site: without
// the navigation, and with a frame-ancestors that lets any site show it.
func (s *Server) publicEmbed(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors *; form-action 'self'")
	s.showPublic(w, r, true)
}

func (s *Server) showPublic(w http.ResponseWriter, r *http.Request, embed bool) {
	prof, err := s.Store.PublicProfile(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	v, err := s.publicViewOf(r, prof, embed)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderData(w, r, http.StatusOK, "public", v.page, v)
}

// publicError answers a request for a page under /o/ with err: an
// unknown organisation gets a page of its own, in the public layout.
func (s *Server) publicError(w http.ResponseWriter, r *http.Request, err error) {
	if opname.KindOf(err) != opname.NotFound {
		s.Error(w, r, err)
		return
	}
	l := lang(r)
	v := &publicView{page: &page{Title: translate(l, "public.missing.title"), Layout: "publiclayout", Here: r.URL.Path}}
	s.renderData(w, r, http.StatusNotFound, "public", v.page, v)
}

// publicViewOf is the public page of prof in r's language.
func (s *Server) publicViewOf(r *http.Request, prof *opname.PublicProfile, embed bool) (*publicView, error) {
	l := lang(r)
	pol, err := s.compiledVersion(prof.Policy)
	if err != nil {
		return nil, fmt.Errorf("web: policy of %s: %w", prof.Slug, err)
	}
	// The organisation's zone, whoever reads: the page is the same for
	// every reader.
	zone := (&opname.Organisation{TimeZone: prof.TimeZone}).Location()
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		info.zone = zone
	}
	base := "/o/" + prof.Slug
	pub := publication.New(pol, prof.Name, l, s.sourcesOf(func() []policy.Source { return pol.Sources }))
	v := &publicView{
		// The language switch comes back to the page in the language
		// chosen, not in the one a ?lang= asked for.
		page: &page{Title: pub.Title, Layout: "publiclayout", Cache: true, Here: r.URL.Path,
			Org: &opname.Organisation{Slug: prof.Slug, Name: prof.Name, TimeZone: prof.TimeZone}},
		Slug: prof.Slug, Name: prof.Name, Embed: embed, Found: true, Pub: pub, Base: base, FullURL: s.baseURL(r) + base,
		Intro:         ownIn(l, prof.Texts.IntroNL, prof.Texts.IntroEN),
		Contact:       ownIn(l, prof.Texts.ContactNL, prof.Texts.ContactEN),
		Complaints:    ownIn(l, prof.Complaints.ComplaintsNL, prof.Complaints.ComplaintsEN),
		ComplaintsURL: prof.Complaints.ComplaintsURL, Ombudsman: opname.OmbudsmanComplaintsURL,
		Policy: publicPolicy{Title: pol.Title.In(l), Since: formatTime(prof.Policy.CreatedAt, zone, l), Digest: pol.Digest, Version: prof.Policy.Version},
	}
	for _, p := range publicPrinted {
		v.Printed = append(v.Printed, printedLink{Label: translate(l, p.label), Page: base + "/" + p.route, PDF: base + "/" + p.route + ".pdf"})
	}
	// Each version with what it changed from the one before. A version
	// that no longer compiles (an own text older than this opname) is
	// listed by its name, without what it changed.
	versions := make([]*policy.Policy, len(prof.History))
	for i, pv := range prof.History {
		versions[i], _ = s.compiledVersion(pv)
	}
	for i, pv := range prof.History {
		row := historyRow{Version: pv.Version, Title: pv.Name, Since: formatTime(pv.CreatedAt, zone, l), Reason: pv.Reason,
			Current: i == 0, First: i == len(prof.History)-1}
		if versions[i] != nil {
			row.Title = versions[i].Title.In(l)
		}
		if !row.First && versions[i] != nil && versions[i+1] != nil {
			if cmp, err := policy.Compare(versions[i+1], versions[i], policy.TypicalCases()); err == nil {
				row.changeRows, row.Known = changesOf(cmp, l), true
			}
		}
		v.History = append(v.History, row)
	}
	signed, key, err := s.Store.LatestCheckpoint(r.Context(), prof.Slug)
	if err != nil {
		return nil, err
	}
	logURL := s.baseURL(r) + "/api/v1/logs/" + prof.Slug
	v.Check = publicCheck{Key: key, Fingerprint: translog.Fingerprint(key), Checkpoint: strings.TrimSpace(signed), LogURL: logURL,
		Command: "opname verify --receipt " + translate(l, "public.check.receipt.file") + " --log " + logURL + " " + translate(l, "public.check.recording.file")}
	return v, nil
}

// sourcesOf looks a source document up among the shipped catalogue's,
// and then among own: the documents of an organisation's own policy.
// own is called once, when first needed.
func (s *Server) sourcesOf(own func() []policy.Source) publication.Sources {
	docs := sync.OnceValue(own)
	return func(file string) (policy.Source, bool) {
		if src, ok := s.Policies.Source(file); ok {
			return src, true
		}
		list := docs()
		if i := slices.IndexFunc(list, func(src policy.Source) bool { return src.File == file }); i >= 0 {
			return list[i], true
		}
		return policy.Source{}, false
	}
}

// policyCache keeps organisations' own policy texts compiled, by the
// SHA-256 of their name and text: the public page shows every version of
// the history with what it changed, and an own text takes a while to
// compile. Shipped policies the library keeps itself.
type policyCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*policy.Policy
}

// maxOwnPolicies bounds the policies kept; when full, they are forgotten
// and compiled again as pages ask for them.
const maxOwnPolicies = 128

// compiledVersion is pv compiled, from the library or the server's cache.
func (s *Server) compiledVersion(pv opname.PolicyVersion) (*policy.Policy, error) {
	if pv.Shipped != "" {
		return s.compiled(pv)
	}
	c := &s.ownPolicies
	key := sha256.Sum256([]byte(pv.Name + "\x00" + pv.Text))
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := s.compiled(pv)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxOwnPolicies {
		c.m = map[[sha256.Size]byte]*policy.Policy{}
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// cached answers body with an ETag of its content, or 304 Not Modified to
// a request that has it already. What an organisation publishes changes
// with its policy, its texts and its log, so a cache must ask again each
// time; a page's language comes from a cookie, so it varies with the
// cookies.
func cached(w http.ResponseWriter, r *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, no-cache")
	h.Set("Vary", "Cookie")
	for m := range strings.SplitSeq(r.Header.Get("If-None-Match"), ",") {
		if m = strings.TrimSpace(m); m == etag || m == "*" || m == "W/"+etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	_, _ = w.Write(body)
}

// publishedText is one policy text of policy.yaml: the organisation's
// own, or one it extends.
type publishedText struct {
	Name    string `yaml:"name"`
	Digest  string `yaml:"digest"`
	Extends string `yaml:"extends,omitempty"`
	Text    string `yaml:"text"`
}

// publishedYAML is policy.yaml.
type publishedYAML struct {
	Organisation string          `yaml:"organisation"`
	Slug         string          `yaml:"slug"`
	Version      int             `yaml:"organisation_version"`
	Effective    string          `yaml:"effective"`
	Digest       string          `yaml:"digest"`
	Texts        []publishedText `yaml:"texts"`
}

// yamlHeader says what policy.yaml is and how its digest is made.
const yamlHeader = `# The recording policy of %s as opname applies it: its own text and the
# texts it extends, each verbatim under "text". The first is the
# organisation's; reuse it as a policy file of your own (opname policy lint).
#
# The digest of a text is "sha256:" and the hex SHA-256 of its bytes; for a
# text that extends another, of its bytes, a zero byte, "extends " and the
# digest of the text it extends. The first text's digest is the policy's
# digest, which every decision under it names.
`

// policyChain is the texts of policy pol as organisation version pv
// holds it, the organisation's own first and then each it extends.
func (s *Server) policyChain(pv opname.PolicyVersion, pol *policy.Policy) ([]publishedText, error) {
	text := pv.Text
	if pv.Shipped != "" {
		raw, err := s.Policies.Text(pv.Shipped)
		if err != nil {
			return nil, err
		}
		text = string(raw)
	}
	out := []publishedText{{Name: pol.Name, Digest: pol.Digest, Extends: pol.Extends, Text: text}}
	for name := pol.Extends; name != ""; {
		base, err := s.Policies.Policy(name)
		if err != nil {
			return nil, err
		}
		raw, err := s.Policies.Text(name)
		if err != nil {
			return nil, err
		}
		out = append(out, publishedText{Name: base.Name, Digest: base.Digest, Extends: base.Extends, Text: string(raw)})
		name = base.Extends
	}
	return out, nil
}

// publicYAML answers the policy as published: the texts that make it,
// verbatim, so that anyone can recompute its digest.
func (s *Server) publicYAML(w http.ResponseWriter, r *http.Request) {
	prof, pol, ok := s.publicPolicy(w, r)
	if !ok {
		return
	}
	texts, err := s.policyChain(prof.Policy, pol)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc := publishedYAML{Organisation: prof.Name, Slug: prof.Slug, Version: prof.Policy.Version,
		Effective: prof.Policy.CreatedAt.UTC().Format(time.RFC3339), Digest: pol.Digest, Texts: texts}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, yamlHeader, prof.Name)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		s.Error(w, r, fmt.Errorf("web: policy.yaml: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	cached(w, r, buf.Bytes())
}

// publicPolicy reads the profile of the organisation in r's path and
// compiles its policy; on an error it has answered.
func (s *Server) publicPolicy(w http.ResponseWriter, r *http.Request) (*opname.PublicProfile, *policy.Policy, bool) {
	prof, err := s.Store.PublicProfile(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return nil, nil, false
	}
	pol, err := s.compiledVersion(prof.Policy)
	if err != nil {
		s.Error(w, r, fmt.Errorf("web: policy of %s: %w", prof.Slug, err))
		return nil, nil, false
	}
	return prof, pol, true
}

// publishedRule is a rule of policy.json: the API's rule (ruleOf) with
// everything the rule decides.
type publishedRule struct {
	ruleJSON
	SeeAlso      []policy.Citation `json:"see_also,omitempty"`
	When         string            `json:"when"`
	ConsentFrom  []string          `json:"consent_from,omitempty"`
	OnRefusal    policy.Outcome    `json:"on_refusal,omitempty"`
	DecidedBy    string            `json:"decided_by,omitempty"`
	Obligations  []string          `json:"obligations,omitempty"`
	Agreements   []string          `json:"agreements,omitempty"`
	Alternatives []string          `json:"alternatives,omitempty"`
	Enforcement  []string          `json:"enforcement,omitempty"`
	Advice       []string          `json:"advice,omitempty"`
	// Policy is the policy that defined the rule: the organisation's own
	// or one it extends.
	Policy string `json:"policy"`
}

type publishedGuidance struct {
	Source      string            `json:"source"`
	Ref         string            `json:"ref"`
	SeeAlso     []policy.Citation `json:"see_also,omitempty"`
	Text        string            `json:"text"`
	SupportedBy []string          `json:"supported_by"`
	Explain     policy.Text       `json:"explain"`
	Policy      string            `json:"policy"`
}

type publishedSource struct {
	File  string `json:"file"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

type publishedVersion struct {
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	Digest    string    `json:"digest"`
	Previous  string    `json:"previous_digest,omitempty"`
	Effective time.Time `json:"effective"`
	Reason    string    `json:"reason,omitempty"`
}

// publishedJSON is policy.json: the policy as opname compiled it.
type publishedJSON struct {
	Organisation struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"organisation"`
	Name                string              `json:"name"`
	Title               policy.Text         `json:"title"`
	Version             string              `json:"version"`
	Kind                string              `json:"kind,omitempty"`
	Extends             string              `json:"extends,omitempty"`
	Digest              string              `json:"digest"`
	OrganisationVersion int                 `json:"organisation_version"`
	Effective           time.Time           `json:"effective"`
	Representation      string              `json:"representation,omitempty"`
	OrganisationConsent string              `json:"organisation_consent,omitempty"`
	Sources             []publishedSource   `json:"sources"`
	Rules               []publishedRule     `json:"rules"`
	Guidance            []publishedGuidance `json:"guidance"`
	History             []publishedVersion  `json:"history"`
}

// publicJSON answers the compiled policy: its rules with what each
// decides, its guidance, its sources and its history.
func (s *Server) publicJSON(w http.ResponseWriter, r *http.Request) {
	prof, pol, ok := s.publicPolicy(w, r)
	if !ok {
		return
	}
	out := publishedJSON{Name: pol.Name, Title: pol.Title, Version: pol.Version, Kind: pol.Kind, Extends: pol.Extends, Digest: pol.Digest,
		OrganisationVersion: prof.Policy.Version, Effective: prof.Policy.CreatedAt.UTC(), Representation: pol.Representation, OrganisationConsent: pol.OrganisationConsent,
		Sources: []publishedSource{}, Rules: []publishedRule{}, Guidance: []publishedGuidance{}, History: []publishedVersion{}}
	out.Organisation.Slug, out.Organisation.Name = prof.Slug, prof.Name
	for _, src := range pol.Sources {
		out.Sources = append(out.Sources, publishedSource{File: src.File, Title: src.Title, URL: src.URL})
	}
	for _, rule := range pol.Rules {
		out.Rules = append(out.Rules, publishedRule{ruleJSON: ruleOf(rule), SeeAlso: rule.SeeAlso, When: rule.When, ConsentFrom: rule.ConsentFrom,
			OnRefusal: rule.OnRefusal, DecidedBy: rule.DecidedBy, Obligations: rule.Obligations, Agreements: rule.Agreements,
			Alternatives: rule.Alternatives, Enforcement: rule.Enforcement, Advice: rule.Advice, Policy: rule.Policy})
	}
	for _, g := range pol.Guidance {
		out.Guidance = append(out.Guidance, publishedGuidance{Source: g.Source, Ref: g.Ref, SeeAlso: g.SeeAlso, Text: g.Text, SupportedBy: g.SupportedBy, Explain: g.Explain, Policy: g.Policy})
	}
	for _, pv := range prof.History {
		out.History = append(out.History, publishedVersion{Version: pv.Version, Name: pv.Name, Digest: pv.Digest, Previous: pv.Previous, Effective: pv.CreatedAt.UTC(), Reason: pv.Reason})
	}
	// Conditions keep their && and < as written.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		s.Error(w, r, fmt.Errorf("web: policy.json: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	cached(w, r, buf.Bytes())
}
