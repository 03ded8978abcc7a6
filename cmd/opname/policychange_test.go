package main

import (
	"bytes"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// hidden is the value of the hidden field name in a page's form.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no field %s", name)
	}
	return html.UnescapeString(m[1])
}

// upload is a form with the file field bestand holding text, as a browser
// sends it.
func upload(fields map[string]string, file string) (contentType, body string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("bestand", "beleid.yaml")
	_, _ = fw.Write([]byte(file))
	_ = mw.Close()
	return mw.FormDataContentType(), b.String()
}

// ownPolicyText is an organisation's own version of the Ombudsman's rules
// in which the manager does not decide on video: it is not allowed.
const ownPolicyText = `name: eigen-beleid
version: "1"
kind: government
extends: ombudsman
title: {nl: Eigen beleid zonder video, en: Own policy without video}
rules:
  - id: eigen-video
    overrides: omb-scope-video
    outcome: forbidden
    explain: {nl: Video opnemen mag bij ons niet., en: Recording video is not allowed here.}
`

// TestPolicyChangeIsNeverOneClick walks the policy page as an
// administrator: the page opens on the policy in force; choosing another
// shows what changes and changes nothing; applying needs the reason and
// what was previewed; the change is said and kept with who, when, why and
// the digests; the same confirmation twice changes the policy once; an
// uploaded file is checked and all its problems are shown.
func TestPolicyChangeIsNeverOneClick(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "wijzigen", "blijf-groep", false)
	admin, adminSecret := member(t, s, octx, "wijzigen", opname.RoleAdmin)
	_, staffSecret := member(t, s, octx, "wijzigen", opname.RoleStaff)
	b := signedInBrowser(t, s, adminSecret, "nl")
	version := func() int {
		t.Helper()
		o, err := s.db.Organisation(actorCtx(org, admin))
		if err != nil {
			t.Fatal(err)
		}
		return o.Policy.Version
	}
	blijf, err := s.web.Policies.Policy("blijf-groep")
	if err != nil {
		t.Fatal(err)
	}
	axiehuis, err := s.web.Policies.Policy("axiehuis")
	if err != nil {
		t.Fatal(err)
	}

	// The page opens on the policy in force, not on the first shipped one.
	code, page, _ := b.do("GET", "/beleid", "", "")
	if code != 200 {
		t.Fatalf("GET /beleid = %d", code)
	}
	for _, want := range []string{blijf.Title.NL, org.Policy.Digest, `<option value="blijf-groep" selected>`, `action="/beleid/voorbeeld"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the policy page lacks %q", want)
		}
	}
	if strings.Contains(page, `<option value="axiehuis" selected>`) {
		t.Error("the policy page selects another policy than the current one")
	}

	// Choosing another shows what changes, and changes nothing.
	code, preview, _ := b.do("GET", "/beleid/voorbeeld?beleid=axiehuis", "", "")
	if code != 200 {
		t.Fatalf("preview = %d\n%s", code, preview)
	}
	for _, want := range []string{"Wat verandert er", axiehuis.Title.NL, "Situaties die anders uitvallen", "Nieuwe regels", "axh-1-3", `name="reden"`} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if version() != 1 {
		t.Fatal("looking at a change made it")
	}
	from, to := hidden(t, preview, "van"), hidden(t, preview, "naar")
	if from != org.Policy.Digest || to != axiehuis.Digest {
		t.Fatalf("the confirmation carries %s → %s, want %s → %s", from, to, org.Policy.Digest, axiehuis.Digest)
	}

	confirm := url.Values{"beleid": {"axiehuis"}, "van": {from}, "naar": {to}, "reden": {"We werken voortaan met het beleid van aXiehuis."}}
	for _, c := range []struct {
		name   string
		change func(url.Values)
		code   int
		want   string
	}{
		{"no reason", func(v url.Values) { v.Set("reden", "  ") }, 400, "Reden: schrijf op waarom het beleid verandert"},
		{"not what was previewed", func(v url.Values) { v.Set("naar", blijf.Digest) }, 409, "Dit is niet het beleid dat u bekeek"},
		{"nothing previewed", func(v url.Values) { v.Del("van") }, 409, "Dit is niet het beleid dat u bekeek"},
		{"a stale preview", func(v url.Values) { v.Set("van", "sha256:an-older-policy") }, 409, "intussen door iemand anders gewijzigd"},
	} {
		form := url.Values{}
		for k, v := range confirm {
			form[k] = v
		}
		c.change(form)
		code, page, _ := b.form("/beleid", form)
		if code != c.code || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want %d with %q", c.name, code, c.code, c.want)
		}
		if version() != 1 {
			t.Fatalf("%s: the policy changed", c.name)
		}
	}

	// Confirmed, with a reason: it happens, is said, and is kept. The same
	// confirmation again (a double click) changes nothing more.
	code, _, h := b.form("/beleid", confirm)
	if code != 303 || h.Get("Location") != "/beleid?gewijzigd=2" {
		t.Fatalf("confirm = %d to %q", code, h.Get("Location"))
	}
	code, _, h = b.form("/beleid", confirm)
	if code != 303 || h.Get("Location") != "/beleid?gewijzigd=2" || version() != 2 {
		t.Fatalf("the same confirmation again = %d to %q, version %d", code, h.Get("Location"), version())
	}
	_, page, _ = b.do("GET", "/beleid?gewijzigd=2", "", "")
	for _, want := range []string{"Het beleid is gewijzigd naar " + html.EscapeString(axiehuis.Title.NL) + " (versie 2).", "We werken voortaan met het beleid van aXiehuis.", admin.Name, org.Policy.Digest, axiehuis.Digest} {
		if !strings.Contains(page, want) {
			t.Errorf("after the change the page lacks %q", want)
		}
	}
	versions, err := s.db.PolicyVersions(actorCtx(org, admin))
	if err != nil || len(versions) != 2 || versions[0].Reason == "" || versions[0].ChangedBy != admin.ID || versions[0].Previous != org.Policy.Digest {
		t.Fatalf("versions = %+v, %v", versions, err)
	}

	// Staff see the change, and no one's name.
	_, page, _ = signedInBrowser(t, s, staffSecret, "nl").do("GET", "/beleid", "", "")
	if !strings.Contains(page, "een beheerder") || strings.Contains(page, admin.Name) || strings.Contains(page, `action="/beleid/voorbeeld"`) {
		t.Error("staff see who changed the policy, or may change it")
	}

	// An uploaded file is checked; every problem is shown, framed in the
	// page's language; nothing changes.
	broken := "name: kapot\nversion: \"1\"\nkind: government\ntitle: {nl: Kapot, en: Broken}\nrules:\n  - id: r1\n    outcome: maybe\n  - id: r2\n    text: x\n    when: medium ==\n    outcome: allowed\n"
	findings := s.web.Policies.Lint("beleid.yaml", []byte(broken))
	if len(findings) < 2 {
		t.Fatalf("the broken policy has %d findings; the test needs several", len(findings))
	}
	for lang, frame := range map[string]string{"nl": "De controle vond", "en": "The check found"} {
		ct, body := upload(nil, broken)
		code, page, _ = signedInBrowser(t, s, adminSecret, lang).do("POST", "/beleid/voorbeeld", ct, body)
		if code != 400 || !strings.Contains(page, frame) {
			t.Errorf("%s: a broken file = %d, want 400 with %q", lang, code, frame)
		}
		if n := strings.Count(page, `list__item finding"`); n != len(findings) {
			t.Errorf("%s: %d problems shown, want all %d", lang, n, len(findings))
		}
	}
	if version() != 2 {
		t.Fatal("a broken file changed the policy")
	}

	// A good file: its preview, then the confirmation with its text.
	ct, body := upload(nil, ownPolicyText)
	code, preview, _ = b.do("POST", "/beleid/voorbeeld", ct, body)
	if code != 200 || !strings.Contains(preview, "Eigen beleid zonder video") || !strings.Contains(preview, "Video opnemen mag bij ons niet.") {
		t.Fatalf("preview of a file = %d\n%s", code, preview)
	}
	own := url.Values{"tekst64": {hidden(t, preview, "tekst64")}, "van": {hidden(t, preview, "van")}, "naar": {hidden(t, preview, "naar")}, "reden": {"Video past niet bij ons werk."}}
	if code, _, h := b.form("/beleid", own); code != 303 || h.Get("Location") != "/beleid?gewijzigd=3" {
		t.Fatalf("confirming the file = %d to %q", code, h.Get("Location"))
	}
	if o, _ := s.db.Organisation(actorCtx(org, admin)); o.Policy.Name != "eigen-beleid" || o.Policy.Shipped != "" || o.Policy.Text != ownPolicyText {
		t.Errorf("the organisation's policy = %s (shipped %q), text kept %v", o.Policy.Name, o.Policy.Shipped, o.Policy.Text == ownPolicyText)
	}
}

// TestPolicyChangeAPI changes the policy over the API: a dry run says what
// changes, the change needs a reason, a stale one is refused, and the
// same change twice is made once.
func TestPolicyChangeAPI(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "api-beleid", "ombudsman", false)
	admin, _ := member(t, s, octx, "api-beleid", opname.RoleAdmin)
	secret, _, err := s.db.CreateToken(octx, admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		code, out := bearer(t, s, secret, method, path, body)
		if code != want {
			t.Fatalf("%s %s = %d, want %d: %v", method, path, code, want, out)
		}
		return out
	}
	preview := call("POST", "/api/v1/organisation/policy/preview", `{"shipped": "axiehuis"}`, 200)
	data, _ := json.Marshal(preview)
	var p struct {
		From, To struct {
			Digest string `json:"digest"`
		}
		Unchanged bool `json:"unchanged"`
		Rules     struct {
			Added []struct {
				ID string `json:"id"`
			} `json:"added"`
		} `json:"rules"`
		Decisions []struct {
			Case          string `json:"case"`
			Before, After struct {
				Outcome string `json:"outcome"`
			}
		} `json:"decisions"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.From.Digest != org.Policy.Digest || p.Unchanged || len(p.Rules.Added) == 0 || len(p.Decisions) == 0 {
		t.Fatalf("preview = %s", data)
	}
	if o, _ := s.db.Organisation(actorCtx(org, admin)); o.Policy.Version != 1 {
		t.Fatal("a dry run changed the policy")
	}
	if out := call("PUT", "/api/v1/organisation/policy", `{"shipped": "axiehuis"}`, 400); !strings.Contains(out["error"].(map[string]any)["message"].(string), "reason: ") {
		t.Errorf("no reason: %v", out)
	}
	call("PUT", "/api/v1/organisation/policy", `{"shipped": "axiehuis", "reason": "r", "previous_digest": "sha256:stale"}`, 409)
	first := call("PUT", "/api/v1/organisation/policy", `{"shipped": "axiehuis", "reason": "Zoals aXiehuis.", "previous_digest": "`+org.Policy.Digest+`"}`, 201)
	again := call("PUT", "/api/v1/organisation/policy", `{"shipped": "axiehuis", "reason": "Zoals aXiehuis.", "previous_digest": "`+org.Policy.Digest+`"}`, 200)
	if first["version"] != 2.0 || again["version"] != 2.0 || first["reason"] != "Zoals aXiehuis." || first["previous_digest"] != org.Policy.Digest {
		t.Errorf("set = %v, again %v", first, again)
	}
	if same := call("POST", "/api/v1/organisation/policy/preview", `{"shipped": "axiehuis"}`, 200); same["unchanged"] != true {
		t.Errorf("preview of the current policy = %v", same)
	}
	if out := call("POST", "/api/v1/organisation/policy/preview", `{"text": "name: x\nversion: 1\ntitle: {nl: x, en: x}\nrules: [{id: r}]"}`, 400); !strings.Contains(out["error"].(map[string]any)["message"].(string), "policy.yaml:") {
		t.Errorf("a broken text: %v", out)
	}
}
