package policy

import (
	"slices"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// Scope is what a rule is about, read from its condition: the actions, the
// kinds of recorder and the media for which the condition can hold, and
// whether it concerns a recording made in secret. A field the condition
// does not restrict holds every value. The scope is an over-estimate: a
// rule that holds only together with other facts is still in its scope.
type Scope struct {
	Actions []string
	By      []string
	Media   []string
	// Covert holds true when the condition can hold for a secret
	// recording, false when it can hold for an open one.
	Covert []bool
}

// Scope returns what the rule is about (see Scope).
func (r *Rule) Scope() Scope {
	if r.ast == nil {
		return fullScope()
	}
	return scopeOf(r.ast.NativeRep().Expr())
}

// scopeKey is where a situation lies among scopes.
type scopeKey struct {
	action, by, medium string
	covert             bool
}

// index files every rule under each scope key its scope holds, once, when
// the policy is compiled; a decision then evaluates only the rules that
// can hold. Scopes over-estimate, so no rule that holds is left out
// (TestIndexDecidesAlike).
func (p *Policy) index(adapter types.Adapter) {
	p.adapter = adapter
	p.byScope = map[scopeKey][]*Rule{}
	for _, r := range p.Rules {
		sc := r.Scope()
		for _, action := range sc.Actions {
			for _, by := range sc.By {
				for _, medium := range sc.Media {
					for _, covert := range sc.Covert {
						k := scopeKey{action, by, medium, covert}
						p.byScope[k] = append(p.byScope[k], r)
					}
				}
			}
		}
	}
}

// rulesFor are the rules that can hold in s: those of its scope key, or
// every rule when the policy has no index or s lies outside every scope
// (a situation that was not checked).
func (p *Policy) rulesFor(s *Situation) []*Rule {
	if p.byScope == nil {
		return p.Rules
	}
	if !slices.Contains(actionValues, s.Action) || !slices.Contains(byValues, s.By) || !slices.Contains(mediumValues, s.Medium) {
		return p.Rules
	}
	return p.byScope[scopeKey{s.Action, s.By, s.Medium, s.Covert}]
}

func fullScope() Scope {
	return Scope{Actions: actionValues, By: byValues, Media: mediumValues, Covert: []bool{false, true}}
}

// scopeOf narrows the full scope by the comparisons that every way of
// making e true must pass: both sides of &&, either side of ||, and the
// comparisons of action, by, medium and covert with literals. Anything else
// leaves the scope as it is.
func scopeOf(e ast.Expr) Scope {
	s := fullScope()
	switch e.Kind() {
	case ast.IdentKind:
		if e.AsIdent() == "covert" {
			s.Covert = []bool{true}
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "_&&_":
			a, b := scopeOf(args[0]), scopeOf(args[1])
			return Scope{both(a.Actions, b.Actions), both(a.By, b.By), both(a.Media, b.Media), both(a.Covert, b.Covert)}
		case "_||_":
			a, b := scopeOf(args[0]), scopeOf(args[1])
			return Scope{both(s.Actions, either(a.Actions, b.Actions)), both(s.By, either(a.By, b.By)), both(s.Media, either(a.Media, b.Media)), both(s.Covert, either(a.Covert, b.Covert))}
		case "!_":
			if args[0].Kind() == ast.IdentKind && args[0].AsIdent() == "covert" {
				s.Covert = []bool{false}
			}
		case "_==_", "_!=_", "@in":
			name, values := compared(call.FunctionName(), args)
			if values == nil {
				return s
			}
			switch name {
			case "action":
				s.Actions = both(s.Actions, values)
			case "by":
				s.By = both(s.By, values)
			case "medium":
				s.Media = both(s.Media, values)
			}
		}
	}
	return s
}

// compared reads `field == "x"`, `field != "x"` and `field in ["x", "y"]`
// into the field's name and the values for which the comparison holds.
func compared(fn string, args []ast.Expr) (string, []string) {
	if len(args) != 2 {
		return "", nil
	}
	field, lits := args[0], args[1:]
	switch {
	case fn == "@in":
		if args[1].Kind() != ast.ListKind {
			return "", nil
		}
		lits = args[1].AsList().Elements()
	case args[0].Kind() == ast.LiteralKind:
		field, lits = args[1], args[:1]
	}
	if field.Kind() != ast.IdentKind {
		return "", nil
	}
	name, domain := fieldValues(field)
	if domain == nil {
		return "", nil
	}
	var named []string
	for _, lit := range lits {
		if lit.Kind() != ast.LiteralKind {
			return "", nil
		}
		v, ok := lit.AsLiteral().(types.String)
		if !ok {
			return "", nil
		}
		named = append(named, string(v))
	}
	if fn == "_!=_" {
		return name, slices.DeleteFunc(slices.Clone(domain), func(v string) bool { return slices.Contains(named, v) })
	}
	return name, both(domain, named)
}

// both keeps the values of a that b holds too, in a's order.
func both[T comparable](a, b []T) []T {
	out := []T{}
	for _, v := range a {
		if slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// either is every value of a, then those of b that a lacks.
func either[T comparable](a, b []T) []T {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
