package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/workflow"
)

// TestEvidenceBundle: a Veilig Thuis client asks to share a recording
// with their lawyer; once every consent is given the staff member
// downloads the evidence bundle through the HTTP route; opname verify
// --bag accepts it with the organisation's key, and names the recording
// once one byte of it is changed; the bundle holds nothing of another
// client.
func TestEvidenceBundle(t *testing.T) {
	t.Parallel()
	dialects(t, testEvidenceBundle)
}

// counter is an io.Writer that only counts: the bundle of a recording of
// several MiB passes through the test without being held.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func testEvidenceBundle(t *testing.T, s *server) {
	j := newJourney(t, s, "bewijs", "veilig-thuis-utrecht")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	// A recording of some 3.4 MiB (7 minutes of 8 kHz WAV).
	audio := wav(420, 5)
	var stored registered
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings", audio, 201, &stored)
	rec := stored.Recording
	// More reads of it than a page of the log holds, last month: the
	// bundle's extract holds every one.
	org, err := s.db.OrganisationBySlug(context.Background(), "bewijs")
	if err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	const earlier = 1200
	reads := make([]opname.AccessEvent, earlier)
	for i := range reads {
		reads[i] = opname.AccessEvent{Time: time.Now().AddDate(0, -1, 0).Add(time.Duration(i) * time.Second), Action: opname.AccessRead, UserID: "u-earlier", UserName: "Eerder", UserRole: opname.RoleStaff, ClientID: j.client, ObjectType: "recording", ObjectID: rec.ID}
	}
	if err := s.db.BulkAccess(opname.WithActor(context.Background(), sys), reads); err != nil {
		t.Fatal(err)
	}

	// Another client of the organisation, with a recording of their own.
	var other opname.Client
	j.call("manager", "POST", "/api/v1/clients", map[string]any{"name": "Bram Bakker", "dossier_ref": "ANDER-77"}, 201, &other)
	var otherRec registered
	j.call("manager", "POST", "/api/v1/clients/"+other.ID+"/recordings", wav(2, 9), 201, &otherRec)

	share := j.ask(conv, opname.Act{Action: "share", Medium: "audio", By: "client", Recipient: "lawyer",
		Share: &opname.Share{What: "recording", ID: rec.ID, To: "mr. De Boer", Why: "Voor de klacht bij de klachtencommissie"}})
	evidenceURL := "/api/v1/requests/" + share.ID + "/evidence"
	// Not ready: a clear answer, no zip.
	var view workflow.RequestView
	j.call("staff", "GET", "/api/v1/requests/"+share.ID, nil, 200, &view)
	if view.Next.Ready {
		t.Fatalf("a share is ready before anyone consented: %+v", view.Next)
	}
	if body := string(j.call("staff", "GET", evidenceURL, nil, 409, nil)); !strings.Contains(body, "not ready") {
		t.Errorf("the bundle of a share that is not ready: %s", body)
	}
	for _, p := range view.Next.Ask {
		j.call("staff", "POST", "/api/v1/requests/"+share.ID+"/answers", map[string]any{"participant": p.Participant, "given": true, "how": "in_person"}, 200, nil)
	}
	j.call("staff", "GET", "/api/v1/requests/"+share.ID, nil, 200, &view)
	if !view.Next.Ready {
		t.Fatalf("the share is not ready after every consent: %s %+v", view.Decision.Outcome, view.Next)
	}
	if page := string(j.call("staff", "GET", "/verzoeken/"+share.ID, nil, 200, nil)); !strings.Contains(page, `href="/verzoeken/`+share.ID+`/bewijsmap.zip"`) {
		t.Error("the request page of a ready share does not link its evidence bundle")
	}

	// The bundle, streamed to a file and a counter; nothing holds it whole.
	dir := t.TempDir()
	bagPath := filepath.Join(dir, "bewijsmap.zip")
	f, err := os.Create(bagPath)
	if err != nil {
		t.Fatal(err)
	}
	var n counter
	r, _ := http.NewRequest("GET", s.URL+"/verzoeken/"+share.ID+"/bewijsmap.zip", nil)
	r.Header.Set("Authorization", "Bearer "+j.tokens["staff"])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET bewijsmap.zip = %d %s", resp.StatusCode, body)
	}
	if _, err := io.Copy(io.MultiWriter(f, &n), resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f.Close()
	if n.n < int64(len(audio)) {
		t.Fatalf("the bundle has %d bytes, less than its recording's %d", n.n, len(audio))
	}
	// The API gives the same download.
	if body := j.call("staff", "GET", evidenceURL, nil, 200, nil); len(body) < len(audio) {
		t.Errorf("the API's bundle has %d bytes", len(body))
	}
	// Making a bundle is a share: each is in the organisation's log, with
	// the kind of recipient and not their name.
	shares, err := s.db.Shares(context.Background(), "bewijs", rec.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 2 || shares[0].Record.Kind != translog.KindShare || shares[0].Record.Recipient != "lawyer" || strings.Contains(shares[0].Entry, "De Boer") {
		t.Errorf("the log's shares of the bundled recording: %d, first %+v", len(shares), shares)
	}

	// What the bundle holds: the recording, decrypted, its receipt, the
	// decisions and consents, the log's key and checkpoint, the access log.
	data, err := os.ReadFile(bagPath)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	recName := "data/recordings/" + rec.ID + ".wav"
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		files[zf.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	for _, name := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "README.txt", recName,
		"data/receipts/recordings/" + rec.ID + ".wav.json", "data/requests/" + share.ID + ".json", "data/consents/" + share.ID + ".json",
		"data/conversations/" + conv + ".json", "data/log/verifier-key.txt", "data/log/checkpoint.txt", "data/log/access-log.jsonl"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the bundle has no %s", name)
		}
	}
	if !bytes.Equal(files[recName], audio) {
		t.Error("the bundle's recording is not the original")
	}
	info := string(files["bag-info.txt"])
	for _, want := range []string{"Source-Organization: Organisatie bewijs", "Recipient-Kind: lawyer", "Share-Request: " + share.ID, "Made-By: staff", "Payload-Oxum: ", "Bagging-Date: "} {
		if !strings.Contains(info, want) {
			t.Errorf("bag-info.txt lacks %q:\n%s", want, info)
		}
	}
	if readme := string(files["README.txt"]); !strings.Contains(readme, "opname verify --bag") || !strings.Contains(readme, "Zo controleert u de map") {
		t.Errorf("README.txt: %s", readme)
	}
	// Nothing of the other client, and the access log only of this one,
	// with the export of the bundle in it.
	for name, body := range files {
		for _, bad := range []string{other.ID, other.Name, other.DossierRef, otherRec.Recording.ID} {
			if bytes.Contains(body, []byte(bad)) {
				t.Errorf("%s holds %q of another client", name, bad)
			}
		}
	}
	exports, earlierReads := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(files["data/log/access-log.jsonl"]))
	for sc.Scan() {
		var e opname.AccessEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.UserID == "u-earlier" {
			earlierReads++
		}
		if e.ClientID != j.client {
			t.Errorf("the access log extract holds a record of client %s", e.ClientID)
		}
		if e.Action == opname.AccessExport {
			exports++
		}
	}
	if exports == 0 {
		t.Error("making the bundle is not in the access log as an export")
	}
	if earlierReads != earlier {
		t.Errorf("the access log extract holds %d of the %d earlier reads of the recording", earlierReads, earlier)
	}

	// opname verify --bag: with the organisation's key, without one, and
	// with one byte of the recording changed.
	resp, err = http.Get(s.URL + "/api/v1/logs/bewijs/key")
	if err != nil {
		t.Fatal(err)
	}
	keyText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	key := strings.TrimSpace(string(keyText))
	config := t.TempDir()
	run := cliRunner(config)
	if code, out, errs := run("verify", "--bag", bagPath, "--key", key); code != 0 || !strings.Contains(out, "the bundle matches") {
		t.Errorf("verify --bag --key = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run("verify", "--bag", bagPath, "--lang", "nl"); code != exitUntrusted || !strings.Contains(out, "NIET GECONTROLEERD") {
		t.Errorf("verify --bag without a key = %d, want %d\n%s%s", code, exitUntrusted, out, errs)
	}
	var at int64 = -1
	for _, zf := range zr.File {
		if zf.Name == recName {
			if at, err = zf.DataOffset(); err != nil {
				t.Fatal(err)
			}
		}
	}
	bad := bytes.Clone(data)
	bad[at+int64(len(audio))/2] ^= 0x01
	badPath := filepath.Join(dir, "veranderd.zip")
	if err := os.WriteFile(badPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "nl"} {
		code, out, errs := run("verify", "--bag", badPath, "--key", key, "--lang", lang)
		if code != exitFailure || !strings.Contains(out, recName) {
			t.Errorf("verify --bag of a changed recording (%s) = %d, want %d naming %s\n%s%s", lang, code, exitFailure, recName, out, errs)
		}
	}
	if code, _, errs := run("verify", "--bag", filepath.Join(dir, "nergens.zip"), "--key", key); code != exitInvalid || !strings.Contains(errs, "nergens.zip") {
		t.Errorf("verify --bag of a missing file = %d\n%s", code, errs)
	}
	if code, _, errs := run("verify", "--bag", bagPath, "--receipt", "x.json"); code != exitInvalid {
		t.Errorf("verify --bag with --receipt = %d\n%s", code, errs)
	}

	// Another client's staff member, and another organisation, find nothing.
	j.call("colleague", "GET", evidenceURL, nil, 404, nil)
	o := newJourney(t, s, "elders", "veilig-thuis-utrecht")
	o.call("staff", "GET", evidenceURL, nil, 404, nil)
}

// cliRunner runs opname as a person types it, with XDG_CONFIG_HOME at
// config, and returns its exit code, stdout and stderr.
func cliRunner(config string) func(args ...string) (int, string, string) {
	return func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		env := map[string]string{"XDG_CONFIG_HOME": config}
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
		code := m.Run(context.Background(), args)
		return code, stdout.String(), stderr.String()
	}
}
