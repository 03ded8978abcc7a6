package web

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// TestLocalMessage checks that errors a person sees are said in the page's
// language, with the field named as the form names it.
func TestLocalMessage(t *testing.T) {
	long := strings.Repeat("x", 201)
	for _, c := range []struct {
		err    error
		labels fieldLabels
		nl, en string
	}{
		{opname.Line.Check("name", "a\x00b"), nil,
			"Naam: teken 2 is een onzichtbaar stuurteken (U+0000). Haal het weg.", "Name: character 2 is an invisible control character (U+0000). Remove it."},
		{opname.Line.Check("name", "Ren\xe9"), nil,
			"Naam: deze tekst bevat tekens die geen gewone tekst zijn.", "Name: this text holds characters that are not ordinary text."},
		{opname.Line.Check("name", long), labelsOf("nl", "name", "tokens.name"),
			"Naam van de sleutel: de tekst mag ten hoogste 200 tekens hebben; dit zijn er 201.", ""},
		{opname.Invalidf("description", "incident.description", "say what happened"), labelsOf("nl", "description", "wf.incident.what"),
			"Beschrijf kort wat er gebeurde: schrijf kort op wat er gebeurde.", ""},
		{opname.Invalidf("reason", "weighty.reason", "say what the weighty reason is"), labelsOf("en", "reason", "wf.weighty.reason"),
			"", "The reason: write down the weighty reason. The client reads it."},
		{opname.Coded(opname.Invalid, "upload.not_media", "the file is not audio or video but %s", "text/plain"), nil,
			"Het bestand is geen geluid of beeld, maar text/plain. Kies een geluids- of videobestand.", "The file is not sound or video but text/plain. Choose a sound or video file."},
		// A participant's field, by the form's legend or by number.
		{opname.Line.Chars(100).Check("participants[2].name", long), participantLabels("nl", fieldLabels{"participants[2]": "Deelnemer 0"}),
			"Deelnemer 0, naam: de tekst mag ten hoogste 100 tekens hebben; dit zijn er 201.", ""},
		{opname.Invalidf("participants[3].role", "participant.role", "%q is not known; use %s", "x", "client, staff"), nil,
			"Deelnemer 4, rol: kies een rol uit de lijst.", "Participant 4, role: choose a role from the list."},
		{opname.Invalidf("participants[3].age", "participant.age", "%d is not an age", 200), participantLabels("nl", fieldLabels{"participants[]": ""}),
			"Leeftijd: 200 is geen leeftijd.", ""},
		// Arguments a sentence leaves out are not appended.
		{opname.Invalidf("step", "incident.step", "%q is not on this incident's ladder (%s)", "x", "ask_to_stop"), nil,
			"Volgende stap: kies een stap uit de lijst.", ""},
		{opname.Coded(opname.NotFound, "not_found.client", "client not found"), nil,
			"Deze cliënt bestaat niet, of u mag hem niet zien.", ""},
		{fmt.Errorf("sqldb: %w", errors.New("driver text")), nil,
			"Er ging iets mis aan onze kant. Probeer het later opnieuw.", "Something went wrong on our side. Try again later."},
	} {
		for _, want := range []struct{ l, text string }{{"nl", c.nl}, {"en", c.en}} {
			if want.text == "" {
				continue
			}
			if got := formMessage(want.l, c.err, c.labels); got != want.text {
				t.Errorf("formMessage(%s, %v) = %q, want %q", want.l, c.err, got, want.text)
			}
		}
	}
}

// TestPolicyFindingsShown checks that a policy text with several problems
// is refused with all of them, each with its line, the frame in the page's
// language.
func TestPolicyFindingsShown(t *testing.T) {
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	text := "name: Eigen\nversion: 1\ncolour: blue\nrules: 7\n"
	_, err = opname.NewPolicyVersion(lib, "", []byte(text))
	findings := lib.Lint("policy.yaml", []byte(text))
	if len(findings) < 2 {
		t.Fatalf("the test's policy has %d findings, want at least 2", len(findings))
	}
	got := findingsOf("nl", err)
	if len(got) != len(findings) {
		t.Fatalf("findingsOf = %d findings, want %d: %v", len(got), len(findings), got)
	}
	for i, f := range findings {
		if want := fmt.Sprintf("regel %d", f.Line); !strings.Contains(strings.ToLower(got[i].Where), want) || got[i].Msg != f.Msg {
			t.Errorf("finding %d = %+v, want %q and %q", i, got[i], want, f.Msg)
		}
	}
	if msg, want := localMessage("nl", err), fmt.Sprintf("Beleid: de controle vond %d problemen. Het beleid is niet opgeslagen.", len(findings)); msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
	if msg := opname.Message(err); strings.Contains(msg, "more findings") || !strings.Contains(msg, findings[len(findings)-1].Msg) {
		t.Errorf("the API's message does not list every finding: %q", msg)
	}
}

// TestObjectTypesSaid reads the source of the store and the web and checks
// that every kind of object the access log names has words in the
// messages (object.*), so that the log never shows a code.
func TestObjectTypesSaid(t *testing.T) {
	types := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"..", "../vault", "../sqldb", "../cmd/opname", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var v ast.Expr
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ObjectType" {
						v = n.Value
					}
				case *ast.CallExpr:
					// sqldb's logRead(ctx, clientID, objectType, id) and
					// logList(ctx, clientID, objectType, n).
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "logRead" || sel.Sel.Name == "logList") && len(n.Args) > 2 {
						v = n.Args[2]
					}
				}
				if b, ok := v.(*ast.BasicLit); ok && b.Kind == token.STRING {
					s, _ := strconv.Unquote(b.Value)
					types[s] = fset.Position(b.Pos()).String()
				}
				return true
			})
		}
	}
	if len(types) < 10 {
		t.Fatalf("found %d object types; the reading of the source is broken", len(types))
	}
	for typ, at := range types {
		if _, ok := messages["object."+typ]; !ok {
			t.Errorf("%s: object type %q has no message object.%s", at, typ, typ)
		}
	}
}

// TestErrorCodesSaid reads the source of the core and the web and checks
// that every error code it sets has a sentence in the messages, and every
// field it names a label: a page never shows a code or an API field name.
func TestErrorCodesSaid(t *testing.T) {
	codes, fields := map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, dir := range []string{"..", "../workflow", "../vault", "../sqldb", "../evidence", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
						if v, ok := lit(n.Value); ok {
							codes[v] = fset.Position(n.Pos()).String()
						}
					}
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					}
					at := fset.Position(n.Pos()).String()
					arg := func(i int) (string, bool) {
						if i < len(n.Args) {
							return lit(n.Args[i])
						}
						return "", false
					}
					switch name {
					case "Coded":
						if v, ok := arg(1); ok {
							codes[v] = at
						}
					case "Invalidf", "invalid", "Check":
						if v, ok := arg(0); ok {
							fields[v] = at
						}
						// workflow's invalid and Invalidf: field, code; sqldb's
						// invalid: field, value, code.
						for _, i := range []int{1, 2} {
							if v, ok := arg(i); ok && regexp.MustCompile(`^[a-z_]+\.[a-z_.]+$`).MatchString(v) {
								codes[v] = at
							}
						}
					case "notFound":
						if v, ok := arg(0); ok {
							codes["not_found."+strings.ReplaceAll(v, " ", "_")] = at
						}
					}
				}
				return true
			})
		}
	}
	if len(codes) < 50 {
		t.Fatalf("found %d codes; the reading of the source is broken", len(codes))
	}
	for code, at := range codes {
		if _, ok := messages["err."+code]; !ok {
			t.Errorf("%s: error code %q has no message err.%s", at, code, code)
		}
	}
	for field, at := range fields {
		if _, ok := messages["field."+field]; !ok {
			t.Errorf("%s: field %q has no label field.%s", at, field, field)
		}
	}
	// Every sentence's verbs take arguments: a sentence with a verb of a
	// kind its code's arguments lack would show %!.
	for key, m := range messages {
		if strings.HasPrefix(key, "err.") && (strings.Contains(m.NL, "%!") || strings.Contains(m.EN, "%!")) {
			t.Errorf("%s has a broken verb", key)
		}
	}
}
