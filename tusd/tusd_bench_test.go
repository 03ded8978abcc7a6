package tusd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/opname/opname/tusd"
	"github.com/tus/tusd/v2/pkg/handler"
)

// BenchmarkParts stages 256 MiB in one part, or parts of 64 or 16 MiB,
// and finishes it: the store's share of a resumable upload, without HTTP.
//
//	go test ./tusd -run '^$' -bench Parts -benchtime 3x
func BenchmarkParts(b *testing.B) {
	e := newEnv(b, "")
	data := make([]byte, 256<<20)
	rand.Read(data)
	s := e.store()
	for _, part := range []int{256 << 20, 64 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("part=%dMiB", part>>20), func(b *testing.B) { benchParts(b, s, data, part) })
	}
}

func benchParts(b *testing.B, s *tusd.Store, data []byte, part int) {
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		u, err := s.NewUpload(ctx, handler.FileInfo{Size: int64(len(data)), MetaData: meta})
		if err != nil {
			b.Fatal(err)
		}
		info, _ := u.GetInfo(ctx)
		for off := 0; off < len(data); off += part {
			u, err := s.GetUpload(ctx, info.ID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := u.WriteChunk(ctx, int64(off), bytes.NewReader(data[off:off+part])); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Finish(ctx, info.ID, "orga/"+info.ID); err != nil {
			b.Fatal(err)
		}
		if err := s.Remove(ctx, info.ID); err != nil {
			b.Fatal(err)
		}
	}
}
