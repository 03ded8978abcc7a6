package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/workflow"
)

// seenObjectTypes are every object type the access log can hold: those
// the messages name (TestObjectTypesSaid holds that every object type in
// the source has one).
func seenObjectTypes(t *testing.T) []string {
	t.Helper()
	var types []string
	for key := range messages {
		if typ, ok := strings.CutPrefix(key, "object."); ok {
			types = append(types, typ)
		}
	}
	if len(types) < 15 {
		t.Fatalf("found %d object types", len(types))
	}
	slices.Sort(types)
	return types
}

// keyShown is a message key or a verb left in a text.
var keyShown = regexp.MustCompile(`[a-z_]+\.[a-z_.]+|%!|%[a-z]|seen\.`)

// TestSeenWords: every action on every object type the access log can
// hold is said in words of its own in Dutch and in English, with the
// person's name and role, the time in the organisation's zone with the
// zone, and no message key or verb left.
func TestSeenWords(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	at := time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)
	for _, typ := range seenObjectTypes(t) {
		if _, ok := messages["seen.object."+typ]; !ok {
			t.Errorf("object type %q has no words for the client: add seen.object.%s", typ, typ)
		}
		for _, a := range opname.AccessActions {
			if _, ok := messages["seen.action."+string(a)]; !ok {
				t.Errorf("action %q has no words for the client: add seen.action.%s", a, a)
			}
			e := opname.AccessEvent{Time: at, Action: a, ObjectType: typ, UserName: "Petra Smit", UserRole: opname.RoleStaff, Outcome: "success"}
			var said [2]string
			for i, l := range []string{"nl", "en"} {
				lines := seenLines([]opname.AccessEvent{e}, nil, ams, l)
				if len(lines) != 1 {
					t.Fatalf("%d lines for one event", len(lines))
				}
				line := lines[0]
				if line.What == "" || keyShown.MatchString(line.What) || strings.Contains(line.What, "  ") {
					t.Errorf("%s %s (%s): what = %q", a, typ, l, line.What)
				}
				if line.Who != "Petra Smit" || line.Role != map[string]string{"nl": "medewerker", "en": "staff member"}[l] || line.Why != "" {
					t.Errorf("%s %s (%s): %+v", a, typ, l, line)
				}
				if want := map[string]string{"nl": "2 december 2026, 14:05 CET", "en": "2 December 2026, 14:05 CET"}[l]; line.When != want || line.Datetime != "2026-12-02T13:05:00Z" {
					t.Errorf("when = %q (%s), want %q", line.When, line.Datetime, want)
				}
				said[i] = line.What
			}
			if said[0] == said[1] {
				t.Errorf("%s %s: the same in Dutch and English: %q", a, typ, said[0])
			}
		}
	}
	for _, r := range append(slices.Clone(opname.Roles), workflowRoles()...) {
		if _, ok := messages["seen.role."+string(r)]; !ok {
			t.Errorf("role %q has no words for the client: add seen.role.%s", r, r)
		}
	}
}

func workflowRoles() []opname.Role {
	var out []opname.Role
	for _, r := range workflow.Roles {
		out = append(out, opname.Role(r))
	}
	return out
}

// TestSeenLines: who is the reader themself, the system or a person; a
// few acts have words of their own; the purpose is said in words, a
// list's count is not a reason, and what a person typed is kept.
func TestSeenLines(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	at := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
	ev := func(a opname.AccessAction, typ, purpose string) opname.AccessEvent {
		return opname.AccessEvent{Time: at, Action: a, ObjectType: typ, Purpose: purpose, UserID: "u1", UserName: "Petra Smit", UserRole: opname.RoleManager, Outcome: "success"}
	}
	mine := ev(opname.AccessRead, "conversation", "")
	mine.UserID, mine.UserName, mine.UserRole = "link-1", "Anna", opname.Role("client")
	system := ev(opname.AccessUpdate, "recording", "")
	system.UserRole, system.UserName = opname.RoleSystem, "fixity"
	failed := ev(opname.AccessCopy, "recording", "")
	failed.Outcome = "failure"
	nameless := ev(opname.AccessRead, "client", "")
	nameless.UserName = ""
	self := func(e opname.AccessEvent) bool { return e.UserID == "link-1" }
	for _, c := range []struct {
		e                    opname.AccessEvent
		lang                 string
		who, role, what, why string
	}{
		{mine, "nl", "U zelf", "cliënt", "bekeek uw gesprek", ""},
		{mine, "en", "You", "client", "looked at your conversation", ""},
		{system, "nl", "Het systeem", "", "veranderde uw opname", ""},
		{system, "en", "The system", "", "changed your recording", ""},
		{nameless, "nl", "Iemand van de organisatie", "manager", "bekeek uw gegevens", ""},
		{failed, "nl", "Petra Smit", "manager", "maakte een kopie van uw opname (dat lukte niet)", ""},
		{ev(opname.AccessRead, "recording", "playback"), "nl", "Petra Smit", "manager", "speelde uw opname af", ""},
		{ev(opname.AccessCopy, "recording", "download"), "en", "Petra Smit", "manager", "downloaded your recording", ""},
		{ev(opname.AccessRead, "recording", "printable"), "nl", "Petra Smit", "manager", "bekeek uw opname", "om af te drukken"},
		{ev(opname.AccessRead, "conversations", "list of 3"), "nl", "Petra Smit", "manager", "bekeek de lijst van uw gesprekken", ""},
		{ev(opname.AccessRead, "requests", "list of 2; printable"), "en", "Petra Smit", "manager", "looked at the list of requests about recordings", "to print it"},
		{ev(opname.AccessCopy, "recording", "copy handed to mr. Jansen"), "nl", "Petra Smit", "manager", "maakte een kopie van uw opname", "kopie gegeven aan mr. Jansen"},
		{ev(opname.AccessCopy, "recording", "copy handed to client"), "nl", "Petra Smit", "manager", "maakte een kopie van uw opname", "kopie gegeven aan de cliënt"},
		{ev(opname.AccessPrint, "request", "declaration.pdf"), "en", "Petra Smit", "manager", "printed a request about a recording", "as a PDF file"},
		{ev(opname.AccessDelete, "recording", "De bewaartermijn is voorbij."), "nl", "Petra Smit", "manager", "wiste uw opname", "De bewaartermijn is voorbij."},
		{ev(opname.AccessRead, "access_log", "audit"), "nl", "Petra Smit", "manager", "bekeek het logboek van wie er in uw dossier keek", "controle door de privacyfunctionaris"},
		{ev(opname.AccessUpdate, "conversation", "participants"), "en", "Petra Smit", "manager", "changed your conversation", "who takes part in the conversation"},
		{ev(opname.AccessSignIn, "session", "totp"), "nl", "Petra Smit", "manager", "meldde zich aan", "totp"},
		{ev(opname.AccessRead, "something_new", ""), "nl", "Petra Smit", "manager", "bekeek uw gegevens", ""},
	} {
		got := seenLines([]opname.AccessEvent{c.e}, self, ams, c.lang)[0]
		if got.Who != c.who || got.Role != c.role || got.What != c.what || got.Why != c.why {
			t.Errorf("%s %s %q (%s) = %q, %q, %q, %q; want %q, %q, %q, %q", c.e.Action, c.e.ObjectType, c.e.Purpose, c.lang, got.Who, got.Role, got.What, got.Why, c.who, c.role, c.what, c.why)
		}
		if !strings.HasSuffix(got.When, "CEST") {
			t.Errorf("when = %q, want the zone", got.When)
		}
	}
	// The purposes the pages give reads: each has words.
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "WithPurpose" && sel.Sel.Name != "loadRecording") || len(call.Args) < 2 {
				return true
			}
			if b, ok := call.Args[len(call.Args)-1].(*ast.BasicLit); ok && b.Kind == token.STRING {
				p, _ := strconv.Unquote(b.Value)
				if !slices.Contains(seenPurposes, p) {
					t.Errorf("%s: purpose %q has no words for the client: add it to seenPurposes", fset.Position(b.Pos()), p)
				}
			}
			return true
		})
	}
	for _, p := range seenPurposes {
		for _, l := range []string{"nl", "en"} {
			if got := seenWhy(p, l); got == "" || got == p || keyShown.MatchString(got) {
				t.Errorf("purpose %q (%s) = %q", p, l, got)
			}
		}
	}
}
