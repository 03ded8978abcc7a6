package policy

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Retention is how long a policy keeps one kind of record: a period in
// years and months, counted from what starts the clock, and the legal
// basis of it in words (or that the period is the organisation's own
// choice).
type Retention struct {
	Kind   string
	Years  int
	Months int
	Clock  string
	Basis  Text
	Policy string
}

// RetentionKinds are the kinds of record a retention rule is for: the
// organisation's recording in the dossier, a client's copy handed to the
// organisation, a declared edit, a request's agreements, its decisions,
// and the access log.
var RetentionKinds = []string{"recording", "client_copy", "edit", "agreements", "decisions", "access_log"}

// RetentionClocks say what starts a retention period: the record's own
// date, or the end of care for the client.
var RetentionClocks = []string{"recorded", "care_ended"}

// MaxRetentionYears bounds a period, so that a typing error does not keep
// a record for ever or overflow a date.
const MaxRetentionYears = 115

type retentionDoc struct {
	Kind   string `yaml:"kind"`
	Years  int    `yaml:"years"`
	Months int    `yaml:"months"`
	Clock  string `yaml:"clock"`
	Basis  Text   `yaml:"basis"`
}

// retention compiles a policy's retention section over the rules it
// inherits: a kind it names replaces the inherited rule for that kind.
func (c *compiler) retention(p *Policy, docs []retentionDoc, doc *yaml.Node, base *Policy) {
	if base != nil {
		p.Retention = slices.Clone(base.Retention)
	}
	var seen []string
	for i, rd := range docs {
		item := itemNode(doc, "retention", i)
		r := Retention{Kind: rd.Kind, Years: rd.Years, Months: rd.Months, Clock: rd.Clock, Basis: trimText(rd.Basis), Policy: p.Name}
		if _, err := CheckRetention(r); err != "" {
			c.add(item.Line, "", "retention %s: %s", rd.Kind, err)
			continue
		}
		if slices.Contains(seen, r.Kind) {
			c.add(keyAt(item, "kind"), "", "retention %s: the kind is given twice", r.Kind)
			continue
		}
		seen = append(seen, r.Kind)
		if at := slices.IndexFunc(p.Retention, func(x Retention) bool { return x.Kind == r.Kind }); at >= 0 {
			p.Retention[at] = r
		} else {
			p.Retention = append(p.Retention, r)
		}
	}
}

// CheckRetention says what is wrong with a retention rule: the field
// (kind, clock, period, basis) and a message; "" when nothing is.
func CheckRetention(r Retention) (field, msg string) {
	switch {
	case !slices.Contains(RetentionKinds, r.Kind):
		return "kind", "kind must be one of " + strings.Join(RetentionKinds, ", ")
	case !slices.Contains(RetentionClocks, r.Clock):
		return "clock", "clock must be one of " + strings.Join(RetentionClocks, ", ")
	case r.Years < 0 || r.Months < 0 || r.Months > 11:
		return "period", "years must be 0 or more and months 0 to 11"
	case r.Years == 0 && r.Months == 0:
		return "period", "the period is missing: give years or months"
	case r.Years > MaxRetentionYears:
		return "period", "years must be at most 115"
	case strings.TrimSpace(r.Basis.NL) == "" || strings.TrimSpace(r.Basis.EN) == "":
		return "basis", "basis is missing: give the legal basis (or say it is the organisation's own choice) in nl and en"
	}
	return "", ""
}

// RetentionFor returns the policy's rule for kind, if it has one.
func (p *Policy) RetentionFor(kind string) (Retention, bool) {
	at := slices.IndexFunc(p.Retention, func(x Retention) bool { return x.Kind == kind })
	if at < 0 {
		return Retention{}, false
	}
	return p.Retention[at], true
}
