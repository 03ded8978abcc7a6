package localblob_test

import (
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/blobtest"
	"github.com/opname/opname/localblob"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) opname.BlobStore {
		s, err := localblob.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
