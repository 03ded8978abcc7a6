package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/workflow"
)

// newDataRequest records an open request of the fixture's client, made on
// their behalf by their staff member.
func (f *fixture) newDataRequest(t *testing.T) string {
	t.Helper()
	d := &opname.DataRequest{ClientID: f.clientA, Kind: opname.DataCorrection, What: "het adres", Ask: "Het adres is Dorpsstraat 1."}
	if err := f.s.db.AddDataRequest(f.staffCtx, d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// avgWorld is a client with two conversations (one with a parent), a
// recording in each, an erased one, a transcript, a share and links for the
// client and the parent.
type avgWorld struct {
	j                      *journey
	org                    *opname.Organisation
	sys                    context.Context
	alone, withParent      string
	reqAlone, reqParent    string
	recAlone, recParent    opname.Recording
	recErased, transcript  opname.Recording
	audioAlone, audioPar   []byte
	share                  string
	clientLink, parentLink string
}

func newAVGWorld(t *testing.T, s *server, slug string) *avgWorld {
	t.Helper()
	w := &avgWorld{j: newJourney(t, s, slug, "veilig-thuis-utrecht")}
	j := w.j
	org, err := s.db.OrganisationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	w.org, w.sys = org, opname.WithActor(context.Background(), sys)
	// A recording for a request, once every consent and the agreements
	// are in.
	record := func(conv string, audio []byte) (string, opname.Recording) {
		t.Helper()
		r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client", Announced: "at_start"})
		var view workflow.RequestView
		j.call("staff", "GET", "/api/v1/requests/"+r.ID, nil, 200, &view)
		for _, p := range view.Next.Ask {
			j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/answers", map[string]any{"participant": p.Participant, "given": true, "how": "in_person"}, 200, nil)
		}
		j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/agreement", map[string]any{"form": "spoken"}, 200, nil)
		var reg registered
		j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings?source=client_copy&request_id="+r.ID, audio, 201, &reg)
		return r.ID, reg.Recording
	}
	w.alone = j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	w.withParent = j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "parent", Name: "Petra"}, opname.Participant{Role: "staff"})
	w.audioAlone, w.audioPar = wav(3, 11), wav(2, 12)
	w.reqAlone, w.recAlone = record(w.alone, w.audioAlone)
	w.reqParent, w.recParent = record(w.withParent, w.audioPar)
	_, w.recErased = record(w.alone, wav(2, 13))
	j.call("manager", "POST", "/api/v1/recordings/"+w.recErased.ID+"/erasure", map[string]any{"reason": "de bewaartermijn is voorbij"}, 200, nil)
	var tr struct{ Transcript opname.Recording }
	j.call("staff", "POST", "/api/v1/recordings/"+w.recAlone.ID+"/transcripts", []byte("Wat er gezegd is.\n"), 201, &tr)
	w.transcript = tr.Transcript
	share := j.ask(w.alone, opname.Act{Action: "share", Medium: "audio", By: "client", Recipient: "lawyer",
		Share: &opname.Share{What: "recording", ID: w.recAlone.ID, To: "mr. De Boer", Why: "Voor de klacht"}})
	w.share = share.ID
	link := func(party string) string {
		code, err := s.db.CreateLink(w.sys, &opname.ClientLink{ClientID: j.client, Party: party})
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.OpenLink(opname.WithAddr(context.Background(), "192.0.2.7"), code)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	w.clientLink, w.parentLink = link("client"), link("parent")
	return w
}

// holder calls path as the holder of a link's session, in lang.
func holder(t *testing.T, s *server, secret, method, path, lang string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.AddCookie(&http.Cookie{Name: s.web.LinkCookie(), Value: secret})
	r.AddCookie(&http.Cookie{Name: "lang", Value: lang})
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// unzipped is a download's files by name.
func unzipped(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip (%d bytes): %v\n%.300s", len(data), err, data)
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

// TestClientDataDownload: everything opname holds about a client, as one
// download for staff and through the client's link: every part there, the
// recordings as uploaded with receipts that opname verify --bag accepts,
// the erased recording listed and never opened, the download in the
// client's "who looked". A parent's link gets only the conversation the
// parent took part in; another client's link, another staff member and
// another organisation get nothing of this client.
func TestClientDataDownload(t *testing.T) {
	t.Parallel()
	dialects(t, testClientDataDownload)
}

func testClientDataDownload(t *testing.T, s *server) {
	w := newAVGWorld(t, s, "avg-inzage")
	j := w.j
	var asked opname.DataRequest
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/data-requests", map[string]any{"kind": "correction", "what": "mijn adres", "ask": "Het adres is Dorpsstraat 1."}, 201, &asked)

	// Staff on the client's behalf, through the API.
	data := j.call("staff", "GET", "/api/v1/clients/"+j.client+"/export", nil, 200, nil)
	files := unzipped(t, data)
	alone := "data/recordings/" + w.recAlone.ID + ".wav"
	parent := "data/recordings/" + w.recParent.ID + ".wav"
	for _, name := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "README.txt", "data/client.json",
		"data/conversations/" + w.alone + ".json", "data/conversations/" + w.withParent + ".json",
		"data/requests/" + w.reqAlone + ".json", "data/consents/" + w.reqAlone + ".json", "data/requests/" + w.share + ".json",
		"data/agreements/" + w.reqAlone + ".txt", "data/receipts/agreements/" + w.reqAlone + ".txt.json",
		alone, "data/receipts/recordings/" + w.recAlone.ID + ".wav.json", parent, "data/receipts/recordings/" + w.recParent.ID + ".wav.json",
		"data/transcripts/" + w.transcript.ID + ".plain", "data/files.json", "data/shares.json", "data/data-requests.json",
		"data/log/verifier-key.txt", "data/log/checkpoint.txt", "data/log/access-log.jsonl"} {
		if _, ok := files[name]; !ok && !strings.HasPrefix(name, "data/transcripts/") {
			t.Errorf("the download has no %s", name)
		}
	}
	if !bytes.Equal(files[alone], w.audioAlone) || !bytes.Equal(files[parent], w.audioPar) {
		t.Error("a recording in the download is not what was uploaded")
	}
	transcripts := 0
	for name := range files {
		if strings.HasPrefix(name, "data/transcripts/"+w.transcript.ID) {
			transcripts++
		}
		if strings.Contains(name, w.recErased.ID) {
			t.Errorf("the erased recording is in the download: %s", name)
		}
	}
	if transcripts != 1 {
		t.Errorf("the download holds %d copies of the transcript", transcripts)
	}
	var listed []struct {
		ID       string  `json:"id"`
		File     string  `json:"file"`
		ErasedAt *string `json:"erased_at"`
	}
	if err := json.Unmarshal(files["data/files.json"], &listed); err != nil {
		t.Fatal(err)
	}
	erasedListed := false
	for _, f := range listed {
		if f.ID == w.recErased.ID {
			erasedListed = f.ErasedAt != nil && f.File == ""
		}
	}
	if !erasedListed {
		t.Errorf("files.json does not list the erased recording as erased: %s", files["data/files.json"])
	}
	if !bytes.Contains(files["data/shares.json"], []byte("mr. De Boer")) || !bytes.Contains(files["data/data-requests.json"], []byte(asked.ID)) {
		t.Errorf("shares or data requests missing:\n%s\n%s", files["data/shares.json"], files["data/data-requests.json"])
	}
	if !bytes.Contains(files["data/requests/"+w.reqAlone+".json"], []byte(`"rules"`)) {
		t.Error("a request's decisions lack their rule citations")
	}
	// The existing check of a bag accepts every receipt in it.
	dir := t.TempDir()
	bagPath := filepath.Join(dir, "gegevens.zip")
	if err := os.WriteFile(bagPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(j.call("staff", "GET", "/api/v1/logs/avg-inzage/key", nil, 200, nil)))
	if code, out, errs := cliRunner(t.TempDir())("verify", "--bag", bagPath, "--key", key); code != 0 {
		t.Errorf("verify --bag of the client's download = %d\n%s%s", code, out, errs)
	}

	// The client through their link: the same parts, and the download in
	// their "who looked".
	code, body := holder(t, s, w.clientLink, "GET", "/l/mijn-gegevens", "nl", nil)
	if code != 200 || !strings.Contains(string(body), `href="/l/mijn-gegevens/gegevens.zip"`) || !strings.Contains(string(body), "Alles wat wij over u bewaren") {
		t.Errorf("the link's data page = %d\n%s", code, body)
	}
	if _, body := holder(t, s, w.clientLink, "GET", "/l/mijn-gegevens", "en", nil); !strings.Contains(string(body), "Everything we keep about you") {
		t.Errorf("the link's data page in English:\n%s", body)
	}
	code, own := holder(t, s, w.clientLink, "GET", "/l/mijn-gegevens/gegevens.zip", "nl", nil)
	if code != 200 {
		t.Fatalf("the client's download = %d %s", code, own)
	}
	ownFiles := unzipped(t, own)
	if !bytes.Equal(ownFiles[alone], w.audioAlone) || !bytes.Equal(ownFiles[parent], w.audioPar) {
		t.Error("the client's download lacks a recording of theirs")
	}
	_, seen := holder(t, s, w.clientLink, "GET", "/l/wie-keek", "nl", nil)
	if !strings.Contains(string(seen), "downloadde al uw gegevens") {
		t.Errorf("the download is not in the client's who-looked:\n%s", seen)
	}
	exports := 0
	sc := bufio.NewScanner(bytes.NewReader(ownFiles["data/log/access-log.jsonl"]))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e opname.AccessEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Action == opname.AccessExport && e.ObjectType == opname.ObjectClientData {
			exports++
		}
	}
	if exports != 2 {
		t.Errorf("the access log holds %d exports of client_data, want 2 (staff's, then the client's)", exports)
	}

	// A parent's link: the parent's conversation and its recording, none
	// of the client's own.
	code, par := holder(t, s, w.parentLink, "GET", "/l/mijn-gegevens/gegevens.zip", "nl", nil)
	if code != 200 {
		t.Fatalf("the parent's download = %d %s", code, par)
	}
	parFiles := unzipped(t, par)
	if !bytes.Equal(parFiles[parent], w.audioPar) {
		t.Error("the parent's download lacks the recording of their conversation")
	}
	for name, b := range parFiles {
		for _, hidden := range []string{w.alone, w.reqAlone, w.recAlone.ID, w.recErased.ID, w.transcript.ID, w.share, asked.ID, "mr. De Boer"} {
			if strings.Contains(name, hidden) || bytes.Contains(b, []byte(hidden)) {
				t.Errorf("the parent's download holds %q in %s", hidden, name)
			}
		}
	}

	// Another client's link gets that client's data, nothing of this one.
	other := &opname.Client{Name: "Bram Bakker"}
	if err := s.db.CreateClient(w.sys, other); err != nil {
		t.Fatal(err)
	}
	otherCode, err := s.db.CreateLink(w.sys, &opname.ClientLink{ClientID: other.ID, Party: "client"})
	if err != nil {
		t.Fatal(err)
	}
	otherSecret, _, err := s.db.OpenLink(opname.WithAddr(context.Background(), "192.0.2.8"), otherCode)
	if err != nil {
		t.Fatal(err)
	}
	code, theirs := holder(t, s, otherSecret, "GET", "/l/mijn-gegevens/gegevens.zip", "nl", nil)
	if code != 200 {
		t.Fatalf("another client's download = %d", code)
	}
	for name, b := range unzipped(t, theirs) {
		for _, hidden := range []string{j.client, w.alone, w.withParent, w.recAlone.ID, w.recParent.ID} {
			if bytes.Contains(b, []byte(hidden)) {
				t.Errorf("another client's download holds %q in %s", hidden, name)
			}
		}
	}
	// Staff not assigned, and another organisation, find no such client.
	j.call("colleague", "GET", "/api/v1/clients/"+j.client+"/export", nil, 404, nil)
	o := newJourney(t, s, "avg-elders", "veilig-thuis-utrecht")
	o.call("staff", "GET", "/api/v1/clients/"+j.client+"/export", nil, 404, nil)
	o.call("manager", "GET", "/api/v1/clients/"+j.client+"/data-requests", nil, 404, nil)
}

// TestDataRequests: the client asks through their link to erase a
// recording, staff record a correction on the client's behalf; the privacy
// officer sees both open (page and API), grants the erasure with reasons
// and erases the recording through the one erasure path, refuses the
// correction because the law obliges keeping the file; each step is in
// the access log; the client's link page tells the decision in plain
// Dutch (and English), and a parent's link sees only the parent's own
// requests.
func TestDataRequests(t *testing.T) {
	t.Parallel()
	dialects(t, testDataRequests)
}

func testDataRequests(t *testing.T, s *server) {
	w := newAVGWorld(t, s, "avg-verzoek")
	j := w.j
	officer, officerSession := member(t, s, w.sys, "avg-verzoek", opname.RolePrivacyOfficer)
	token, _, err := s.db.CreateToken(w.sys, officer.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	j.tokens["privacy"] = token

	// The client, through their link: a mistake names the field.
	code, body := holder(t, s, w.clientLink, "POST", "/l/mijn-gegevens", "nl", url.Values{"soort": {"erasure"}, "welke": {"de opname"}})
	if code != 400 || !strings.Contains(string(body), "Wat vraagt u: schrijf op wat u vraagt.") || !strings.Contains(string(body), "de opname</textarea>") {
		t.Errorf("a request without what is asked = %d\n%s", code, body)
	}
	code, _ = holder(t, s, w.clientLink, "POST", "/l/mijn-gegevens", "nl", url.Values{"soort": {"erasure"}, "welke": {"de opname van het eerste gesprek"},
		"opname": {w.recAlone.ID}, "vraag": {"Wis deze opname alstublieft."}})
	if code != 303 {
		t.Fatalf("the client's request = %d", code)
	}
	// The parent asks something too; staff record a correction.
	if code, _ := holder(t, s, w.parentLink, "POST", "/l/mijn-gegevens", "nl", url.Values{"soort": {"correction"}, "welke": {"mijn naam"}, "vraag": {"Mijn naam is Petra de Wit."}}); code != 303 {
		t.Fatalf("the parent's request = %d", code)
	}
	var correction opname.DataRequest
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/data-requests", map[string]any{"kind": "correction", "what": "het verslag van 3 maart", "ask": "Er staat dat ik boos was; dat klopt niet."}, 201, &correction)
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/data-requests", map[string]any{"kind": "erasure", "what": "x", "ask": "y", "recording_id": "no-such-recording"}, 400, nil)

	// The privacy officer's open requests, oldest first.
	var open struct{ Items []opname.DataRequest }
	j.call("privacy", "GET", "/api/v1/data-requests", nil, 200, &open)
	if len(open.Items) != 3 || open.Items[0].RecordingID != w.recAlone.ID || open.Items[0].ByRole != opname.RoleLinkHolder || open.Items[2].ID != correction.ID {
		t.Fatalf("open requests = %+v", open.Items)
	}
	erasure := open.Items[0]
	officerPage := signedInBrowser(t, s, officerSession, "nl")
	if code, page, _ := officerPage.do("GET", "/avg-verzoeken", "", ""); code != 200 || !strings.Contains(page, "Wis deze opname alstublieft.") || !strings.Contains(page, `name="wissen"`) {
		t.Errorf("the officer's page = %d\n%s", code, page)
	}
	// Deciding: the reasons are required; the correction is refused
	// because the law obliges keeping the file.
	j.call("privacy", "POST", "/api/v1/data-requests/"+correction.ID+"/decision", map[string]any{"decision": "refused"}, 400, nil)
	j.call("privacy", "POST", "/api/v1/data-requests/"+correction.ID+"/decision", map[string]any{"decision": "refused", "reasons": "De Jeugdwet verplicht ons het dossier 20 jaar te bewaren. Uw opmerking is bij het verslag gezet."}, 200, nil)
	j.call("privacy", "POST", "/api/v1/data-requests/"+correction.ID+"/decision", map[string]any{"decision": "granted", "reasons": "x", "done": "y"}, 409, nil)
	j.call("privacy", "POST", "/api/v1/data-requests/"+correction.ID+"/decision", map[string]any{"decision": "granted", "reasons": "x", "done": "y", "erase": true}, 400, nil)
	// The erasure, through the officer's page: granted, and the recording
	// erased by the one erasure path.
	if code, page, _ := officerPage.form("/avg-verzoeken/"+erasure.ID, url.Values{"besluit": {"granted"}, "redenen": {"U mag dit vragen, en niets verplicht ons de opname te houden."},
		"gedaan": {"De opname is gewist."}, "wissen": {"ja"}}); code != 303 {
		t.Errorf("the officer's decision = %d\n%s", code, page)
	}
	if _, page, _ := officerPage.do("GET", "/avg-verzoeken?besloten=1", "", ""); !strings.Contains(page, "Het besluit is vastgelegd.") {
		t.Errorf("the officer's page after deciding:\n%s", page)
	}
	var rec opname.Recording
	j.call("staff", "GET", "/api/v1/recordings/"+w.recAlone.ID, nil, 200, &rec)
	if rec.ErasedAt == nil {
		t.Error("the granted erasure did not erase the recording")
	}
	j.call("staff", "GET", "/api/v1/recordings/"+w.recAlone.ID+"/content", nil, 409, nil)
	// The officer erases nothing a granted request does not name.
	j.call("privacy", "POST", "/api/v1/recordings/"+w.recParent.ID+"/erasure", map[string]any{"reason": "zomaar"}, 403, nil)
	if _, err := s.web.Vault.Erase(actorCtx(w.org, officer), w.recParent.ID, "zomaar"); opname.KindOf(err) != opname.NotFound {
		t.Errorf("the officer erases a recording no request names: %v", err)
	}
	j.call("privacy", "GET", "/api/v1/data-requests", nil, 200, &open)
	if len(open.Items) != 1 {
		t.Errorf("open requests after two decisions = %d", len(open.Items))
	}

	// The access log: made, decided, erased, each by whom.
	events, err := s.db.Search(actorCtx(w.org, officer), opname.AccessFilter{ClientID: j.client})
	if err != nil {
		t.Fatal(err)
	}
	made, decided, erasedBy := 0, 0, opname.Role("")
	for _, e := range events {
		switch {
		case e.ObjectType == opname.ObjectDataRequest && e.Action == opname.AccessCreate:
			made++
		case e.ObjectType == opname.ObjectDataRequest && e.Action == opname.AccessUpdate:
			decided++
		case e.ObjectType == "recording" && e.Action == opname.AccessDelete && e.ObjectID == w.recAlone.ID:
			erasedBy = e.UserRole
		}
	}
	if made != 3 || decided != 2 || erasedBy != opname.RolePrivacyOfficer {
		t.Errorf("access log: %d made, %d decided, erased by %q", made, decided, erasedBy)
	}

	// The client is told when they open their link.
	_, home := holder(t, s, w.clientLink, "GET", "/l/gesprekken", "nl", nil)
	if !strings.Contains(string(home), "Er zijn besluiten over 2 verzoeken van u.") {
		t.Errorf("the link's first page does not tell the decisions:\n%s", home)
	}
	_, page := holder(t, s, w.clientLink, "GET", "/l/mijn-gegevens", "nl", nil)
	for _, want := range []string{"Toegestaan", "De opname is gewist.", "Niet toegestaan", "De Jeugdwet verplicht ons het dossier 20 jaar te bewaren."} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the link's data page lacks %q", want)
		}
	}
	if strings.Contains(string(page), "Mijn naam is Petra") {
		t.Error("the client's page shows the parent's request")
	}
	_, page = holder(t, s, w.clientLink, "GET", "/l/mijn-gegevens", "en", nil)
	if !strings.Contains(string(page), "Granted") || !strings.Contains(string(page), "Refused") {
		t.Errorf("the link's data page in English lacks the decisions:\n%s", page)
	}
	if _, home := holder(t, s, w.clientLink, "GET", "/l/gesprekken", "nl", nil); strings.Contains(string(home), "besluiten over") {
		t.Error("the decisions are still news after the client read them")
	}
	// A parent's link: their own request only.
	_, page = holder(t, s, w.parentLink, "GET", "/l/mijn-gegevens", "nl", nil)
	if !strings.Contains(string(page), "Mijn naam is Petra de Wit.") || strings.Contains(string(page), "Wis deze opname") || strings.Contains(string(page), "boos") {
		t.Errorf("the parent's data page:\n%s", page)
	}
	// Staff see the client's requests on the client's page; another
	// organisation's officer finds none of them.
	if page := string(j.call("staff", "GET", "/clienten/"+j.client+"/avg?lang=en", nil, 200, nil)); !strings.Contains(page, "Refused") || !strings.Contains(page, `href="/clienten/`+j.client+`/gegevens.zip"`) {
		t.Errorf("the client's AVG page for staff:\n%s", page)
	}
	if page := string(j.call("staff", "GET", "/clienten/"+j.client, nil, 200, nil)); !strings.Contains(page, `href="/clienten/`+j.client+`/avg"`) {
		t.Error("the client's page has no button to their data")
	}
	o := newAVGWorld(t, s, "avg-ander")
	_, otherOfficer := member(t, s, o.sys, "avg-ander", opname.RolePrivacyOfficer)
	otherPage := signedInBrowser(t, s, otherOfficer, "nl")
	if code, _, _ := otherPage.form("/avg-verzoeken/"+open.Items[0].ID, url.Values{"besluit": {"refused"}, "redenen": {"x"}}); code != 404 {
		t.Errorf("another organisation's officer decides = %d", code)
	}
}

// TestAVGAccessibility runs axe on the AVG pages (see TestAccessibility):
// the client's data page through a link, with a request decided and one
// open; the client's page for staff; the privacy officer's requests.
func TestAVGAccessibility(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "a11y.mjs")
	s := testServer(t)
	w := newAVGWorld(t, s, "avg-a11y")
	_, staffSession := member(t, s, w.sys, "avg-a11y", opname.RoleAdmin)
	officer, officerSession := member(t, s, w.sys, "avg-a11y", opname.RolePrivacyOfficer)
	octx := actorCtx(w.org, officer)
	for i, kind := range []string{opname.DataErasure, opname.DataCorrection} {
		d := &opname.DataRequest{ClientID: w.j.client, Kind: kind, What: "de opname", RecordingID: w.recParent.ID, Ask: "Wis of verbeter dit."}
		if kind == opname.DataCorrection {
			d.RecordingID = ""
		}
		if err := s.db.AddDataRequest(w.sys, d); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if _, err := s.db.DecideDataRequest(octx, d.ID, opname.DataRefused, "De WGBO verplicht ons het dossier te bewaren.", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.db.AddDataRequest(w.sys, &opname.DataRequest{ClientID: w.j.client, Kind: opname.DataCorrection, What: "mijn adres", Ask: "Dorpsstraat 1."}); err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		who, cookie, secret string
		paths               []string
	}{
		{"link holder", s.web.LinkCookie(), w.clientLink, []string{"/l/gesprekken", "/l/mijn-gegevens"}},
		{"staff", s.web.SessionCookie(), staffSession, []string{"/clienten/" + w.j.client, "/clienten/" + w.j.client + "/avg"}},
		{"privacy officer", s.web.SessionCookie(), officerSession, []string{"/", "/avg-verzoeken"}},
	} {
		t.Run(run.who, func(t *testing.T) {
			for _, r := range runAxeWith(t, script, chromium, s, run.cookie, run.secret, run.paths...) {
				if r.Status != 200 {
					t.Errorf("%s %s: status %d at %s", r.Path, r.Lang, r.Status, r.URL)
				}
			}
		})
	}
}
