package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"path/filepath"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localblob"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/vault"
)

// BenchmarkIngest measures a whole upload on local disk — stage and hash,
// encrypt, store, register and log — against SHA-256 alone over the same
// bytes, in the same run. Target: ingest at 50% of SHA-256's throughput or
// better. It uses 256 MiB.
//
//	go test ./vault -run '^$' -bench . -benchtime 3x
func BenchmarkIngest(b *testing.B) {
	size := 256 << 20
	data := make([]byte, size)
	rand.Read(data)
	copy(data, wavHeader(size-44))

	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			h := sha256.New()
			io.Copy(h, bytes.NewReader(data))
		}
	})
	b.Run("ingest", func(b *testing.B) {
		dir := b.TempDir()
		db, err := sqldb.Open(filepath.Join(dir, "opname.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		sys := opname.WithActor(ctx, opname.System("bench"))
		org := &opname.Organisation{Slug: "bench", Name: "Bench", Policy: opname.PolicyVersion{Name: "ombudsman", Digest: "sha256:0", Shipped: "ombudsman", Text: "x"}}
		if err := db.CreateOrganisation(sys, org); err != nil {
			b.Fatal(err)
		}
		a := opname.System("bench")
		a.OrgID = org.ID
		octx := opname.WithActor(ctx, a)
		c := &opname.Client{Name: "Bench"}
		if err := db.CreateClient(octx, c); err != nil {
			b.Fatal(err)
		}
		blobs, _ := localblob.Open(filepath.Join(dir, "blobs"))
		keys, _ := localkeys.Open(filepath.Join(dir, "keys"))
		v := &vault.Vault{Blobs: blobs, Sealer: agecrypt.Sealer{Keys: keys}, Store: db, Staging: dir, MaxSize: 1 << 40}
		b.SetBytes(int64(size))
		for b.Loop() {
			if _, err := v.Ingest(octx, vault.Upload{ClientID: c.ID, Source: "organisation", Body: bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func wavHeader(n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	return b.Bytes()
}
