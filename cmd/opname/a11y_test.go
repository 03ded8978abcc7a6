package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// TestAccessibility runs axe-core's WCAG 2.1 A and AA rules in headless
// Chromium on every page, as the role that sees it, in Dutch and English,
// at laptop and tablet width. It needs node, Chromium and `make assets`;
// CI has them and the test is mandatory there.
func TestAccessibility(t *testing.T) {
	script, _ := filepath.Abs("../../web/e2e/a11y.mjs")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, nodeErr := exec.LookPath("node")
	_, chromeErr := os.Stat(chromium)
	_, modErr := os.Stat("../../web/node_modules/playwright-core")
	if nodeErr != nil || chromeErr != nil || modErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs node, Chromium and web/node_modules: %v %v %v", nodeErr, chromeErr, modErr)
		}
		t.Skip("node, Chromium or web/node_modules missing; run make assets and install chromium")
	}
	s := testServer(t)
	_, octx := newOrg(t, s, "toegankelijk", "blijf-groep", false)
	sessions := map[opname.Role]string{}
	var staffID string
	for _, role := range opname.Roles {
		u := &opname.User{Email: string(role) + "@toegankelijk.nl", Name: "Test " + string(role), Role: role}
		if err := s.db.CreateUser(octx, u); err != nil {
			t.Fatal(err)
		}
		if role == opname.RoleStaff {
			staffID = u.ID
		}
		once, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
		if err != nil {
			t.Fatal(err)
		}
		sessions[role] = secret
	}
	c := &opname.Client{Name: "Anna de Vries", DossierRef: "D-1", Contact: "anna@example.nl"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staffID); err != nil {
		t.Fatal(err)
	}
	pending := secureOrg(t, s)
	pendingSecret, _, err := s.db.Redeem(context.Background(), pending, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		who    string
		secret string
		paths  []string
	}{
		{"anonymous", "", []string{"/aanmelden", "/welkom"}},
		{"second step", pendingSecret, []string{"/tweede-stap"}},
		{"staff", sessions[opname.RoleStaff], []string{"/", "/clienten", "/clienten/" + c.ID, "/clienten/no-such-client"}},
		{"manager", sessions[opname.RoleManager], []string{"/clienten", "/clienten/" + c.ID, "/mensen"}},
		{"admin", sessions[opname.RoleAdmin], []string{"/mensen", "/sleutels", "/beleid"}},
		{"privacy officer", sessions[opname.RolePrivacyOfficer], []string{"/", "/toegangslog", "/mensen"}},
	} {
		t.Run(run.who, func(t *testing.T) {
			cmd := exec.Command("node", append([]string{script, s.URL, s.web.SessionCookie(), run.secret}, run.paths...)...)
			cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var r struct {
					Path       string
					Lang       string
					Width      int
					Status     int
					URL        string
					Violations []json.RawMessage
				}
				if json.Unmarshal([]byte(line), &r) != nil {
					continue
				}
				if r.Status >= 500 || strings.Contains(r.URL, "/aanmelden") && !strings.HasPrefix(r.Path, "/aanmelden") {
					t.Errorf("%s %s: status %d at %s", r.Path, r.Lang, r.Status, r.URL)
				}
				for _, v := range r.Violations {
					t.Errorf("%s (%s, %dpx): %s", r.Path, r.Lang, r.Width, v)
				}
			}
			if err != nil && !t.Failed() {
				t.Fatalf("node: %v\n%s", err, stderr.String())
			}
		})
	}
}
