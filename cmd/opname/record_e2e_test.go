package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
)

// member adds a person with role to the organisation of octx and returns
// them with the secret of a signed-in session.
func member(t *testing.T, s *server, octx context.Context, slug string, role opname.Role) (*opname.User, string) {
	t.Helper()
	u := &opname.User{Email: string(role) + "@" + slug + ".nl", Name: "Test " + string(role), Role: role}
	if err := s.db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	once, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	return u, secret
}

// signedInBrowser is a browser with a session, reading pages in lang.
func signedInBrowser(t *testing.T, s *server, secret, lang string) *browser {
	t.Helper()
	b := newBrowser(t, s.URL)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: s.web.SessionCookie(), Value: secret}, {Name: "lang", Value: lang}})
	b.c.Jar = jar
	return b
}

// actorCtx is the context of a person acting in their organisation.
func actorCtx(org *opname.Organisation, u *opname.User) context.Context {
	return opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, UserID: u.ID, Role: u.Role, Name: u.Name})
}

// TestRecordingPages walks the recording pages over HTTP: the client's
// recordings, the agreements before recording as the policy says them,
// playback facts, a copy handed over, an erasure in two steps, the receipt
// and the fixity problems, and checks what the access log holds.
func TestRecordingPages(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "opnemen", "veilig-thuis-utrecht", false)
	staff, staffSecret := member(t, s, octx, "opnemen", opname.RoleStaff)
	manager, managerSecret := member(t, s, octx, "opnemen", opname.RoleManager)
	privacy, privacySecret := member(t, s, octx, "opnemen", opname.RolePrivacyOfficer)
	c := &opname.Client{Name: "Anna de Vries"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	sctx := actorCtx(org, staff)
	rec, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: c.ID, Source: "client_copy", Body: bytes.NewReader(wav(2, 50))})
	if err != nil {
		t.Fatal(err)
	}
	edit, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: c.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 50)), DerivedFrom: rec.ID,
		Edit: &opname.EditStatement{Changed: "de laatste minuut is weggeknipt", Reason: "voor de klacht", Told: "de cliënt"}})
	if err != nil {
		t.Fatal(err)
	}
	staffPages := signedInBrowser(t, s, staffSecret, "nl")
	managerPages := signedInBrowser(t, s, managerSecret, "nl")
	get := func(b *browser, path string, want int, contains ...string) string {
		t.Helper()
		code, body, _ := b.do("GET", path, "", "")
		if code != want {
			t.Fatalf("GET %s = %d, want %d\n%s", path, code, want, body)
		}
		for _, c := range contains {
			if !strings.Contains(body, c) {
				t.Errorf("GET %s: no %q in the page", path, c)
			}
		}
		return body
	}

	get(staffPages, "/clienten/"+c.ID, 200, `href="/clienten/`+c.ID+`/opnemen"`, `href="/clienten/`+c.ID+`/opnames"`)
	get(staffPages, "/clienten/"+c.ID+"/opnames", 200, `href="/opnames/`+rec.ID+`"`, `href="/opnames/`+edit.ID+`"`, "Kopie van de cliënt", "Eigen opname organisatie", "Bewerkte versie", `id="upload"`)

	// Veilig Thuis: agreements spoken at the start (condition 7), never video.
	page := get(staffPages, "/clienten/"+c.ID+"/opnemen", 200, "Spreek deze afspraken in aan het begin van de opname", "Uw organisatie vraagt dit.",
		"Niemand knipt of plakt in de opname, tenzij dat wordt gemeld.", "Beeld opnemen kan hier niet.", `id="rec-start"`)
	if strings.Contains(page, `value="video"`) {
		t.Error("the recording page offers video, which Veilig Thuis never allows")
	}
	get(signedInBrowser(t, s, staffSecret, "en"), "/clienten/"+c.ID+"/opnemen", 200, "Speak these agreements at the start of the recording", "Nobody cuts or pastes")

	get(staffPages, "/opnames/"+rec.ID, 200, "<audio", `src="/api/v1/recordings/`+rec.ID+`/content"`, rec.SHA256, "Kopie van de cliënt", "Kopie meegegeven aan cliënt", `href="/api/v1/recordings/`+rec.ID+`/content?download=1"`)
	if body := get(staffPages, "/opnames/"+rec.ID, 200); strings.Contains(body, "/wissen") {
		t.Error("a staff member is offered to erase a recording")
	}
	get(staffPages, "/opnames/"+edit.ID, 200, "de laatste minuut is weggeknipt", "voor de klacht", "de cliënt", `href="/opnames/`+rec.ID+`"`)
	get(staffPages, "/opnames/"+edit.ID+"/bewijs", 200, "Bewerkte versie, gemeld")

	// The receipt, with how to check a copy against the log.
	receipt := get(staffPages, "/opnames/"+rec.ID+"/bewijs", 200, rec.SHA256, "opname verify --receipt bewijs.json --log "+s.URL+"/api/v1/logs/opnemen",
		`href="/api/v1/recordings/`+rec.ID+`/receipt" download="bewijs.json"`, "Anna de Vries")
	if !regexp.MustCompile(`(?s)<pre class="utrecht-code-block checkpoint">[^<]*\n\d+\n`).MatchString(receipt) {
		t.Error("the receipt page does not show the signed checkpoint")
	}
	// It shows the fingerprint of the log's key, as the log publishes it,
	// so that a person can compare it with what `opname verify` prints.
	keyResp, err := http.Get(s.URL + "/api/v1/logs/opnemen/key")
	if err != nil {
		t.Fatal(err)
	}
	keyResp.Body.Close()
	if fp := keyResp.Header.Get("X-Key-Fingerprint"); fp == "" || !strings.Contains(html.UnescapeString(receipt), "Sleutel van het logboek (vingerafdruk)</dt><dd class=\"utrecht-data-list__item-value utrecht-data-list__item-value--html-dd\"><code class=\"digest\">"+fp+"</code>") {
		t.Errorf("the receipt page does not show the key's fingerprint %q", fp)
	}

	// A copy handed to the client is logged.
	code, _, h := staffPages.do("POST", "/opnames/"+rec.ID+"/kopie", "application/x-www-form-urlencoded", "")
	if code != 303 || !strings.HasPrefix(h.Get("Location"), "/opnames/"+rec.ID+"?kopie=") {
		t.Fatalf("copy = %d %s", code, h.Get("Location"))
	}
	get(staffPages, h.Get("Location"), 200, "Vastgelegd: de cliënt heeft een kopie gekregen")

	// Erasing takes a reason and a confirmation.
	if code, _, _ := staffPages.form("/opnames/"+rec.ID+"/wissen", url.Values{"reden": {"x"}, "bevestigd": {"ja"}}); code != 404 {
		t.Errorf("staff erase = %d, want 404", code)
	}
	get(managerPages, "/opnames/"+rec.ID, 200, `action="/opnames/`+rec.ID+`/wissen"`, "Waarom wist u de opname?")
	if code, body, _ := managerPages.form("/opnames/"+rec.ID+"/wissen", url.Values{"reden": {"  "}}); code != 400 || !strings.Contains(body, "Schrijf op waarom") {
		t.Errorf("erase without a reason = %d", code)
	}
	code, body, _ := managerPages.form("/opnames/"+rec.ID+"/wissen", url.Values{"reden": {"de bewaartermijn is voorbij"}})
	if code != 200 || !strings.Contains(body, "Ja, definitief wissen") || !strings.Contains(body, `name="reden" value="de bewaartermijn is voorbij"`) {
		t.Fatalf("erase, first step = %d\n%s", code, body)
	}
	if r, _, _ := s.db.Recording(actorCtx(org, manager), rec.ID); r.ErasedAt != nil {
		t.Fatal("the first step erased the recording")
	}
	code, _, h = managerPages.form("/opnames/"+rec.ID+"/wissen", url.Values{"reden": {"de bewaartermijn is voorbij"}, "bevestigd": {"ja"}})
	if code != 303 {
		t.Fatalf("erase = %d", code)
	}
	erased := get(managerPages, h.Get("Location"), 200, "De opname is gewist.", "Niemand kan hem nog afspelen of kopiëren.")
	if strings.Contains(erased, "<audio") || strings.Contains(erased, "Kopie meegegeven") {
		t.Error("an erased recording can still be played or copied from its page")
	}
	get(staffPages, "/clienten/"+c.ID+"/opnames", 200, "Gewist")

	// The privacy officer sees recordings that failed their check, and
	// nothing of the client.
	sys := opname.System("test")
	sys.OrgID = org.ID
	if err := s.db.SetFixity(opname.WithActor(context.Background(), sys), edit.ID, opname.FixityCheck{CheckedAt: time.Now(), Problem: "it does not decrypt: a byte was changed"}); err != nil {
		t.Fatal(err)
	}
	privacyPages := signedInBrowser(t, s, privacySecret, "nl")
	fixity := get(privacyPages, "/integriteit", 200, edit.ID, "it does not decrypt: a byte was changed")
	if strings.Contains(fixity, "Anna") || strings.Contains(fixity, `href="/opnames/`) {
		t.Error("the fixity page shows the privacy officer client data or links they cannot follow")
	}
	get(staffPages, "/integriteit", 404)
	get(privacyPages, "/opnames/"+edit.ID, 404)
	get(staffPages, "/opnames/"+edit.ID, 200, "klopte deze opname niet")

	// Every page that showed the recording logged it.
	events, err := s.db.Search(actorCtx(org, privacy), opname.AccessFilter{ClientID: c.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if e.ObjectType == "recording" {
			seen[string(e.Action)+" "+e.Purpose] = true
		}
	}
	for _, want := range []string{"read recording page", "read receipt", "read erase", "copy copy handed to client", "delete de bewaartermijn is voorbij"} {
		if !seen[want] {
			t.Errorf("no access log record %q; have %v", want, seen)
		}
	}
}

// TestRecordInBrowser records a conversation in headless Chromium with a
// fake microphone: the agreements first, about six seconds of recording
// sent in chunks while it runs, the receipt, and playback with HTTP Range.
// Then it closes a page mid-recording, as a crash would, and keeps what
// arrived; then records while the connection breaks halfway, and checks
// that the stored recording is every byte the microphone gave; last it
// uploads a file in chunks over a connection that breaks once. It needs node, Chromium and `make assets`; CI has them and the test
// is mandatory there.
func TestRecordInBrowser(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "record.mjs")
	s := testServer(t)
	org, octx := newOrg(t, s, "browser", "veilig-thuis-utrecht", false)
	staff, secret := member(t, s, octx, "browser", opname.RoleStaff)
	c := &opname.Client{Name: "Bram Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, s.URL, s.web.SessionCookie(), secret, c.ID)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	steps := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var step map[string]any
		if json.Unmarshal([]byte(line), &step) != nil {
			continue
		}
		name, _ := step["step"].(string)
		steps[name] = step
		t.Logf("%s", line)
	}
	if runErr != nil {
		t.Fatalf("node: %v\n%s", runErr, stderr.String())
	}
	for _, want := range []string{"agreements", "recorded", "receipt", "played", "interrupted", "kept", "resumed", "uploaded"} {
		if steps[want] == nil {
			t.Errorf("the journey did not reach step %q", want)
		}
	}

	// Both recordings are stored, and each matches its receipt: the bytes
	// the browser sent are the bytes that were registered.
	recs, err := s.db.ClientRecordings(actorCtx(org, staff), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d recordings, want 4 (one finished, one kept after a crash, one over a broken connection, one uploaded)", len(recs))
	}
	_, vkey, err := s.db.LatestCheckpoint(context.Background(), org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	key, err := translog.ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	b := signedInBrowser(t, s, secret, "nl")
	for _, rec := range recs {
		made := rec.Source == "organisation" && strings.HasSuffix(rec.MediaType, "/webm")
		uploaded := rec.Source == "client_copy" && rec.MediaType == "audio/wav" && rec.Size == 44+9<<20
		if !made && !uploaded {
			t.Errorf("recording %s: source %s, type %s, %d bytes", rec.ID, rec.Source, rec.MediaType, rec.Size)
		}
		code, content, _ := b.do("GET", "/api/v1/recordings/"+rec.ID+"/content", "", "")
		_, receipt, _ := b.do("GET", "/api/v1/recordings/"+rec.ID+"/receipt", "", "")
		if code != 200 {
			t.Fatalf("content of %s = %d", rec.ID, code)
		}
		rc, err := translog.DecodeReceipt(strings.NewReader(receipt))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rc.Verify(strings.NewReader(content), []translog.VerifierKey{key}); err != nil {
			t.Errorf("recording %s does not match its receipt: %v", rec.ID, err)
		}
	}
	if uploads, err := s.web.Uploads.List(context.Background()); err != nil || len(uploads) != 0 {
		t.Errorf("uploads left behind: %d (%v)", len(uploads), err)
	}
}
