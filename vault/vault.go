// Package vault takes recordings in and gives them back: it stages an
// upload, fingerprints it while the bytes arrive, checks that it is audio or
// video by its content, encrypts it for the organisation, stores the
// payload, and registers it in the database and the organisation's log. It
// talks to storage, encryption and the database only through opname's
// interfaces.
package vault

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/opname/opname"
)

// Store is what the vault needs of the database.
type Store interface {
	opname.Recordings
	opname.Log
	opname.AccessLog
	// Client returns a client the caller may see, or NotFound.
	Client(ctx context.Context, id string) (*opname.Client, error)
	// SetMedia stores what probing found in a recording (system only).
	SetMedia(ctx context.Context, id string, m *opname.MediaInfo) error
	// Destroy destroys what is due under retention (see
	// opname.RetentionStore).
	Destroy(ctx context.Context, refs []opname.DueRef) ([]opname.Destruction, []opname.Sealed, error)
}

// Vault ingests and opens recordings.
type Vault struct {
	Blobs  opname.BlobStore
	Sealer opname.Sealer
	Store  Store
	// Probe, when set, reads a recording's format, duration and codecs
	// (package ffprobe), after the upload is answered.
	Probe  Prober
	probes probing
	// MaxSize bounds a recording, in bytes.
	MaxSize int64
	// MaxTranscript bounds a transcript, in bytes; zero means
	// DefaultMaxTranscript.
	MaxTranscript int64
	// Rand is the random source for blob names; nil means crypto/rand.
	Rand io.Reader
}

// Prober reads what kind of media a stream holds. It is given the
// plaintext of a stored recording and may stop reading once it has its
// answer; it never holds on to the bytes.
type Prober interface {
	Probe(ctx context.Context, r io.Reader) (*opname.MediaInfo, error)
}

// Upload is one recording arriving.
type Upload struct {
	ClientID string
	Source   string
	// SHA256, when given, is what the sender says the file's hash is; a
	// mismatch is refused.
	SHA256 string
	// Arrived, when given, is the SHA-256 computed while the bytes arrived
	// (a resumable upload); the bytes read from Body must match it.
	Arrived string
	Body    io.Reader
	// DerivedFrom names the original recording when this is an edited
	// version; Edit is then required.
	DerivedFrom string
	Edit        *opname.EditStatement
	// AgreementsDigest is the SHA-256 of the agreements that applied.
	AgreementsDigest string
	// RequestID and ConversationID link the recording to the request of
	// the conversation workflow it was made for (checked by the caller).
	RequestID, ConversationID string
	// Kind is opname.KindMedia (also when empty) or opname.KindTranscript:
	// a transcript of recording DerivedFrom, checked by its content (text,
	// PDF or WebVTT) instead of probed as media.
	Kind string
}

// Ingest stores an upload and returns its recording. The bytes pass once:
// they are hashed, checked for being audio or video and encrypted as they
// arrive, and the encrypted payload streams into blob storage. What media
// it holds is probed after the answer (see probeLater).
// Plaintext is never written to disk here. Bad input (empty, too large, not
// audio or video, a hash mismatch, a broken-off body) is Invalid, and
// nothing of it is left behind.
func (v *Vault) Ingest(ctx context.Context, up Upload) (*opname.Recording, error) {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	if err := v.CheckUpload(ctx, up); err != nil {
		return nil, err
	}
	s, err := v.seal(ctx, a.OrgID, up)
	if err != nil {
		return nil, err
	}
	rec := &opname.Recording{ClientID: up.ClientID, Kind: cmp.Or(up.Kind, opname.KindMedia), Source: up.Source, MediaType: s.media, SHA256: s.sum, Size: s.size, DerivedFrom: up.DerivedFrom, Edit: up.Edit, AgreementsDigest: strings.ToLower(strings.TrimSpace(up.AgreementsDigest)), RequestID: up.RequestID, ConversationID: up.ConversationID}
	if s.Header, err = v.refresh(ctx, a.OrgID, s.Header); err != nil {
		_ = v.Blobs.Delete(context.WithoutCancel(ctx), s.BlobKey)
		return nil, err
	}
	if err := v.Store.AddRecording(ctx, rec, s.Sealed); err != nil {
		_ = v.Blobs.Delete(context.WithoutCancel(ctx), s.BlobKey)
		return nil, err
	}
	if up.Kind != opname.KindTranscript {
		v.probeLater(ctx, rec, s.Sealed)
	}
	return rec, nil
}

// Register registers a recording that was sealed into blob storage as it
// arrived (a resumable upload, package tusd): sum and size are what the
// parts' hashing counted, media what the first bytes were sniffed as. It
// checks what Ingest checks. The blob stays the caller's until Register
// succeeds.
func (v *Vault) Register(ctx context.Context, up Upload, s opname.Sealed, sum string, size int64, media string) (*opname.Recording, error) {
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	if err := v.CheckUpload(ctx, up); err != nil {
		return nil, err
	}
	switch want := strings.ToLower(strings.TrimSpace(up.SHA256)); {
	case size == 0:
		return nil, opname.Coded(opname.Invalid, "upload.empty", "the file is empty")
	case size > v.MaxSize:
		return nil, opname.Coded(opname.Invalid, "upload.too_large", "the file is larger than the limit of %d bytes", v.MaxSize)
	case media == "":
		return nil, opname.Coded(opname.Invalid, "upload.not_media", "the file is not audio or video but %s", "application/octet-stream")
	case want != "" && want != sum:
		return nil, opname.Coded(opname.Invalid, "upload.hash_mismatch", "sha256: the file's hash is %s, not the declared %s", sum, want)
	}
	rec := &opname.Recording{ClientID: up.ClientID, Kind: opname.KindMedia, Source: up.Source, MediaType: media, SHA256: sum, Size: size, DerivedFrom: up.DerivedFrom, Edit: up.Edit, AgreementsDigest: strings.ToLower(strings.TrimSpace(up.AgreementsDigest)), RequestID: up.RequestID, ConversationID: up.ConversationID}
	var err error
	if s.Header, err = v.refresh(ctx, a.OrgID, s.Header); err != nil {
		return nil, err
	}
	if err := v.Store.AddRecording(ctx, rec, s); err != nil {
		return nil, err
	}
	v.probeLater(ctx, rec, s)
	return rec, nil
}

// NewBlobKey names the blob of a new recording of the organisation.
func (v *Vault) NewBlobKey(orgID string) string { return fmt.Sprintf("%s/%s", orgID, v.blobName()) }

// CheckUpload checks what can be checked before any byte arrives: that the
// caller may add a recording to the client, and that an edit names an
// original of the same client and says what was changed, why and who was
// told. A client or original the caller may not see is NotFound.
func (v *Vault) CheckUpload(ctx context.Context, up Upload) error {
	if up.Kind == opname.KindTranscript {
		return v.checkTranscript(ctx, up)
	}
	if up.Kind != "" && up.Kind != opname.KindMedia {
		return opname.Coded(opname.Invalid, "upload.kind", "kind: %q is not known; use media or transcript", up.Kind)
	}
	// The caller may add to the client when it may see the client: one
	// row, however many recordings the client has. Reading to check is
	// part of the upload, which is logged as a create.
	if _, err := v.Store.Client(opname.ForAct(ctx), up.ClientID); err != nil {
		return err
	}
	if !slices.Contains(opname.RecordingSources, up.Source) {
		return opname.Invalidf("source", "upload.source", "%q is not known; use client_copy or organisation", up.Source)
	}
	if d := strings.TrimSpace(up.SHA256); d != "" && !isSHA256(strings.ToLower(d)) {
		return opname.Invalidf("sha256", "upload.sha256", "%q is not a SHA-256 in hexadecimal (64 characters 0-9, a-f)", d)
	}
	if d := strings.TrimSpace(up.AgreementsDigest); d != "" && !isSHA256(strings.ToLower(d)) {
		return opname.Invalidf("agreements_digest", "upload.sha256", "%q is not a SHA-256 in hexadecimal (64 characters 0-9, a-f)", d)
	}
	if up.DerivedFrom == "" {
		if up.Edit != nil {
			return opname.Invalidf("derived_from", "edit.original", "an edit statement needs the original recording it was made from")
		}
		return nil
	}
	orig, _, err := v.Store.Recording(opname.ForAct(ctx), up.DerivedFrom)
	if err != nil {
		return err
	}
	if orig.ClientID != up.ClientID {
		return opname.Invalidf("derived_from", "edit.other_client", "recording %s belongs to another client", up.DerivedFrom)
	}
	e := up.Edit
	switch {
	case e == nil || strings.TrimSpace(e.Changed) == "":
		return opname.Invalidf("what_changed", "edit.changed", "say what was cut or changed in the edited version")
	case strings.TrimSpace(e.Reason) == "":
		return opname.Invalidf("reason", "edit.reason", "say why the recording was edited")
	case strings.TrimSpace(e.Told) == "":
		return opname.Invalidf("who_was_told", "edit.told", "say who was told about the edit (rule 5: no editing unless made known)")
	}
	return cmp.Or(opname.Paragraphs.Check("what_changed", e.Changed), opname.Paragraphs.Check("reason", e.Reason), opname.Paragraphs.Check("who_was_told", e.Told))
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// refresher is a Sealer that wraps a header again under the
// organisation's newest key when an older one wrapped it (agecrypt.Sealer).
type refresher interface {
	Refresh(ctx context.Context, orgID string, header []byte) ([]byte, error)
}

// refresh wraps a header under the organisation's newest key just before
// its recording is registered: a recording sealed while the key was being
// rotated does not stay under the key the rotation destroys.
func (v *Vault) refresh(ctx context.Context, orgID string, header []byte) ([]byte, error) {
	r, ok := v.Sealer.(refresher)
	if !ok {
		return header, nil
	}
	h, err := r.Refresh(ctx, orgID, header)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return h, nil
}

// sealed is an upload encrypted into blob storage, not yet registered.
type sealed struct {
	opname.Sealed
	sum   string
	size  int64
	media string
}

// SniffLen is how much of the start of a file decides its media type.
const SniffLen = 3072

// Sniff returns the media type of a file from its first SniffLen bytes,
// by content, never by name. Anything but audio or video is Invalid.
func Sniff(head []byte) (string, error) {
	media := mimetype.Detect(head).String()
	if i := strings.IndexByte(media, ';'); i >= 0 {
		media = media[:i]
	}
	if !strings.HasPrefix(media, "audio/") && !strings.HasPrefix(media, "video/") {
		return "", opname.Coded(opname.Invalid, "upload.not_media", "the file is not audio or video but %s", media)
	}
	return media, nil
}

// seal hashes, checks, probes and encrypts the upload's body in one pass
// and streams the payload into blob storage. When it fails, no blob is
// left.
func (v *Vault) seal(ctx context.Context, orgID string, up Upload) (_ *sealed, err error) {
	transcript := up.Kind == opname.KindTranscript
	limit := v.MaxSize
	if transcript {
		limit = v.maxTranscript()
	}
	body := bufio.NewReaderSize(io.LimitReader(up.Body, limit+1), 256<<10)
	head, herr := body.Peek(SniffLen)
	switch {
	case herr != nil && !errors.Is(herr, io.EOF):
		// Cut short before even its first bytes were in: nothing more
		// will come, so there is nothing to sniff, encrypt or store.
		return nil, brokenOff(herr)
	case len(head) == 0:
		return nil, opname.Coded(opname.Invalid, "upload.empty", "the file is empty")
	}
	var media string
	var text *textCheck
	if transcript {
		media, err = SniffTranscript(head)
		if media == "text/plain" || media == "text/vtt" {
			text = &textCheck{}
		}
	} else {
		media, err = Sniff(head)
	}
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%s", orgID, v.blobName())
	if rs, ok := v.Sealer.(readerSealer); ok && text == nil {
		return v.sealReader(ctx, rs, orgID, key, up, body, limit, media)
	}

	// The payload streams into the blob store as it is encrypted; closing
	// the pipe with an error makes Put fail and leave nothing.
	pr, pw := io.Pipe()
	put := make(chan error, 1)
	go func() {
		_, err := v.Blobs.Put(ctx, key, pr)
		pr.CloseWithError(err)
		put <- err
	}()
	defer func() {
		if err != nil {
			pw.CloseWithError(err)
			<-put
		}
	}()
	split := &headerSplitter{sealer: v.Sealer, payload: pw}
	enc, err := v.Sealer.Encrypt(ctx, orgID, split)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	h := sha256.New()
	dst := []io.Writer{h, enc}
	if text != nil {
		dst = append(dst, text)
	}
	n, err := io.Copy(io.MultiWriter(dst...), body)
	switch {
	case err != nil && split.err != nil:
		return nil, fmt.Errorf("vault: store: %w", split.err)
	case err != nil && text != nil && text.err != nil:
		return nil, text.err
	case err != nil:
		return nil, brokenOff(err)
	case n > limit && transcript:
		return nil, opname.Invalidf("file", "transcript.too_large", "the transcript is larger than the limit of %d bytes", limit)
	case n > limit:
		return nil, opname.Coded(opname.Invalid, "upload.too_large", "the file is larger than the limit of %d bytes", v.MaxSize)
	}
	if text != nil {
		if err := text.finish(); err != nil {
			return nil, err
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want := strings.ToLower(strings.TrimSpace(up.SHA256)); want != "" && want != sum {
		return nil, opname.Coded(opname.Invalid, "upload.hash_mismatch", "sha256: the file's hash is %s, not the declared %s", sum, want)
	}
	if up.Arrived != "" && up.Arrived != sum {
		return nil, opname.Coded(opname.Invalid, "upload.damaged", "the upload was damaged while it waited to be stored; send it again")
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if split.err != nil {
		return nil, fmt.Errorf("vault: store: %w", split.err)
	}
	if split.header == nil {
		return nil, errors.New("vault: encrypt: no header was written")
	}
	pw.Close()
	if err := <-put; err != nil {
		return nil, err
	}
	return &sealed{
		Sealed: opname.Sealed{Header: split.header, BlobKey: key, PayloadSize: split.n},
		sum:    sum, size: n, media: media,
	}, nil
}

// readerSealer is a Sealer that gives the encrypted payload as a reader
// and hashes the plaintext alongside (agecrypt.Sealer): the blob store
// reads it directly, without a pipe, and the hash takes no time of its own
// on a second core.
type readerSealer interface {
	EncryptReader(ctx context.Context, orgID string, src io.Reader, h hash.Hash) (header []byte, payload io.ReadCloser, err error)
}

// sealReader is seal with a readerSealer.
func (v *Vault) sealReader(ctx context.Context, rs readerSealer, orgID, key string, up Upload, body io.Reader, limit int64, media string) (*sealed, error) {
	src := &bounded{r: body, limit: limit}
	h := sha256.New()
	header, payload, err := rs.EncryptReader(ctx, orgID, src, h)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	size, err := v.Blobs.Put(ctx, key, payload)
	payload.Close()
	if err == nil && (src.tooLarge || src.err != nil) {
		// The source failed, yet what was read got stored: it goes.
		_ = v.Blobs.Delete(context.WithoutCancel(ctx), key)
	}
	switch {
	case src.tooLarge:
		return nil, opname.Coded(opname.Invalid, "upload.too_large", "the file is larger than the limit of %d bytes", v.MaxSize)
	case src.err != nil:
		return nil, brokenOff(src.err)
	case err != nil:
		return nil, fmt.Errorf("vault: store: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	var bad error
	if want := strings.ToLower(strings.TrimSpace(up.SHA256)); want != "" && want != sum {
		bad = opname.Coded(opname.Invalid, "upload.hash_mismatch", "sha256: the file's hash is %s, not the declared %s", sum, want)
	} else if up.Arrived != "" && up.Arrived != sum {
		bad = opname.Coded(opname.Invalid, "upload.damaged", "the upload was damaged while it waited to be stored; send it again")
	}
	if bad != nil {
		_ = v.Blobs.Delete(context.WithoutCancel(ctx), key)
		return nil, bad
	}
	return &sealed{
		Sealed: opname.Sealed{Header: header, BlobKey: key, PayloadSize: size},
		sum:    sum, size: src.n, media: media,
	}, nil
}

// bounded reads up to limit bytes and fails past them; it keeps its
// reader's error apart.
type bounded struct {
	r        io.Reader
	limit, n int64
	tooLarge bool
	err      error
}

var errTooLarge = errors.New("too large")

func (b *bounded) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		b.tooLarge = true
		return n, errTooLarge
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func brokenOff(err error) error {
	return &opname.Error{Kind: opname.Invalid, Code: "upload.broken_off", Msg: "the upload broke off before it was complete; send it again", Err: err}
}

// headerSplitter keeps the start of an encrypted stream until the header
// is complete, then passes everything after it on to the payload.
type headerSplitter struct {
	sealer  opname.Sealer
	payload io.Writer
	start   []byte
	header  []byte
	n       int64 // payload bytes written
	err     error // the payload's first write error
}

func (s *headerSplitter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.header == nil {
		s.start = append(s.start, p...)
		hl, err := s.sealer.HeaderLength(s.start)
		if err != nil {
			if len(s.start) > 64<<10 {
				s.err = errors.New("the encrypted header is too long")
				return 0, s.err
			}
			return len(p), nil
		}
		s.header = s.start[:hl:hl]
		rest := s.start[hl:]
		s.start = nil
		if err := s.write(rest); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if err := s.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *headerSplitter) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	n, err := s.payload.Write(p)
	s.n += int64(n)
	if err != nil {
		s.err = err
	}
	return err
}

// Probing happens after the upload is answered, never on its way: a
// process start and a second reader of the stream cost every upload time
// (up to a second on a busy machine), and a resumable upload has no
// plaintext pass to probe from at all. A recording is probed from its
// stored bytes, one at a time per server, within probeTimeout, and what was
// found is stored when done; until then (or when probing fails or the
// server stops first) the recording has no media details, as it has
// without ffprobe.
type probing struct {
	once sync.Once
	sem  chan struct{}
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
}

const probeTimeout = 10 * time.Minute

func (p *probing) init() {
	p.once.Do(func() {
		p.sem = make(chan struct{}, 1)
		p.ctx, p.stop = context.WithCancel(context.Background())
	})
}

// probeLater probes a stored recording in the background.
func (v *Vault) probeLater(ctx context.Context, rec *opname.Recording, s opname.Sealed) {
	if v.Probe == nil {
		return
	}
	p := &v.probes
	p.init()
	sys := opname.System("probe")
	sys.OrgID = rec.OrgID
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		defer func() { <-p.sem }()
		ctx, cancel := context.WithTimeout(opname.WithActor(p.ctx, sys), probeTimeout)
		defer cancel()
		o, err := v.decrypt(ctx, rec, &s)
		if err != nil {
			return
		}
		defer o.Close()
		info, err := v.Probe.Probe(ctx, io.NewSectionReader(o.Content, 0, o.Size))
		if err == nil && info != nil {
			_ = v.Store.SetMedia(ctx, rec.ID, info)
		}
	}()
}

// WaitProbes waits for the probes under way; with stop set they are
// stopped first.
func (v *Vault) WaitProbes(stop bool) {
	p := &v.probes
	p.init()
	if stop {
		p.stop()
	}
	p.wg.Wait()
}

// blobName names a blob with random bytes: nothing about the content shows
// in storage, and the same file uploaded twice is two blobs, each with its
// own file key.
func (v *Vault) blobName() string {
	r := v.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 16)
	_, _ = io.ReadFull(r, b)
	return hex.EncodeToString(b)
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
	rec, s, err := v.Store.Recording(opname.ForAct(ctx), id)
	if err != nil {
		return nil, err
	}
	return v.open(ctx, rec, s, download)
}

// OpenForAct opens a recording (or a transcript) for an act that its caller logs as that
// act (an export in an evidence bundle, say): it logs nothing itself. The
// caller MUST record the act before it hands out a byte.
func (v *Vault) OpenForAct(ctx context.Context, id string) (*Opened, error) {
	rec, s, err := v.Store.Recording(opname.ForAct(ctx), id)
	if opname.KindOf(err) == opname.NotFound {
		// Or a transcript: sealed the same way.
		rec, s, err = v.Store.Transcript(opname.ForAct(ctx), id)
	}
	if err != nil {
		return nil, err
	}
	return v.decrypt(ctx, rec, s)
}

// open decrypts rec for reading and logs the access, as a recording's or
// a transcript's.
func (v *Vault) open(ctx context.Context, rec *opname.Recording, s *opname.Sealed, download bool) (*Opened, error) {
	o, err := v.decrypt(ctx, rec, s)
	if err != nil {
		return nil, err
	}
	action, purpose := opname.AccessRead, "playback"
	if download {
		action, purpose = opname.AccessCopy, "download"
	}
	object := "recording"
	if rec.Kind == opname.KindTranscript {
		object = "transcript"
	}
	if err := v.Store.Record(ctx, opname.AccessEvent{Action: action, ClientID: rec.ClientID, ObjectType: object, ObjectID: rec.ID, Purpose: purpose}); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// decrypt opens rec's plaintext for reading, logging nothing.
func (v *Vault) decrypt(ctx context.Context, rec *opname.Recording, s *opname.Sealed) (*Opened, error) {
	id := rec.ID
	if rec.ErasedAt != nil {
		return nil, erased(rec)
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
	return &Opened{Recording: rec, Content: r, Size: size, blob: blob}, nil
}

func erased(rec *opname.Recording) error {
	return opname.Coded(opname.Conflict, "recording.erased_on", "recording %s was erased on %s; it can no longer be played or copied", rec.ID, rec.ErasedAt.Format("2006-01-02"))
}

// Erase makes a recording unreadable for good: its wrapped file key is
// deleted (so every copy of the encrypted bytes, backups included, is
// noise) and the erasure is logged. The encrypted bytes are removed too,
// but the erasure does not depend on that.
func (v *Vault) Erase(ctx context.Context, id, reason string) (*opname.Recording, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, opname.Invalidf("reason", "erase.reason", "say why the recording is erased")
	}
	if err := opname.Paragraphs.Check("reason", reason); err != nil {
		return nil, err
	}
	rec, s, err := v.Store.EraseRecording(ctx, id, reason)
	if err != nil {
		return nil, err
	}
	v.dropBlob(ctx, *s)
	return rec, nil
}

// dropBlob removes an erased recording's encrypted bytes; its key is gone
// already, so a failure leaves only noise behind.
func (v *Vault) dropBlob(ctx context.Context, s opname.Sealed) {
	_ = v.Blobs.Delete(context.WithoutCancel(ctx), s.BlobKey)
}

// Destroy destroys the named items that are due under retention (the
// privacy officer's confirmation, or the system's automatic destruction):
// recordings are erased as by hand, through the same store path, and
// their encrypted bytes removed.
func (v *Vault) Destroy(ctx context.Context, refs []opname.DueRef) ([]opname.Destruction, error) {
	done, sealed, err := v.Store.Destroy(ctx, refs)
	for _, s := range sealed {
		v.dropBlob(ctx, s)
	}
	return done, err
}

// Finding is a recording that failed the fixity audit.
type Finding struct {
	Recording opname.Recording
	Problem   string
}

// Fixity re-reads stored recordings, decrypts them and checks them against
// their SHA-256 and size, and stores each outcome, which the privacy
// officer sees. It checks those last checked before checkedBefore (the
// zero time: every recording). It returns how many it checked and what
// failed; the error is for the audit itself failing.
func (v *Vault) Fixity(ctx context.Context, checkedBefore time.Time) (int, []Finding, error) {
	recs, sealed, err := v.Store.AllRecordings(ctx, checkedBefore, 0)
	if err != nil {
		return 0, nil, err
	}
	var findings []Finding
	for i, rec := range recs {
		if err := ctx.Err(); err != nil {
			return i, findings, err
		}
		problem := v.check(ctx, rec, sealed[i])
		if problem != "" {
			problem = v.recheck(ctx, rec, sealed[i], problem)
		}
		if problem != "" {
			findings = append(findings, Finding{rec, problem})
		}
		sys := opname.System("fixity")
		sys.OrgID = rec.OrgID
		octx := opname.WithActor(ctx, sys)
		if err := v.Store.SetFixity(octx, rec.ID, opname.FixityCheck{CheckedAt: time.Now(), Problem: problem}); err != nil {
			return i, findings, err
		}
	}
	return len(recs), findings, nil
}

// headerReader reads a recording's header as it is now (sqldb).
type headerReader interface {
	Header(ctx context.Context, orgID, id string) ([]byte, error)
}

// recheck checks a recording again with its header as it is now, when
// that changed since the audit listed it: a key rotation re-wraps headers
// and then destroys the key the listed one needs, which is no problem of
// the recording's.
func (v *Vault) recheck(ctx context.Context, rec opname.Recording, s opname.Sealed, problem string) string {
	hr, ok := v.Store.(headerReader)
	if !ok {
		return problem
	}
	h, err := hr.Header(ctx, rec.OrgID, rec.ID)
	if err != nil || len(h) == 0 || bytes.Equal(h, s.Header) {
		return problem
	}
	s.Header = h
	return v.check(ctx, rec, s)
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
