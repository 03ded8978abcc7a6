package sqldb_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// fromAddr is a context of a browser at addr, as links are opened.
func fromAddr(addr string) context.Context {
	return opname.WithAddr(context.Background(), addr)
}

// TestLinkCodes checks that a link's code is stored only as a hash, is
// typed forgivingly (case, dashes, spaces, I, L and O), and that an
// unknown, an expired and a stopped code answer alike.
func TestLinkCodes(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		l := &opname.ClientLink{ClientID: w.assigned.ID, Party: "client"}
		code, err := db.CreateLink(staff, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != opname.LinkCodeLength {
			t.Fatalf("code %q has %d characters", code, len(code))
		}
		if !l.ExpiresAt.After(time.Now().AddDate(0, 0, opname.DefaultLinkDays-1)) {
			t.Errorf("a new link expires at %v, want %d days from now", l.ExpiresAt, opname.DefaultLinkDays)
		}
		// Typed as people type it: grouped, in lower case, with look-alikes.
		typed := strings.ToLower(opname.GroupLinkCode(code))
		typed = strings.ReplaceAll(strings.ReplaceAll(typed, "1", "l"), "0", "o")
		secret, s, err := db.OpenLink(fromAddr("192.0.2.10"), " "+typed+" ")
		if err != nil {
			t.Fatalf("open %q: %v", typed, err)
		}
		a, _, err := db.AuthenticateLink(context.Background(), secret)
		if err != nil || a.Role != opname.RoleLinkHolder || a.ClientID != w.assigned.ID || a.Party != "client" || s.PINNeeded != "" {
			t.Fatalf("holder %+v, session %+v, %v", a, s, err)
		}
		// The code is not stored: neither it nor its typed form is in any
		// column of the link's row.
		if n := countRows(t, db, `SELECT COUNT(*) FROM client_links WHERE hash = ? OR hash = ? OR id = ?`, code, typed, code); n != 0 {
			t.Errorf("the code is stored as it is (%d rows)", n)
		}

		expiring := &opname.ClientLink{ClientID: w.assigned.ID, Party: "client", ExpiresAt: time.Now().Add(time.Second)}
		expiredCode, err := db.CreateLink(staff, expiring)
		if err != nil {
			t.Fatal(err)
		}
		stopped := &opname.ClientLink{ClientID: w.assigned.ID, Party: "client"}
		stoppedCode, err := db.CreateLink(staff, stopped)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeLink(staff, stopped.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		unknown := opname.LinkCode(randomBytes(t, 17))
		var answers []string
		for i, c := range []string{unknown, expiredCode, stoppedCode, "not a code"} {
			_, _, err := db.OpenLink(fromAddr("192.0.2.20"), c)
			if opname.KindOf(err) != opname.NotFound {
				t.Fatalf("code %d: %v, want NotFound", i, err)
			}
			answers = append(answers, err.Error())
		}
		for i := range answers {
			if answers[i] != answers[0] {
				t.Errorf("code %d answers %q, code 0 %q: they must not differ", i, answers[i], answers[0])
			}
		}
		// Stopping a link ends its sessions.
		if err := db.RevokeLink(staff, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AuthenticateLink(context.Background(), secret); opname.KindOf(err) != opname.NotFound {
			t.Errorf("a stopped link's session still works: %v", err)
		}
	})
}

// TestLinkGuessing tries many random codes from one address: each gets the
// same NotFound until the address must wait, and then every code, a real
// one too, waits; another address is not held up.
func TestLinkGuessing(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		code, err := db.CreateLink(as(w.a[opname.RoleStaff]), &opname.ClientLink{ClientID: w.assigned.ID, Party: "client"})
		if err != nil {
			t.Fatal(err)
		}
		guesser := fromAddr("198.51.100.7")
		tries := 0
		for ; tries < 100; tries++ {
			_, _, err := db.OpenLink(guesser, opname.LinkCode(randomBytes(t, 17)))
			if opname.KindOf(err) == opname.TooMany {
				break
			}
			if opname.KindOf(err) != opname.NotFound {
				t.Fatalf("guess %d: %v", tries, err)
			}
		}
		if tries != sqldb.FreeFailures {
			t.Errorf("the address waited after %d guesses, want %d", tries, sqldb.FreeFailures)
		}
		if _, _, err := db.OpenLink(guesser, code); opname.KindOf(err) != opname.TooMany {
			t.Errorf("a real code from the guessing address: %v, want TooMany", err)
		}
		if _, _, err := db.OpenLink(fromAddr("203.0.113.9"), code); err != nil {
			t.Errorf("a real code from another address: %v", err)
		}
	})
}

// TestLinkPIN checks the PIN: chosen once at first use, then asked at
// every opening; wrong PINs wait, and too many stop the link; staff clear
// it, and the holder chooses a new one.
func TestLinkPIN(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		l := &opname.ClientLink{ClientID: w.assigned.ID, Party: "client", PINRequired: true}
		code, err := db.CreateLink(staff, l)
		if err != nil {
			t.Fatal(err)
		}
		addr := fromAddr("192.0.2.30")
		first, s, err := db.OpenLink(addr, code)
		if err != nil || s.PINNeeded != "choose" || s.PINDone {
			t.Fatalf("first opening: %+v %v", s, err)
		}
		if err := db.SetLinkPIN(addr, first, "12"); opname.KindOf(err) != opname.Invalid {
			t.Errorf("a 2-digit PIN: %v, want Invalid", err)
		}
		if err := db.SetLinkPIN(addr, first, "13579"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetLinkPIN(addr, first, "24680"); opname.KindOf(err) != opname.Conflict {
			t.Errorf("choosing a PIN twice: %v, want Conflict", err)
		}
		// The photographed link alone: another browser must enter the PIN.
		second, s, err := db.OpenLink(addr, code)
		if err != nil || s.PINNeeded != "enter" {
			t.Fatalf("second opening: %+v %v", s, err)
		}
		for i := 1; i <= sqldb.LinkPINFree; i++ {
			if err := db.CheckLinkPIN(addr, second, "00000"); opname.KindOf(err) != opname.Unauthorized {
				t.Fatalf("wrong PIN %d: %v", i, err)
			}
		}
		if err := db.CheckLinkPIN(addr, second, "13579"); opname.KindOf(err) != opname.TooMany {
			t.Errorf("the right PIN after %d wrong ones: %v, want a wait", sqldb.LinkPINFree, err)
		}
		// Staff clear it; the holder chooses again.
		if err := db.ResetLinkPIN(staff, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AuthenticateLink(context.Background(), second); opname.KindOf(err) != opname.NotFound {
			t.Errorf("a session outlives the PIN's reset: %v", err)
		}
		third, s, err := db.OpenLink(addr, code)
		if err != nil || s.PINNeeded != "choose" {
			t.Fatalf("after the reset: %+v %v", s, err)
		}
		if err := db.SetLinkPIN(addr, third, "97531"); err != nil {
			t.Fatal(err)
		}
		if _, s, err := db.AuthenticateLink(context.Background(), third); err != nil || s.PINNeeded != "" {
			t.Errorf("after choosing: %+v %v", s, err)
		}
	})
}

// TestLinkScope checks who may give, see and stop links, and what a
// holder sees: staff of the client only; the holder their own client's
// conversations in which their party takes part.
func TestLinkScope(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		w := build(t, db)
		staff := as(w.a[opname.RoleStaff])
		for name, a := range map[string]opname.Actor{"another staff member": w.staffA2, "a privacy officer": w.a[opname.RolePrivacyOfficer], "another organisation's manager": w.b[opname.RoleManager]} {
			_, err := db.CreateLink(as(a), &opname.ClientLink{ClientID: w.assigned.ID, Party: "client"})
			if k := opname.KindOf(err); k != opname.NotFound && k != opname.Forbidden {
				t.Errorf("%s gives a link: %v", name, err)
			}
		}
		if _, err := db.CreateLink(staff, &opname.ClientLink{ClientID: w.assigned.ID, Party: "staff"}); opname.KindOf(err) != opname.Invalid {
			t.Errorf("a link for a staff member: %v, want Invalid", err)
		}
		conv := &opname.Conversation{ClientID: w.assigned.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
		if err := db.AddConversation(staff, conv); err != nil {
			t.Fatal(err)
		}
		holder := func(party string) context.Context {
			return linkHolder(t, db, staff, w.assigned.ID, party, "192.0.2.40")
		}
		client, parent := holder("client"), holder("parent")
		if cs, err := db.ClientConversations(client, w.assigned.ID); err != nil || len(cs) != 1 {
			t.Errorf("the client sees %d conversations (%v), want 1", len(cs), err)
		}
		if cs, err := db.ClientConversations(parent, w.assigned.ID); err != nil || len(cs) != 0 {
			t.Errorf("a parent who takes no part sees %d conversations (%v), want 0", len(cs), err)
		}
		if _, err := db.Conversation(parent, conv.ID); opname.KindOf(err) != opname.NotFound {
			t.Errorf("a parent who takes no part reads the conversation: %v", err)
		}
		if _, err := db.Client(client, w.other.ID); opname.KindOf(err) != opname.NotFound {
			t.Errorf("a holder reads another client: %v", err)
		}
		if _, err := db.ClientLinks(client, w.assigned.ID); opname.KindOf(err) != opname.Forbidden {
			t.Errorf("a holder lists links: %v", err)
		}
		// The holder's reads are in the access log as theirs.
		events, err := db.Search(as(w.a[opname.RolePrivacyOfficer]), opname.AccessFilter{ClientID: w.assigned.ID})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events {
			if e.UserRole == opname.RoleLinkHolder && e.OnBehalfOf == "client" && e.ObjectType == "conversations" {
				found = true
			}
		}
		if !found {
			t.Error("the holder's read of their conversations is not in the access log as theirs")
		}

		// A holder adds only the client's own copy, for a request of the
		// organisation's that asks for it.
		addRequest := func(act opname.Act) string {
			r := &opname.Request{ConversationID: conv.ID, Act: act}
			if err := db.AddRequest(staff, r, json.RawMessage(`{}`), json.RawMessage(`{"outcome": "allowed"}`), strings.Repeat("0", 64)); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		copyReq := addRequest(opname.Act{Action: "copy", Medium: "audio", By: "organisation"})
		recordReq := addRequest(opname.Act{Action: "record", Medium: "audio", By: "client"})
		sealed := opname.Sealed{Header: []byte{1}, BlobKey: "blob", PayloadSize: 1}
		for _, c := range []struct {
			name string
			ctx  context.Context
			rec  opname.Recording
			kind opname.ErrorKind // "" for stored
		}{
			{"the client's copy", client, opname.Recording{Source: "client_copy", RequestID: copyReq}, ""},
			{"as the organisation's", client, opname.Recording{Source: "organisation", RequestID: copyReq}, opname.Forbidden},
			{"for no request", client, opname.Recording{Source: "client_copy"}, opname.Forbidden},
			{"for a request to record", client, opname.Recording{Source: "client_copy", RequestID: recordReq}, opname.Forbidden},
			{"as an edit", client, opname.Recording{Source: "client_copy", RequestID: copyReq, DerivedFrom: "x"}, opname.Forbidden},
			{"by a parent", parent, opname.Recording{Source: "client_copy", RequestID: copyReq}, opname.Forbidden},
			{"of another client", client, opname.Recording{Source: "client_copy", RequestID: copyReq, ClientID: w.other.ID}, opname.NotFound},
		} {
			rec := c.rec
			rec.MediaType, rec.SHA256, rec.Size = "audio/wav", strings.Repeat("ab", 32), 1
			if rec.ClientID == "" {
				rec.ClientID = w.assigned.ID
			}
			err := db.AddRecording(c.ctx, &rec, sealed)
			if c.kind == "" && err != nil || c.kind != "" && opname.KindOf(err) != c.kind {
				t.Errorf("a holder adds %s: %v, want %q", c.name, err, c.kind)
			}
		}
	})
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func countRows(t *testing.T, db *sqldb.DB, query string, args ...any) int {
	t.Helper()
	n, err := db.CountRows(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
