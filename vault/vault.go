// Package vault takes recordings in and gives them back: it stages an
// upload, fingerprints it while the bytes arrive, checks that it is audio or
// video by its content, encrypts it for the organisation, stores the
// payload, and registers it in the database and the organisation's log. It
// talks to storage, encryption and the database only through opname's
// interfaces.
package vault

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/opname/opname"
)

// Store is what the vault needs of the database.
type Store interface {
	opname.Recordings
	opname.Log
	opname.AccessLog
}

// Vault ingests and opens recordings.
type Vault struct {
	Blobs  opname.BlobStore
	Sealer opname.Sealer
	Store  Store
	// Staging is the folder for uploads under way; plaintext exists only
	// there, and only until the upload is sealed or fails.
	Staging string
	// MaxSize bounds a recording, in bytes.
	MaxSize int64
	// Rand is the random source for blob names; nil means crypto/rand.
	Rand io.Reader
}

// Upload is one recording arriving.
type Upload struct {
	ClientID string
	Source   string
	// SHA256, when given, is what the sender says the file's hash is; a
	// mismatch is refused.
	SHA256 string
	Body   io.Reader
}

// Ingest stores an upload and returns its recording. Bad input (empty, too
// large, not audio or video, a hash mismatch) is Invalid, and nothing of it
// is left behind.
func (v *Vault) Ingest(ctx context.Context, up Upload) (*opname.Recording, error) {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, &opname.Error{Kind: opname.Unauthorized, Msg: "sign in first"}
	}
	// Check before taking the bytes in that the caller may add to this
	// client: a client they may not see is NotFound.
	if _, err := v.Store.ClientRecordings(ctx, up.ClientID); err != nil {
		return nil, err
	}
	plain, err := os.CreateTemp(v.Staging, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("vault: stage: %w", err)
	}
	defer func() {
		plain.Close()
		os.Remove(plain.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(plain, h), io.LimitReader(up.Body, v.MaxSize+1))
	switch {
	case err != nil:
		return nil, &opname.Error{Kind: opname.Invalid, Msg: "the upload broke off before it was complete; send it again", Err: err}
	case n == 0:
		return nil, &opname.Error{Kind: opname.Invalid, Msg: "the file is empty"}
	case n > v.MaxSize:
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("the file is larger than %d bytes", v.MaxSize)}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want := strings.ToLower(strings.TrimSpace(up.SHA256)); want != "" && want != sum {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("sha256: the file's hash is %s, not the declared %s", sum, want)}
	}
	head := make([]byte, 3072)
	k, _ := plain.ReadAt(head, 0)
	mt := mimetype.Detect(head[:k])
	media := mt.String()
	if !strings.HasPrefix(media, "audio/") && !strings.HasPrefix(media, "video/") {
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("the file is not audio or video but %s", media)}
	}

	sealed, err := os.CreateTemp(v.Staging, "sealed-*")
	if err != nil {
		return nil, fmt.Errorf("vault: stage: %w", err)
	}
	defer func() {
		sealed.Close()
		os.Remove(sealed.Name())
	}()
	w, err := v.Sealer.Encrypt(ctx, a.OrgID, sealed)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if _, err := io.Copy(w, io.NewSectionReader(plain, 0, n)); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	st, err := sealed.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	start := make([]byte, min(st.Size(), 8192))
	if _, err := sealed.ReadAt(start, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	hl, err := v.Sealer.HeaderLength(start)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	rec := &opname.Recording{ClientID: up.ClientID, Source: up.Source, MediaType: media, SHA256: sum, Size: n}
	key := fmt.Sprintf("%s/%s", a.OrgID, v.blobName(sum))
	payload := io.NewSectionReader(sealed, int64(hl), st.Size()-int64(hl))
	if _, err := v.Blobs.Put(ctx, key, payload); err != nil {
		return nil, err
	}
	if err := v.Store.AddRecording(ctx, rec, opname.Sealed{Header: start[:hl], BlobKey: key, PayloadSize: payload.Size()}); err != nil {
		_ = v.Blobs.Delete(context.WithoutCancel(ctx), key)
		return nil, err
	}
	return rec, nil
}

// blobName names a blob: the content hash plus random bytes, so that the
// same file uploaded twice is two blobs, each with its own file key.
func (v *Vault) blobName(sum string) string {
	r := v.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 8)
	_, _ = io.ReadFull(r, b)
	return sum[:16] + "-" + hex.EncodeToString(b)
}

// Opened is a recording ready to play.
type Opened struct {
	Recording *opname.Recording
	// Content reads the plaintext at any offset.
	Content io.ReaderAt
	Size    int64
	blob    opname.Blob
}

// Close releases the blob.
func (o *Opened) Close() error { return o.blob.Close() }

// Open opens a recording for playback or download and logs the access
// (action copy for a download, read for playback).
func (v *Vault) Open(ctx context.Context, id string, download bool) (*Opened, error) {
	rec, s, err := v.Store.Recording(ctx, id)
	if err != nil {
		return nil, err
	}
	blob, err := v.Blobs.Open(ctx, s.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("vault: recording %s: %w", id, err)
	}
	r, size, err := v.Sealer.Decrypt(ctx, rec.OrgID, s.Header, blob, s.PayloadSize)
	if err != nil {
		blob.Close()
		return nil, fmt.Errorf("vault: recording %s: %w", id, err)
	}
	action, purpose := opname.AccessRead, "playback"
	if download {
		action, purpose = opname.AccessCopy, "download"
	}
	if err := v.Store.Record(ctx, opname.AccessEvent{Action: action, ClientID: rec.ClientID, ObjectType: "recording", ObjectID: rec.ID, Purpose: purpose}); err != nil {
		blob.Close()
		return nil, err
	}
	return &Opened{Recording: rec, Content: r, Size: size, blob: blob}, nil
}

// Finding is a recording that failed the fixity audit.
type Finding struct {
	Recording opname.Recording
	Problem   string
}

// Fixity re-reads every stored recording, decrypts it and checks it against
// its SHA-256 and size. It returns how many it checked and what failed; the
// error is for the audit itself failing.
func (v *Vault) Fixity(ctx context.Context) (int, []Finding, error) {
	recs, sealed, err := v.Store.AllRecordings(ctx)
	if err != nil {
		return 0, nil, err
	}
	var findings []Finding
	for i, rec := range recs {
		if problem := v.check(ctx, rec, sealed[i]); problem != "" {
			findings = append(findings, Finding{rec, problem})
		}
	}
	return len(recs), findings, nil
}

func (v *Vault) check(ctx context.Context, rec opname.Recording, s opname.Sealed) string {
	blob, err := v.Blobs.Open(ctx, s.BlobKey)
	if err != nil {
		return "the encrypted file cannot be read: " + opname.Message(err)
	}
	defer blob.Close()
	if blob.Size() != s.PayloadSize {
		return fmt.Sprintf("the encrypted file has %d bytes, %d were stored", blob.Size(), s.PayloadSize)
	}
	r, size, err := v.Sealer.Decrypt(ctx, rec.OrgID, s.Header, blob, s.PayloadSize)
	if err != nil {
		return "it does not decrypt: it is damaged, or its key is gone"
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "it does not decrypt: a byte was changed"
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != rec.SHA256 || size != rec.Size {
		return fmt.Sprintf("its SHA-256 is %s, %s was registered", got, rec.SHA256)
	}
	return ""
}
