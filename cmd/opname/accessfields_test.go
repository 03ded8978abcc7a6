package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/vault"
)

// TestAccessLogFields downloads a recording through an integration's token
// behind a trusted proxy, and checks that its access record holds every
// field NEN 7513 asks for — who (user id, name, role), on whose behalf,
// when, from where, why, what of which client — exactly, in the JSON
// search and in the CSV export, on SQLite and PostgreSQL.
func TestAccessLogFields(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir(), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
			if dialect == "postgres" {
				cfg.DatabaseURL = sqldbtest.PostgresURL(t)
			}
			s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			testAccessLogFields(t, s)
		})
	}
}

func testAccessLogFields(t *testing.T, s *server) {
	org, octx := newOrg(t, s, "velden", "ombudsman", false)
	staff := &opname.User{Email: "sanne@velden.nl", Name: "Sanne Bakker", Role: opname.RoleStaff}
	privacy := &opname.User{Email: "pim@velden.nl", Name: "Pim", Role: opname.RolePrivacyOfficer}
	for _, u := range []*opname.User{staff, privacy} {
		if err := s.db.CreateUser(octx, u); err != nil {
			t.Fatal(err)
		}
	}
	client := &opname.Client{Name: "Anna"}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	staffCtx := opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, UserID: staff.ID, Role: staff.Role, Name: staff.Name})
	rec, err := s.web.Vault.Ingest(staffCtx, vault.Upload{ClientID: client.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 9))})
	if err != nil {
		t.Fatal(err)
	}
	integration, _, err := s.db.CreateToken(octx, staff.ID, "dossiersysteem")
	if err != nil {
		t.Fatal(err)
	}
	officer, _, err := s.db.CreateToken(octx, privacy.ID, "audit")
	if err != nil {
		t.Fatal(err)
	}

	before := time.Now().Add(-time.Millisecond)
	resp, body := send(t, "GET", s.URL+"/api/v1/recordings/"+rec.ID+"/content?download=1", "", map[string]string{"Authorization": "Bearer " + integration, "X-Forwarded-For": "203.0.113.9"})
	after := time.Now().Add(time.Millisecond)
	if resp.StatusCode != 200 {
		t.Fatalf("download = %d %s", resp.StatusCode, firstLine([]byte(body)))
	}

	resp, body = send(t, "GET", s.URL+"/api/v1/access-log?client_id="+client.ID, "", map[string]string{"Authorization": "Bearer " + officer})
	var events []opname.AccessEvent
	if err := json.Unmarshal([]byte(body), &events); resp.StatusCode != 200 || err != nil {
		t.Fatalf("access log = %d %v %s", resp.StatusCode, err, firstLine([]byte(body)))
	}
	var got *opname.AccessEvent
	for i, e := range events {
		if e.ObjectID == rec.ID && e.Action == opname.AccessCopy {
			got = &events[i]
		}
	}
	if got == nil {
		t.Fatalf("no record of the download among %d records", len(events))
	}
	want := opname.AccessEvent{
		Action: opname.AccessCopy, Outcome: "success",
		UserID: staff.ID, UserName: "Sanne Bakker", UserRole: opname.RoleStaff, // who
		OnBehalfOf: "dossiersysteem",                                                         // on whose behalf
		SourceAddr: "203.0.113.9",                                                            // from where
		Purpose:    "download",                                                               // why
		ClientID:   client.ID, ClientName: "Anna", ObjectType: "recording", ObjectID: rec.ID, // what of which client
	}
	// What the store adds: an id, its place in the chain, and when.
	if got.ID == "" || got.Seq < 1 || !isSHA256(got.Hash) || !isSHA256(got.PrevHash) || got.Hash == got.PrevHash {
		t.Errorf("id %q, seq %d, hash %q, prev_hash %q: want an id, a place in the chain and two SHA-256 digests", got.ID, got.Seq, got.Hash, got.PrevHash)
	}
	if got.Time.Before(before) || got.Time.After(after) {
		t.Errorf("time %s, want between %s and %s", got.Time, before, after)
	}
	want.ID, want.Seq, want.Time, want.Hash, want.PrevHash = got.ID, got.Seq, got.Time, got.Hash, got.PrevHash
	if *got != want {
		t.Errorf("access record:\n got %+v\nwant %+v", *got, want)
	}

	// The export a privacy officer hands on has the same fields.
	resp, body = send(t, "GET", s.URL+"/api/v1/access-log?format=csv&client_id="+client.ID, "", map[string]string{"Authorization": "Bearer " + officer})
	rows, err := csv.NewReader(bytes.NewBufferString(body)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(rows) < 2 {
		t.Fatalf("CSV export = %d %v\n%s", resp.StatusCode, err, firstLine([]byte(body)))
	}
	wantRow := map[string]string{
		"seq": strconv.FormatInt(got.Seq, 10), "time": got.Time.Format(time.RFC3339Nano), "action": "copy", "outcome": "success",
		"user_id": staff.ID, "user_name": "Sanne Bakker", "user_role": "staff", "on_behalf_of": "dossiersysteem",
		"client_id": client.ID, "client_name": "Anna", "object_type": "recording", "object_id": rec.ID, "purpose": "download",
		"source_addr": "203.0.113.9", "hash": got.Hash,
	}
	found := false
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Fatalf("CSV row %v does not match the header %v", row, rows[0])
		}
		fields := map[string]string{}
		for i, name := range rows[0] {
			fields[name] = row[i]
		}
		if fields["hash"] != got.Hash {
			continue
		}
		found = true
		for name, v := range wantRow {
			if fields[name] != v {
				t.Errorf("CSV %s = %q, want %q", name, fields[name], v)
			}
		}
	}
	if !found {
		t.Errorf("the CSV export lacks the download's record")
	}
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
