package policy

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"go.yaml.in/yaml/v3"
)

//go:embed shipped/*.yaml
var shipped embed.FS

// Source is a source document that policies cite: its file name, its
// title and public web address for people (the address only where it is
// known), and the numbers or headings of its rules.
type Source struct {
	File  string
	Title string
	URL   string
	Refs  []string
	// Anchors holds, for each ref, a phrase that stands in the document at
	// that rule, so that the catalogue can be checked against the text.
	Anchors []string
}

// A Library compiles policies: the shipped ones by name, and any other
// policy text, which may extend a shipped one. It knows the catalogue of
// source documents that citations are checked against. A Library caches
// compiled shipped policies and is safe for concurrent use.
type Library struct {
	env     *cel.Env
	fsys    fs.FS
	catalog []Source

	mu    sync.Mutex
	cache map[string]*Policy
}

// Shipped returns a library of the policies embedded in opname.
func Shipped() (*Library, error) {
	return NewLibrary(shipped)
}

// NewLibrary returns a library of the policies in fsys: shipped/NAME.yaml,
// and the source catalogue shipped/sources.yaml.
func NewLibrary(fsys fs.FS) (*Library, error) {
	env, err := newEnv()
	if err != nil {
		return nil, err
	}
	l := &Library{env: env, fsys: fsys, cache: map[string]*Policy{}}
	data, err := fs.ReadFile(fsys, "shipped/sources.yaml")
	if err != nil {
		return nil, fmt.Errorf("policy: source catalogue: %w", err)
	}
	var docs []struct {
		File  string `yaml:"file"`
		Title string `yaml:"title"`
		URL   string `yaml:"url"`
		Refs  []struct {
			Ref    string `yaml:"ref"`
			Anchor string `yaml:"anchor"`
		} `yaml:"refs"`
	}
	if err := yaml.Unmarshal(data, &docs); err != nil {
		return nil, fmt.Errorf("policy: source catalogue: %w", err)
	}
	for _, d := range docs {
		s := Source{File: d.File, Title: d.Title, URL: d.URL}
		for _, r := range d.Refs {
			s.Refs = append(s.Refs, r.Ref)
			s.Anchors = append(s.Anchors, r.Anchor)
		}
		l.catalog = append(l.catalog, s)
	}
	return l, nil
}

// Catalogue returns the source documents the library knows.
func (l *Library) Catalogue() []Source { return slices.Clone(l.catalog) }

// Source returns the catalogue's source document with file name file. A
// decision cites sources by file name; their titles and addresses are for
// showing people what a rule comes from.
func (l *Library) Source(file string) (Source, bool) {
	i := slices.IndexFunc(l.catalog, func(s Source) bool { return s.File == file })
	if i < 0 {
		return Source{}, false
	}
	return l.catalog[i], true
}

// Names returns the names of the shipped policies, sorted.
func (l *Library) Names() []string {
	entries, _ := fs.ReadDir(l.fsys, "shipped")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && name != "sources" {
			names = append(names, name)
		}
	}
	return names
}

// Policy returns the shipped policy called name. An unknown name is an
// *Error.
func (l *Library) Policy(name string) (*Policy, error) {
	return l.policy(name, nil)
}

func (l *Library) policy(name string, seen []string) (*Policy, error) {
	l.mu.Lock()
	p, ok := l.cache[name]
	l.mu.Unlock()
	if ok {
		return p, nil
	}
	if slices.Contains(seen, name) {
		return nil, invalid("extends", name, "policies extend each other in a circle: %s", strings.Join(append(seen, name), " → "))
	}
	if !namePattern(name) || name == "sources" {
		return nil, l.unknown(name)
	}
	file := path.Join("shipped", name+".yaml")
	text, err := fs.ReadFile(l.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, l.unknown(name)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: read %s: %w", file, err)
	}
	p, err = l.parse(name+".yaml", text, append(seen, name))
	if err != nil {
		return nil, err
	}
	if p.Name != name {
		return nil, invalid(file, p.Name, "the policy's name must match its file name %q", name)
	}
	l.mu.Lock()
	l.cache[name] = p
	l.mu.Unlock()
	return p, nil
}

// Text returns the text of the shipped policy called name.
func (l *Library) Text(name string) ([]byte, error) {
	if !namePattern(name) || name == "sources" {
		return nil, l.unknown(name)
	}
	text, err := fs.ReadFile(l.fsys, path.Join("shipped", name+".yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, l.unknown(name)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: read %s: %w", name, err)
	}
	return text, nil
}

func (l *Library) unknown(name string) error {
	return invalid("policy", name, "no such policy; the shipped policies are %s", strings.Join(l.Names(), ", "))
}

// Parse compiles a policy text; file names it in messages. A policy with
// `extends` builds on the shipped policy of that name. Problems are
// reported as an *Error whose Findings list every one with its line.
func (l *Library) Parse(file string, text []byte) (*Policy, error) {
	return l.parse(file, text, nil)
}

func (l *Library) parse(file string, text []byte, seen []string) (*Policy, error) {
	d, err := l.draft(file, text, seen)
	if err != nil {
		return nil, err
	}
	if len(d.findings) > 0 {
		f := d.findings[0]
		msg := f.Msg
		if f.Rule != "" {
			msg = "rule " + f.Rule + ": " + msg
		}
		return nil, &Error{Field: f.Position(), Msg: msg, Findings: d.findings}
	}
	d.policy.index(l.env.CELTypeAdapter())
	return d.policy, nil
}

// A draft is a policy text compiled as far as it goes.
type draft struct {
	// policy is nil when the text is no policy document at all. When there
	// are findings it is incomplete: the linter reads it, nothing decides
	// with it.
	policy *Policy
	// broken holds the rules of the text that have an error.
	broken []*Rule
	// doc is the text's YAML document, for the lines of findings.
	doc *yaml.Node
	// findings are the errors, by line.
	findings []Finding
}

// draft compiles a policy text as far as it goes; problems in the text are
// its findings. The error is non-nil only when a policy it extends cannot be
// read.
func (l *Library) draft(file string, text []byte, seen []string) (*draft, error) {
	fail := func(line int, format string, args ...any) *draft {
		return &draft{findings: []Finding{{File: file, Line: line, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)}}}
	}
	if len(text) > MaxPolicyBytes {
		return fail(1, "a policy text may be at most %d bytes", MaxPolicyBytes), nil
	}
	var root yaml.Node
	var base *Policy
	if yaml.Unmarshal(text, &root) == nil && len(root.Content) > 0 {
		var name string
		if k, v := entry(root.Content[0], "extends"); v != nil && v.Decode(&name) == nil && name != "" {
			b, err := l.policy(name, seen)
			var pe *Error
			switch {
			case errors.As(err, &pe) && len(pe.Findings) > 0:
				return fail(k.Line, "extends %q: %s", name, pe.Error()), nil
			case errors.As(err, &pe):
				return fail(k.Line, "extends %q: %s", name, pe.Msg), nil
			case err != nil:
				return nil, fmt.Errorf("%s: extends: %w", file, err)
			}
			base = b
		}
	}
	d := l.compile(file, text, base)
	slices.SortStableFunc(d.findings, func(a, b Finding) int { return a.Line - b.Line })
	return d, nil
}

// source resolves a policy's sources entry: a document from the catalogue
// by file name, or a document of the organisation's own that lists its refs.
// A problem comes with the key of the entry it is about.
func (l *Library) source(sd sourceDoc) (Source, string, error) {
	if sd.File == "" {
		return Source{}, "file", errors.New("sources: file is missing")
	}
	for _, s := range l.catalog {
		if s.File == sd.File {
			if len(sd.Refs) > 0 {
				return Source{}, "refs", fmt.Errorf("sources: %s is a known document; do not list its refs", sd.File)
			}
			return s, "", nil
		}
	}
	if len(sd.Refs) == 0 {
		return Source{}, "file", fmt.Errorf("sources: %s is not a known document: list its rule numbers or headings under refs, so that citations of it can be checked", sd.File)
	}
	if u, err := url.Parse(sd.URL); sd.URL != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
		return Source{}, "url", fmt.Errorf("sources: url %q of %s is not a web address starting with https://", sd.URL, sd.File)
	}
	return Source{File: sd.File, Title: sd.Title, URL: sd.URL, Refs: sd.Refs}, "", nil
}

// MaxPolicyBytes bounds the size of a policy text.
const MaxPolicyBytes = 256 << 10

// Severity says whether a finding makes a policy unusable.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem in a policy text, at a line.
type Finding struct {
	File     string
	Line     int
	Rule     string
	Severity Severity
	Msg      string
}

// Position is "file:line".
func (f Finding) Position() string {
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Position())
	b.WriteString(": ")
	if f.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if f.Rule != "" {
		fmt.Fprintf(&b, "rule %s: ", f.Rule)
	}
	b.WriteString(f.Msg)
	return b.String()
}
