package web

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/workflow"
)

func prefixed(prefix string, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = prefix + c
	}
	return out
}

// TestMessagesComplete checks that every message key a template names
// literally exists in both languages, and that every message has both.
func TestMessagesComplete(t *testing.T) {
	keys := regexp.MustCompile(`\{\{\s*tf? "([a-z0-9_.]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		data, _ := fs.ReadFile(templateFS, f)
		for _, m := range keys.FindAllStringSubmatch(string(data), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s: message %q does not exist", f, m[1])
			}
		}
	}
	for key, m := range messages {
		if m.NL == "" || m.EN == "" {
			t.Errorf("message %q lacks a language", key)
		}
	}
	// Keys that templates build from values.
	for _, r := range append(opname.Roles, opname.RoleSystem) {
		if _, ok := messages["role."+string(r)]; !ok {
			t.Errorf("no message for role %s", r)
		}
	}
	for _, a := range []opname.AccessAction{opname.AccessCreate, opname.AccessRead, opname.AccessUpdate, opname.AccessDelete, opname.AccessExport, opname.AccessCopy, opname.AccessPrint, opname.AccessSignIn, opname.AccessSignOut} {
		if _, ok := messages["action."+string(a)]; !ok {
			t.Errorf("no message for access action %s", a)
		}
	}
	// The workflow's codes that the pages show by name.
	for _, key := range slices.Concat(
		prefixed("wf.role.", workflow.Roles),
		prefixed("wf.recipient.", policy.Recipients.Codes()),
		prefixed("wf.action.", askActions),
		prefixed("wf.what.", []string{"record", "copy", "edit", "share", "publish"}),
		prefixed("wf.by.", []string{"client", "organisation", "other", "outside"}),
	) {
		if _, ok := messages[key]; !ok {
			t.Errorf("no message %s", key)
		}
	}
	if strings.Contains(messages["welcome.hint"].NL, "%") {
		t.Error("a message without arguments has a verb")
	}
}

// TestPagesParse checks that every page template parses with the partials.
func TestPagesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages.pages) != len(pageNames) {
		t.Fatalf("parsed %d pages, want %d", len(pages.pages), len(pageNames))
	}
	for _, name := range pageNames {
		if _, err := pages.page(name); err != nil {
			t.Error(err)
		}
	}
}

// TestMessagesOnce checks that no message key is defined in two maps, so
// that one silently wins.
func TestMessagesOnce(t *testing.T) {
	total := 0
	for _, m := range messageMaps {
		total += len(m)
	}
	if total != len(messages) {
		t.Errorf("the maps of messages hold %d keys, together %d: a key is defined twice", total, len(messages))
	}
}
