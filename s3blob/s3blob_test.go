package s3blob_test

import (
	"context"
	"fmt"
	"os"
	"strings"
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
	base := testBase(t)
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
	base := testBase(t)
	s, err := s3blob.Open(context.Background(), fmt.Sprintf("%s/staging-%d", base, time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	blobtest.RunStaging(t, s)
}

// TestStat gives the size and ETag a backup lists for a blob, an ETag that
// changes with the bytes, and NotFound for a blob that is not there.
func TestStat(t *testing.T) {
	t.Parallel()
	base := testBase(t)
	ctx := context.Background()
	s, err := s3blob.Open(ctx, fmt.Sprintf("%s/stat-%d", base, time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "org/a", strings.NewReader("eerste")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "org/b", strings.NewReader("tweede")); err != nil {
		t.Fatal(err)
	}
	size, etagA, err := s.Stat(ctx, "org/a")
	if err != nil || size != 6 || etagA == "" || strings.Contains(etagA, `"`) {
		t.Errorf("Stat(org/a) = %d, %q, %v", size, etagA, err)
	}
	if _, etagB, err := s.Stat(ctx, "org/b"); err != nil || etagB == etagA {
		t.Errorf("Stat(org/b) = %q, %v; want an ETag other than org/a's %q", etagB, err, etagA)
	}
	if _, _, err := s.Stat(ctx, "org/none"); opname.KindOf(err) != opname.NotFound {
		t.Errorf("Stat of a missing blob = %v, want NotFound", err)
	}
}

// testBase is the S3 server the tests use: OPNAME_TEST_BLOB_URL
// (s3://BUCKET/PREFIX) with AWS_* settings. Without it a test is skipped,
// or fails in CI, where S3 is mandatory.
func testBase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("OPNAME_TEST_BLOB_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPNAME_TEST_BLOB_URL is not set: CI must test S3")
		}
		t.Skip("OPNAME_TEST_BLOB_URL is not set")
	}
	return base
}
