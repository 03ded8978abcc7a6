package vault_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localblob"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/vault"
)

// transcriptVault is a vault on SQLite (dsn "") or PostgreSQL, with one
// organisation and client, acting as a staff member assigned to it.
func transcriptVault(t *testing.T, dsn string) (*vault.Vault, context.Context, string) {
	t.Helper()
	dir := t.TempDir()
	if dsn == "" {
		dsn = filepath.Join(dir, "opname.db")
	}
	db, err := sqldb.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := &opname.Organisation{Slug: "transcripts", Name: "T", Policy: opname.PolicyVersion{Name: "ombudsman", Digest: "sha256:0", Shipped: "ombudsman", Text: "x"}}
	if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("test")), org); err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	octx := opname.WithActor(ctx, sys)
	c := &opname.Client{Name: "Client"}
	if err := db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	u := &opname.User{Email: "staff@t.nl", Name: "Staff", Role: opname.RoleStaff}
	if err := db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Assign(octx, c.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	blobs, _ := localblob.Open(filepath.Join(dir, "blobs"))
	keys, _ := localkeys.Open(filepath.Join(dir, "keys"))
	staff := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, UserID: u.ID, Role: opname.RoleStaff, Name: u.Name})
	return &vault.Vault{Blobs: blobs, Sealer: agecrypt.Sealer{Keys: keys}, Store: db, MaxSize: 1 << 30, MaxTranscript: 1 << 20}, staff, c.ID
}

// TestTranscripts checks, on both databases, that a transcript is taken
// by its content (text, PDF, WebVTT; nothing else), sealed and opened as
// a recording is, listed with its recording, never as a recording, and
// erased with it.
func TestTranscripts(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := ""
			if dialect == "postgres" {
				dsn = sqldbtest.PostgresURL(t)
			}
			v, ctx, client := transcriptVault(t, dsn)
			rec, err := v.Ingest(ctx, vault.Upload{ClientID: client, Source: "organisation", Body: bytes.NewReader(append(wavHeader(4000), make([]byte, 4000)...))})
			if err != nil {
				t.Fatal(err)
			}
			good := []struct{ name, body, media string }{
				{"text", "Medewerker: Goedemorgen.\nCliënt: Dag.\n" + strings.Repeat("é", 200000), "text/plain"},
				{"pdf", "%PDF-1.7\n\x00\xff binary body\n%%EOF\n", "application/pdf"},
				{"vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nGoedemorgen.\n", "text/vtt"},
				{"vtt with bom", "\ufeffWEBVTT - gesprek\n\n00:00.000 --> 00:02.000\nDag.\n", "text/vtt"},
			}
			for _, c := range good {
				tr, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: rec.ID, Source: "organisation", Body: strings.NewReader(c.body)})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if tr.Kind != opname.KindTranscript || tr.MediaType != c.media || tr.DerivedFrom != rec.ID || tr.ClientID != client || tr.Size != int64(len(c.body)) {
					t.Fatalf("%s: transcript = %+v", c.name, tr)
				}
				o, err := v.OpenTranscript(ctx, tr.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(io.NewSectionReader(o.Content, 0, o.Size))
				o.Close()
				if string(got) != c.body {
					t.Fatalf("%s: opened %q", c.name, got)
				}
				// A transcript is not a recording, nor a recording a
				// transcript.
				if _, err := v.Open(ctx, tr.ID, true); opname.KindOf(err) != opname.NotFound {
					t.Fatalf("%s: opened as a recording: %v", c.name, err)
				}
				if _, err := v.OpenTranscript(ctx, rec.ID); opname.KindOf(err) != opname.NotFound {
					t.Fatalf("a recording opened as a transcript: %v", err)
				}
			}
			bad := []struct {
				name, body, code string
				size             int
			}{
				{"wav", string(append(wavHeader(4000), make([]byte, 4000)...)), "transcript.type", 0},
				{"binary", "\x00\x01\x02\x03\xfe\xff" + strings.Repeat("\x00", 100), "transcript.type", 0},
				{"binary after text", strings.Repeat("tekst ", 1000) + "\x00\x01", "transcript.binary", 0},
				{"latin-1", strings.Repeat("tekst ", 1000) + "caf\xe9 ", "transcript.not_utf8", 0},
				{"empty", "", "upload.empty", 0},
				{"too large", strings.Repeat("a", 1<<20+1), "transcript.too_large", 0},
			}
			for _, c := range bad {
				_, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: rec.ID, Source: "organisation", Body: strings.NewReader(c.body)})
				var e *opname.Error
				if !asError(err, &e) || e.Kind != opname.Invalid || e.Code != c.code {
					t.Fatalf("%s: err = %v, want %s", c.name, err, c.code)
				}
				if c.code != "upload.empty" && e.Field != "file" {
					t.Errorf("%s: field = %q, want file", c.name, e.Field)
				}
			}
			if _, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: rec.ID, Source: "client_copy", Body: strings.NewReader("tekst")}); opname.KindOf(err) != opname.Invalid {
				t.Fatalf("source client_copy: %v", err)
			}
			if _, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: "nothing", Source: "organisation", Body: strings.NewReader("tekst")}); opname.KindOf(err) != opname.NotFound {
				t.Fatalf("no such recording: %v", err)
			}

			recs, err := v.Store.ClientRecordings(ctx, client)
			if err != nil || len(recs) != 1 || recs[0].ID != rec.ID || recs[0].Kind != opname.KindMedia {
				t.Fatalf("client recordings = %+v, %v", recs, err)
			}
			ts, err := v.Store.Transcripts(ctx, rec.ID)
			if err != nil || len(ts) != len(good) {
				t.Fatalf("transcripts = %d, %v; want %d", len(ts), err, len(good))
			}
			// The fixity audit checks transcripts as it checks recordings.
			n, findings, err := v.Fixity(opname.WithActor(context.Background(), opname.System("fixity")), noTime)
			if err != nil || n != 1+len(good) || len(findings) != 0 {
				t.Fatalf("fixity: %d checked, %v, %v", n, findings, err)
			}
			if _, err := v.Erase(manager(ctx), rec.ID, "de bewaartermijn is voorbij"); err != nil {
				t.Fatal(err)
			}
			ts, err = v.Store.Transcripts(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range ts {
				if tr.ErasedAt == nil {
					t.Fatalf("transcript %s outlived its recording's erasure", tr.ID)
				}
				if _, err := v.OpenTranscript(ctx, tr.ID); opname.KindOf(err) != opname.Conflict {
					t.Fatalf("erased transcript opened: %v", err)
				}
			}
			if _, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: rec.ID, Source: "organisation", Body: strings.NewReader("tekst")}); opname.KindOf(err) != opname.Conflict {
				t.Fatalf("a transcript of an erased recording: %v", err)
			}
		})
	}
}

// TestTextCheckSplitCharacters feeds a text transcript in pieces that
// split its characters: it is text all the same.
func TestTextCheckSplitCharacters(t *testing.T) {
	v, ctx, client := transcriptVault(t, "")
	rec, err := v.Ingest(ctx, vault.Upload{ClientID: client, Source: "organisation", Body: bytes.NewReader(append(wavHeader(4000), make([]byte, 4000)...))})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Cliënt zegt: “ja” 👍\n", 20000)
	tr, err := v.IngestTranscript(ctx, vault.Upload{DerivedFrom: rec.ID, Source: "organisation", Body: io.MultiReader(oneByte{strings.NewReader(text[:5001])}, strings.NewReader(text[5001:]))})
	if err != nil {
		t.Fatal(err)
	}
	if tr.MediaType != "text/plain" || tr.Size != int64(len(text)) {
		t.Fatalf("transcript = %+v", tr)
	}
}

// oneByte reads one byte at a time.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// noTime checks every stored file in a fixity run.
var noTime time.Time

// manager is ctx's actor as a manager, who may erase.
func manager(ctx context.Context) context.Context {
	a, _ := opname.ActorFrom(ctx)
	a.Role = opname.RoleManager
	return opname.WithActor(ctx, a)
}

func asError(err error, e **opname.Error) bool { return errors.As(err, e) }
