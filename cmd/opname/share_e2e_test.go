package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestShareInBrowser follows a share in headless Chromium (web/e2e/
// share.mjs), each person on their own device: a Veilig Thuis client asks
// on their phone to give a recording to their lawyer, the organisation
// consents, the staff member gives the lawyer a link with a code, and the
// lawyer types the code, downloads the recording and its receipt; opname
// verify accepts the download and says it was shared with a lawyer.
// axe-core finds nothing on the staff member's and the lawyer's pages.
func TestShareInBrowser(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "share.mjs")
	j := newShareJourney(t, "vt-browser")
	code, err := j.s.db.CreateLink(j.staffCtx, &opname.ClientLink{ClientID: j.rec.ClientID, Party: "client"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("node", append([]string{script, j.s.URL}, args...)...)
		cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var out map[string]any
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			var v map[string]any
			if json.Unmarshal([]byte(line), &v) != nil {
				continue
			}
			if vs, ok := v["violations"].([]any); ok && len(vs) > 0 {
				t.Errorf("%s: %v", v["axe"], vs)
			}
			if _, ok := v["step"]; ok {
				out = v
			}
		}
		if err != nil || out == nil {
			t.Fatalf("node share.mjs %s: %v\n%s%s", args[0], err, stdout.String(), stderr.String())
		}
		return out
	}
	run("ask", code, j.rec.ID)
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil || len(rs) == 0 {
		t.Fatalf("the client's request: %v %v", rs, err)
	}
	req := &rs[len(rs)-1]
	if req.Act.Action != "share" || req.Act.Share == nil || req.Act.Share.To != "mr. Visser" || !opname.ByLink(req.CreatedBy) {
		t.Fatalf("the client asked %+v", req.Act)
	}
	j.consent(t, req)
	given := run("give", j.s.web.SessionCookie(), j.staffSecret, req.ID)
	link, _ := given["link"].(string)
	giveCode, _ := given["code"].(string)
	dir := t.TempDir()
	got := run("receive", link, giveCode, dir)
	files, _ := got["files"].(map[string]any)
	recording, _ := files["recording"].(string)
	receipt, _ := files["receipt"].(string)
	data, err := os.ReadFile(recording)
	if err != nil || !bytes.Equal(data, j.body) {
		t.Fatalf("the lawyer's download: %d bytes, %v", len(data), err)
	}
	var stdout, stderr bytes.Buffer
	config := t.TempDir()
	m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": config}[k] }}
	if code := m.Run(t.Context(), []string{"verify", "--lang", "en", "--receipt", receipt, "--log", j.s.URL + "/api/v1/logs/vt-browser", recording}); code != 0 || !strings.Contains(stdout.String(), "shared with: a lawyer") {
		t.Errorf("verify of the lawyer's download = %d\n%s%s", code, stdout.String(), stderr.String())
	}
	links, err := j.s.db.RecipientLinks(j.staffCtx, req.ID)
	if err != nil || len(links) != 1 || links[0].Downloads != 1 || !links[0].CodeRequired {
		t.Errorf("the link after the download: %+v %v", links, err)
	}
}
