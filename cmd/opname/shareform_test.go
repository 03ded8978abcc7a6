package main

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opname/opname/vault"
)

// TestShareTranscriptThroughPage: the staff member's share form offers
// the transcripts of the conversation's recordings, named plainly in
// Dutch and English, and a staff member asks to share one through it.
func TestShareTranscriptThroughPage(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-transcript-form")
	text := []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nGoedemorgen.\n")
	tr, err := j.s.web.Vault.IngestTranscript(j.staffCtx, vault.Upload{ClientID: j.rec.ClientID, DerivedFrom: j.rec.ID, Source: "organisation", Body: bytes.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	option := func(lang string) string {
		t.Helper()
		b := signedInBrowser(t, j.s, j.staffSecret, lang)
		status, page, _ := b.do("GET", "/gesprekken/"+j.conv.ID, "", "")
		if status != http.StatusOK {
			t.Fatalf("the conversation's page in %s = %d", lang, status)
		}
		return html.UnescapeString(between(page, `<option value="transcript:`+tr.ID+`">`, "</option>"))
	}
	for lang, want := range map[string]string{"nl": "Transcript van de opname van ", "en": "Transcript of the recording of "} {
		if got := option(lang); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "WebVTT)") {
			t.Errorf("the transcript offered in %s is %q, want %q… (WebVTT)", lang, got, want)
		}
	}

	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	form := url.Values{"formulier": {formToken(t, staff, "/gesprekken/"+j.conv.ID)}, "wie": {"1"}, "handeling": {"share"}, "wat": {"audio"}, "aangekondigd": {"in_advance"},
		"deel": {"transcript:" + tr.ID}, "ontvanger": {"complaints_committee"}, "deel-aan": {"Klachtencommissie"}, "deel-waarom": {"Voor de klacht"}}
	status, _, h := staff.form("/gesprekken/"+j.conv.ID+"/verzoeken", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/verzoeken/") {
		t.Fatalf("asking to share the transcript = %d (%s)", status, h.Get("Location"))
	}
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the requests: %v %v", rs, err)
	}
	if sh := rs[0].Act.Share; rs[0].Act.Action != "share" || sh == nil || sh.What != "transcript" || sh.ID != tr.ID || sh.To != "Klachtencommissie" {
		t.Fatalf("the request asks %+v", rs[0].Act)
	}
	if status, page, _ := staff.do("GET", h.Get("Location"), "", ""); status != http.StatusOK || !strings.Contains(page, "een transcript van een opname") {
		t.Errorf("the request's page = %d, without the transcript", status)
	}
}
