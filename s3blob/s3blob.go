// Package s3blob keeps blobs in S3-compatible object storage, named by a
// URL s3://BUCKET/PREFIX and the usual AWS_* settings (AWS_ENDPOINT_URL for
// a store other than AWS, AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY). An object is complete or absent: a single PUT or
// a multipart upload that is aborted when it fails.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strconv"
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

// Stat returns a blob's size and ETag, which a backup lists in place of
// the bytes; an unknown key is NotFound.
func (s *Store) Stat(ctx context.Context, key string) (int64, string, error) {
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if notFound(err) {
		return 0, "", &opname.Error{Kind: opname.NotFound, Msg: fmt.Sprintf("blob %s not found", key)}
	}
	if err != nil {
		return 0, "", fmt.Errorf("s3blob: stat %s: %w", key, err)
	}
	return aws.ToInt64(head.ContentLength), strings.Trim(aws.ToString(head.ETag), `"`), nil
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

// Uploads under way stage their ciphertext as segment objects under
// ".staging/ID/", each named by the offset it starts at (a name no blob
// key can have). A part that arrives becomes a new segment, or is joined to
// the last one while that is smaller than S3's smallest multipart part
// (5 MiB), by writing it again with the part at its end: at most 5 MiB is
// read back for that. Commit makes the segments, server-side, the parts of
// a multipart upload to the blob's key (UploadPartCopy), with the last
// chunk as the last part: the recording is not read again.

// minPart is S3's smallest part but the last; maxCopy the most one part
// copy may take.
const (
	minPart = 5 << 20
	maxCopy = 4 << 30
)

type segment struct {
	key        string
	start, end int64
}

func (s *Store) stagingPrefix(id string) (string, error) {
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "", &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("staging id %q is not valid", id)}
		}
	}
	if id == "" {
		return "", &opname.Error{Kind: opname.Invalid, Msg: "staging id is empty"}
	}
	return s.key(".staging/"+id) + "/", nil
}

// segments lists staged object id's segments that start before off, in
// order, deleting those that start at or after it (left by writes that
// were never answered). It checks that they cover the bytes before off.
func (s *Store) segments(ctx context.Context, id string, off int64) ([]segment, error) {
	keep, left, err := s.listSegments(ctx, id, off)
	if err == nil {
		err = s.deleteSegments(ctx, left)
	}
	return keep, err
}

func (s *Store) deleteSegments(ctx context.Context, segs []segment) error {
	for _, sg := range segs {
		if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &sg.key}); err != nil {
			return fmt.Errorf("s3blob: staging: %w", err)
		}
	}
	return nil
}

// listSegments is segments without deleting: it returns the segments that
// start at or after off apart.
func (s *Store) listSegments(ctx context.Context, id string, off int64) (keep, left []segment, err error) {
	prefix, err := s.stagingPrefix(id)
	if err != nil {
		return nil, nil, err
	}
	var segs []segment
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("s3blob: staging %s: %w", id, err)
		}
		for _, o := range page.Contents {
			start, err := strconv.ParseInt(strings.TrimPrefix(aws.ToString(o.Key), prefix), 10, 64)
			if err != nil {
				continue
			}
			segs = append(segs, segment{key: aws.ToString(o.Key), start: start, end: start + aws.ToInt64(o.Size)})
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].start < segs[j].start })
	for _, sg := range segs {
		if sg.start >= off {
			left = append(left, sg)
		} else {
			keep = append(keep, sg)
		}
	}
	var at int64
	for _, sg := range keep {
		if sg.start != at {
			return nil, nil, fmt.Errorf("s3blob: staging %s: bytes %d to %d are missing", id, at, sg.start)
		}
		at = sg.end
	}
	if at < off {
		return nil, nil, fmt.Errorf("s3blob: staging %s: %d bytes staged, %d expected", id, at, off)
	}
	return keep, left, nil
}

// leftover reads what unanswered writes left after off: the end of the
// last kept segment, then the left segments, as far as they run on. The
// function it returns closes what was opened.
func (s *Store) leftover(ctx context.Context, keep, left []segment, off int64) (io.Reader, func()) {
	var bodies []io.ReadCloser
	closeAll := func() {
		for _, b := range bodies {
			b.Close()
		}
	}
	at := off
	read := func(sg segment, from int64) bool {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &sg.key, Range: aws.String(fmt.Sprintf("bytes=%d-", from))})
		if err != nil {
			return false
		}
		bodies = append(bodies, out.Body)
		at = sg.end
		return true
	}
	if n := len(keep); n > 0 && keep[n-1].end > off {
		read(keep[n-1], off-keep[n-1].start)
	}
	if len(bodies) > 0 || len(keep) == 0 || keep[len(keep)-1].end <= off {
		for _, sg := range left {
			if sg.start != at || !read(sg, 0) {
				break
			}
		}
	}
	if len(bodies) == 0 {
		return nil, closeAll
	}
	readers := make([]io.Reader, len(bodies))
	for i, b := range bodies {
		readers[i] = b
	}
	return io.MultiReader(readers...), closeAll
}

// head reads the first n bytes of an object.
func (s *Store) head(ctx context.Context, key string, n int64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key, Range: aws.String(fmt.Sprintf("bytes=0-%d", n-1))})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(out.Body, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Append stages r at off: as a new segment, or joined to a last segment
// that is too small to be a part or holds bytes after off.
func (s *Store) Append(ctx context.Context, id string, off int64, r io.Reader) (_ int64, err error) {
	segs, left, err := s.listSegments(ctx, id, off)
	if err != nil {
		return 0, err
	}
	// What an unanswered write left after off must be written again
	// unchanged (opname.SameAs). What it left after this part's bytes is
	// written again after them, into this part's segment: it is
	// ciphertext under chunk counters that the next part uses again,
	// which must then give the same bytes. Dropped, other bytes could be
	// sealed under those counters unseen.
	old, closeOld := s.leftover(ctx, segs, left, off)
	defer closeOld()
	part := &countingReader{r: opname.SameAs(r, old)}
	var rest io.Reader = bytes.NewReader(nil)
	if old != nil {
		rest = old
	}
	defer func() {
		if err != nil {
			return
		}
		for _, sg := range left {
			if sg.start != off {
				_, _ = s.client.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &sg.key})
			}
		}
	}()
	start, body := off, io.MultiReader(part, rest)
	if n := len(segs); n > 0 && (segs[n-1].end-segs[n-1].start < minPart || segs[n-1].end > off) {
		last := segs[n-1]
		head, err := s.head(ctx, last.key, min(last.end, off)-last.start)
		if err != nil {
			return 0, fmt.Errorf("s3blob: append %s: %w", id, err)
		}
		start, body = last.start, io.MultiReader(bytes.NewReader(head), part, rest)
	}
	prefix, _ := s.stagingPrefix(id)
	up := transfermanager.New(s.client, func(o *transfermanager.Options) { o.PartSizeBytes = 16 << 20 })
	if _, err := up.UploadObject(ctx, &transfermanager.UploadObjectInput{Bucket: &s.bucket, Key: aws.String(prefix + strconv.FormatInt(start, 10)), Body: body}); err != nil {
		return 0, fmt.Errorf("s3blob: append %s: %w", id, err)
	}
	return part.n, nil
}

// Commit makes the segments before off, and tail after them, blob key.
func (s *Store) Commit(ctx context.Context, id string, off int64, tail []byte, key string) (_ int64, err error) {
	size := off + int64(len(tail))
	segs, err := s.segments(ctx, id, off)
	if err != nil {
		return 0, err
	}
	if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))}); err == nil {
		return 0, &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("blob %s exists already", key)}
	} else if !notFound(err) {
		return 0, fmt.Errorf("s3blob: commit %s: %w", key, err)
	}
	// A last segment too small to be a part (or holding bytes after off)
	// goes with the tail into the last part.
	if n := len(segs); n > 0 && (segs[n-1].end-segs[n-1].start < minPart || segs[n-1].end > off) {
		last := segs[n-1]
		old, err := s.head(ctx, last.key, min(last.end, off)-last.start)
		if err != nil {
			return 0, fmt.Errorf("s3blob: commit %s: %w", id, err)
		}
		tail, segs = append(old, tail...), segs[:n-1]
	}
	mp, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if err != nil {
		return 0, fmt.Errorf("s3blob: commit %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_, _ = s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: mp.Key, UploadId: mp.UploadId})
		}
	}()
	var parts []types.CompletedPart
	for _, sg := range segs {
		// A segment larger than one copy may take is copied in equal
		// ranges, each larger than the smallest part.
		size := sg.end - sg.start
		n := (size + maxCopy - 1) / maxCopy
		for i := range n {
			from, to := size*i/n, size*(i+1)/n
			num := int32(len(parts) + 1)
			out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: &s.bucket, Key: mp.Key, UploadId: mp.UploadId, PartNumber: &num,
				CopySource: aws.String(s.bucket + "/" + sg.key), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", from, to-1))})
			if err != nil {
				return 0, fmt.Errorf("s3blob: commit %s: copy: %w", key, err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: &num, ETag: out.CopyPartResult.ETag})
		}
	}
	num := int32(len(parts) + 1)
	out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.bucket, Key: mp.Key, UploadId: mp.UploadId, PartNumber: &num, Body: bytes.NewReader(tail), ContentLength: aws.Int64(int64(len(tail)))})
	if err != nil {
		return 0, fmt.Errorf("s3blob: commit %s: %w", key, err)
	}
	parts = append(parts, types.CompletedPart{PartNumber: &num, ETag: out.ETag})
	if _, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.bucket, Key: mp.Key, UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		return 0, fmt.Errorf("s3blob: commit %s: %w", key, err)
	}
	return size, nil
}

// Discard removes a staged object's segments: every one starts at or
// after 0.
func (s *Store) Discard(ctx context.Context, id string) error {
	_, err := s.segments(ctx, id, 0)
	return err
}
