package s3blob_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/blobtest"
	"github.com/opname/opname/s3blob"
)

// TestConformance runs the blob store suite against a real S3 server:
// OPNAME_TEST_BLOB_URL (s3://BUCKET/PREFIX) with AWS_* settings; CI starts
// one, and there the test is mandatory.
func TestConformance(t *testing.T) {
	base := os.Getenv("OPNAME_TEST_BLOB_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
		}
		t.Skip("OPNAME_TEST_BLOB_URL is not set")
	}
	n := 0
	blobtest.Run(t, func(t *testing.T) opname.BlobStore {
		n++
		s, err := s3blob.Open(context.Background(), fmt.Sprintf("%s/%d-%d", base, time.Now().UnixNano(), n))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenRejectsBadURL(t *testing.T) {
	for _, u := range []string{"http://bucket/x", "s3:///x", "bucket"} {
		if _, err := s3blob.Open(context.Background(), u); opname.KindOf(err) != opname.Invalid {
			t.Errorf("Open(%q) = %v, want Invalid", u, err)
		}
	}
}

// TestStaging stages uploads under way on a real S3 server.
func TestStaging(t *testing.T) {
	base := os.Getenv("OPNAME_TEST_BLOB_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
		}
		t.Skip("OPNAME_TEST_BLOB_URL is not set")
	}
	s, err := s3blob.Open(context.Background(), fmt.Sprintf("%s/staging-%d", base, time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	blobtest.RunStaging(t, s)
}
