// Package s3blob keeps blobs in S3-compatible object storage, named by a
// URL s3://BUCKET/PREFIX and the usual AWS_* settings (AWS_ENDPOINT_URL for
// a store other than AWS, AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY). An object is complete or absent: a single PUT or
// a multipart upload that is aborted when it fails.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/opname/opname"
)

// Store is a bucket (and a prefix in it) of blobs.
type Store struct {
	client *s3.Client
	bucket string
	prefix string
}

// Open returns the store a URL s3://BUCKET/PREFIX names, configured from
// the environment.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("OPNAME_BLOB_URL: use s3://BUCKET/PREFIX (got %q)", rawURL)}
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3blob: configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		// Many S3-compatible stores reject the default CRC32 checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Store{client: client, bucket: u.Host, prefix: strings.Trim(u.Path, "/")}, nil
}

func (s *Store) key(k string) string { return path.Join(s.prefix, k) }

func notFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	return errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey")
}

// Put uploads a blob; a key in use is Conflict.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))}); err == nil {
		return 0, &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("blob %s exists already", key)}
	} else if !notFound(err) {
		return 0, fmt.Errorf("s3blob: put %s: %w", key, err)
	}
	cr := &countingReader{r: r}
	up := transfermanager.New(s.client, func(o *transfermanager.Options) { o.PartSizeBytes = 16 << 20 })
	if _, err := up.UploadObject(ctx, &transfermanager.UploadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key)), Body: cr}); err != nil {
		return 0, fmt.Errorf("s3blob: put %s: %w", key, err)
	}
	return cr.n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// object reads ranges of one object.
type object struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
}

func (o *object) Size() int64  { return o.size }
func (o *object) Close() error { return nil }

func (o *object) ReadAt(p []byte, off int64) (int, error) {
	if off >= o.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), o.size) - 1
	out, err := o.s.client.GetObject(o.ctx, &s3.GetObjectInput{Bucket: &o.s.bucket, Key: aws.String(o.s.key(o.key)), Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
	if err != nil {
		return 0, fmt.Errorf("s3blob: read %s: %w", o.key, err)
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, p[:end-off+1])
	if err != nil {
		return n, fmt.Errorf("s3blob: read %s: %w", o.key, err)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Open returns a blob that reads byte ranges on demand.
func (s *Store) Open(ctx context.Context, key string) (opname.Blob, error) {
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if notFound(err) {
		return nil, &opname.Error{Kind: opname.NotFound, Msg: "blob not found"}
	}
	if err != nil {
		return nil, fmt.Errorf("s3blob: open %s: %w", key, err)
	}
	return &object{s: s, ctx: context.WithoutCancel(ctx), key: key, size: aws.ToInt64(head.ContentLength)}, nil
}

// Delete removes a blob.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))}); err != nil && !notFound(err) {
		return fmt.Errorf("s3blob: delete %s: %w", key, err)
	}
	return nil
}

// Ping checks that the bucket answers.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("s3blob: ping: %w", err)
	}
	return nil
}
