package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/workflow"
)

// brokenReader gives n bytes of data and then fails, as a connection that
// breaks off in the middle of a request.
type brokenReader struct {
	data []byte
	n    int
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, errors.New("the connection broke")
	}
	k := copy(p, b.data[:min(b.n, len(b.data), len(p))])
	b.data, b.n = b.data[k:], b.n-k
	return k, nil
}

// TestLinkGivesCopy follows spelregel 4 the other way round: the
// organisation asks the client for a copy of the client's own recording,
// and the client sends it through their link, resumably. The connection
// breaks off halfway and the upload goes on from where the server got; the
// last answer carries the recording and its receipt, which `opname verify`
// accepts for the file. The copy is the client's own, for the request,
// whatever the holder's metadata says; it is in both logs as done by the
// client; the staff's request page and the holder's page show it. A
// request that asks no copy, a parent's link and the staff's own upload
// address for a link holder are refused.
func TestLinkGivesCopy(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "kopie", "ombudsman", false)
	staff, staffSecret := member(t, s, octx, "kopie", opname.RoleStaff)
	client := &opname.Client{Name: "Lotte de Wit"}
	other := &opname.Client{Name: "Kees Bakker"}
	for _, c := range []*opname.Client{client, other} {
		if err := s.db.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
			t.Fatal(err)
		}
	}
	staffCtx := actorCtx(org, staff)
	w := s.web.Workflow
	conv := &opname.Conversation{ClientID: client.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "parent", Name: "Mark"}, {Role: "staff", UserID: staff.ID}}}
	if err := w.Open(staffCtx, conv); err != nil {
		t.Fatal(err)
	}
	asked, err := w.Ask(staffCtx, conv.ID, opname.Act{Action: "copy", Medium: "audio", By: "organisation"})
	if err != nil {
		t.Fatal(err)
	}
	record, err := w.Ask(staffCtx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}

	holder := func(c *opname.Client, party string) *tusClient {
		l := &opname.ClientLink{ClientID: c.ID, Party: party}
		code, err := s.db.CreateLink(staffCtx, l)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.OpenLink(opname.WithAddr(context.Background(), "192.0.2.7"), code)
		if err != nil {
			t.Fatal(err)
		}
		return &tusClient{t: t, base: s.URL, cookie: &http.Cookie{Name: s.web.LinkCookie(), Value: secret}, prefix: "/l/kopie"}
	}
	phone := holder(client, "client")

	// The page asks for the copy, in the holder's own words.
	page := func() string {
		t.Helper()
		resp, body := phone.send("GET", "/l/gesprekken/"+conv.ID, nil, map[string]string{"Accept": "text/html"})
		if resp.StatusCode != 200 {
			t.Fatalf("the conversation's page = %d", resp.StatusCode)
		}
		return string(body)
	}
	if p := page(); !strings.Contains(p, `data-give-copy="`+asked.ID+`"`) || strings.Contains(p, `data-give-copy="`+record.ID+`"`) || !strings.Contains(p, "Uw contactpersoon vraagt een kopie van uw eigen opname") {
		t.Fatalf("the page does not ask for the copy on the copy request alone:\n%s", p)
	}

	// The holder's metadata names another client, another source and an
	// original: the copy is the client's own all the same.
	audio := wav(20, 51)
	sum := sha256.Sum256(audio)
	resp, id := phone.create(int64(len(audio)), map[string]string{"request_id": asked.ID, "client_id": other.ID, "source": "organisation"})
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s", resp.StatusCode, id)
	}
	half := int64(len(audio) / 2)
	if resp, body := phone.patch(id, 0, audio[:half/2], nil); resp.StatusCode != 204 {
		t.Fatalf("first part = %d %s", resp.StatusCode, body)
	}
	// The connection breaks off in the middle of the next part.
	r, _ := http.NewRequest("PATCH", s.URL+"/l/kopie/"+id, &brokenReader{data: audio[half/2:], n: int(half / 2)})
	r.AddCookie(phone.cookie)
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.Header.Set("Upload-Offset", fmt.Sprint(half/2))
	r.Header.Set("Content-Type", "application/offset+octet-stream")
	if resp, err := http.DefaultClient.Do(r); err == nil {
		resp.Body.Close()
		t.Fatalf("the broken part was answered %d", resp.StatusCode)
	}
	// Someone else's link cannot see or go on with it.
	if resp, _ := holder(client, "client").do("HEAD", "/l/kopie/"+id, nil, nil); resp.StatusCode != 404 {
		t.Errorf("HEAD through another link = %d, want 404", resp.StatusCode)
	}
	// The phone asks where the server got and sends the rest from there,
	// as a tus client does: while the server still holds the broken
	// request, the offset may move on once more.
	var body []byte
	for try := 1; ; try++ {
		resp, _ = phone.do("HEAD", "/l/kopie/"+id, nil, nil)
		var offset int64
		if _, err := fmt.Sscan(resp.Header.Get("Upload-Offset"), &offset); err != nil || resp.StatusCode != 200 || offset < half/2 || offset > half {
			t.Fatalf("HEAD after the break = %d, offset %q", resp.StatusCode, resp.Header.Get("Upload-Offset"))
		}
		resp, body = phone.patch(id, offset, audio[offset:], nil)
		if resp.StatusCode == 200 {
			break
		}
		if resp.StatusCode != 409 || try == 20 {
			t.Fatalf("the rest from %d = %d %s", offset, resp.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var out registered
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	rec := out.Recording
	if rec.ClientID != client.ID || rec.Source != "client_copy" || rec.RequestID != asked.ID || rec.ConversationID != conv.ID || rec.SHA256 != hex.EncodeToString(sum[:]) || rec.DerivedFrom != "" {
		t.Fatalf("the copy is stored as %+v", rec)
	}
	verifyReceiptOf(t, s, "kopie", out.Receipt, audio, "match: recording "+rec.ID)

	// Both logs have it as the client's.
	events, err := s.db.Search(opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, Role: opname.RoleSystem, Name: "system"}), opname.AccessFilter{ClientID: client.ID})
	if err != nil {
		t.Fatal(err)
	}
	created := false
	for _, e := range events {
		created = created || e.ObjectID == rec.ID && e.Action == opname.AccessCreate && e.UserRole == opname.RoleLinkHolder && e.OnBehalfOf == "client"
	}
	if !created {
		t.Error("the access log lacks the client's copy as made by the client")
	}
	receipt, err := s.db.Receipt(staffCtx, org.ID, rec.LogIndex)
	if err != nil || receipt.Record.RecordingID != rec.ID {
		t.Errorf("the organisation's log: %v %+v", err, receipt)
	}

	// The holder's page and the staff's request page show it.
	if p := page(); !strings.Contains(p, "U gaf een kopie op") || !strings.Contains(p, "/l/opnames/"+rec.ID) {
		t.Errorf("the holder's page does not show the copy given")
	}
	if _, p, _ := signedInBrowser(t, s, staffSecret, "nl").do("GET", "/verzoeken/"+asked.ID, "", ""); !strings.Contains(p, "De cliënt gaf een kopie op") || !strings.Contains(p, "/opnames/"+rec.ID) {
		t.Errorf("the staff's request page does not show the copy")
	}
	if _, p, _ := signedInBrowser(t, s, staffSecret, "en").do("GET", "/verzoeken/"+asked.ID, "", ""); !strings.Contains(p, "The client gave a copy on") {
		t.Errorf("the staff's request page in English does not show the copy")
	}

	// What is refused, with a clear word and nothing stored.
	for _, c := range []struct {
		name   string
		phone  *tusClient
		meta   map[string]string
		status int
		says   string
	}{
		{"a request to record", phone, map[string]string{"request_id": record.ID}, 409, "bij dit verzoek wordt u niet om een kopie gevraagd."},
		{"no request", phone, map[string]string{}, 400, "zeg bij welk verzoek deze kopie hoort."},
		{"a parent's link", holder(client, "parent"), map[string]string{"request_id": asked.ID}, 409, "bij dit verzoek wordt u niet om een kopie gevraagd."},
		{"another client's link", holder(other, "client"), map[string]string{"request_id": asked.ID}, 404, ""},
	} {
		h := map[string]string{"Accept-Language": "nl", "Upload-Length": "1000", "Upload-Metadata": metadata(c.meta)}
		resp, body := c.phone.do("POST", "/l/kopie", nil, h)
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, resp.StatusCode, body, c.status, c.says)
		}
	}
	// A link holder has no business at the staff's upload address.
	api := &tusClient{t: t, base: s.URL, cookie: phone.cookie}
	if resp, _ := api.create(1000, map[string]string{"client_id": client.ID}); resp.StatusCode != 401 {
		t.Errorf("a link holder at /api/v1/uploads = %d, want 401", resp.StatusCode)
	}
	recs, err := s.db.ClientRecordings(staffCtx, client.ID)
	if err != nil || len(recs) != 1 {
		t.Errorf("the client has %d recordings, want the one copy (%v)", len(recs), err)
	}
	if !workflow.HolderGivesCopy(conv, asked, opname.LinkHolder(&opname.ClientLink{ClientID: client.ID, Party: "client"}, "")) {
		t.Error("the workflow does not ask the client for the copy")
	}
}
