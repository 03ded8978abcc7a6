package tusd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/tus/tusd/v2/pkg/handler"
)

// BenchmarkParts stages 256 MiB in parts of 64 MiB and finishes it: the
// store's share of a resumable upload, without HTTP.
//
//	go test ./tusd -run '^$' -bench Parts -benchtime 3x
func BenchmarkParts(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, "")
	data := make([]byte, 256<<20)
	rand.Read(data)
	s := e.store()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		u, err := s.NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
		if err != nil {
			b.Fatal(err)
		}
		info, _ := u.GetInfo(ctx)
		for off := 0; off < len(data); off += 64 << 20 {
			u, err := s.GetUpload(ctx, info.ID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := u.WriteChunk(ctx, int64(off), bytes.NewReader(data[off:off+64<<20])); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Finish(ctx, info.ID, "orga/"+info.ID); err != nil {
			b.Fatal(err)
		}
		if err := s.Done(ctx, info.ID); err != nil {
			b.Fatal(err)
		}
	}
}
