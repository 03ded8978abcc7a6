// Package translog is the tamper-evident log of an organisation's
// recordings: an append-only Merkle tree (RFC 6962 hashing, as
// golang.org/x/mod/sumdb/tlog computes it) whose size and root hash are
// published in signed checkpoints (C2SP tlog-checkpoint text, Ed25519 signed
// notes). It does no I/O: storage supplies the tree's hashes.
//
// A receipt proves that one entry is in the log: the entry, its index, an
// inclusion proof and a signed checkpoint. Anyone with the receipt, the
// recording and the organisation's verifier key can check it offline, and
// later check that the log's newer checkpoints are consistent with the
// receipt's — that history was not rewritten. The receipt carries a
// verifier key too, but that one proves nothing by itself: whoever makes a
// receipt chooses it. Trust comes from a key obtained elsewhere (the
// organisation's published key, compared by its fingerprint).
package translog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Kinds of entry.
const (
	KindRecording = "recording" // a recording registered
	KindEdit      = "edit"      // a declared edit, derived from an original
	KindCopy      = "copy"      // a copy handed over
	KindErasure   = "erasure"   // a recording made unreadable
	// KindTranscript is a transcript of a recording (text, PDF or WebVTT):
	// DerivedFrom is the SHA-256 of the recording it transcribes.
	KindTranscript = "transcript"
	// KindAgreements is agreements recorded for a conversation: SHA256 and
	// Size are those of the agreement text, which either party can verify.
	KindAgreements = "agreements"
	// KindAccessLogAnchor is the head of the organisation's access log:
	// AccessLogSeq and AccessLogHash are its newest record's sequence number
	// and hash, so the access log cannot later be shortened unnoticed.
	KindAccessLogAnchor = "access_log_anchor"
	// KindAccessLogPruned is the access log's oldest records deleted:
	// AccessLogSeq and AccessLogHash are the anchored head the chain now
	// starts from, which must be anchored earlier in the log.
	KindAccessLogPruned = "access_log_pruned"
	// KindShare is a recording given to a recipient through a recipient
	// link: RecordingID and SHA256 are the recording's, Recipient the kind
	// of recipient (never a name), ShareID the link's id.
	KindShare = "share"
	// KindShareRevoked and KindShareExpired end a share: its link stopped
	// by a party, or past its time.
	KindShareRevoked = "share_revoked"
	KindShareExpired = "share_expired"
)

// Entry is one log record. It holds hashes, ids, kinds and times, never
// names or other personal data.
type Entry struct {
	Kind        string    `json:"kind"`
	RecordingID string    `json:"recording_id"`
	SHA256      string    `json:"sha256,omitempty"`
	Size        int64     `json:"size,omitempty"`
	Time        time.Time `json:"time"`
	Origin      string    `json:"origin"`
	// AgreementsDigest is the SHA-256 of the agreements that apply.
	AgreementsDigest string `json:"agreements_digest,omitempty"`
	// DerivedFrom is the SHA-256 of the original, for an edit, or of the
	// recording, for a transcript.
	DerivedFrom string `json:"derived_from,omitempty"`
	// Edit says what an edit changed and why, in a hash of the statement.
	EditStatement string `json:"edit_statement_sha256,omitempty"`
	// AccessLogSeq and AccessLogHash are an access log anchor's head.
	AccessLogSeq  int64  `json:"access_log_seq,omitempty"`
	AccessLogHash string `json:"access_log_hash,omitempty"`
	// Recipient and ShareID are a share's kind of recipient and link.
	Recipient string `json:"recipient,omitempty"`
	ShareID   string `json:"share_id,omitempty"`
}

// Encode returns the entry's bytes as they are hashed into the log.
func (e Entry) Encode() ([]byte, error) {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	return json.Marshal(e)
}

// Checkpoint is a log's size and root hash at one moment.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Text is the checkpoint body in C2SP tlog-checkpoint form.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint reads a checkpoint body. Size and root hash must be in
// their one canonical form, so that one checkpoint has one text.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, errors.New("checkpoint: want origin, size and root hash on three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("checkpoint: size %s is not a whole number", quoteShort(lines[1]))
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return Checkpoint{}, errors.New("checkpoint: the root hash is not 32 bytes of base64")
	}
	c := Checkpoint{Origin: lines[0], Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// NewKey makes a signing key and its verifier key for a log's origin.
func NewKey(rand io.Reader, origin string) (signer, verifier string, err error) {
	return note.GenerateKey(rand, origin)
}

// Sign signs a checkpoint with a signer key, returning the signed note.
func Sign(c Checkpoint, signerKey string) (string, error) {
	s, err := note.NewSigner(signerKey)
	if err != nil {
		return "", fmt.Errorf("translog: signer key: %w", err)
	}
	msg, err := note.Sign(&note.Note{Text: c.Text()}, s)
	if err != nil {
		return "", fmt.Errorf("translog: sign: %w", err)
	}
	return string(msg), nil
}

// OpenCheckpoint checks a signed checkpoint against a verifier key and
// returns it.
func OpenCheckpoint(signed, verifierKey string) (Checkpoint, error) {
	k, err := ParseVerifierKey(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the verifier key is not usable: %w", err)
	}
	c, _, err := openCheckpoint(signed, []VerifierKey{k})
	return c, err
}

// OpenCheckpointWith checks that a signed checkpoint is signed by one of
// the trusted keys of its log, and returns it.
func OpenCheckpointWith(signed string, trusted []VerifierKey) (Checkpoint, error) {
	body, _, _ := strings.Cut(signed, "\n")
	keys := KeysFor(trusted, body)
	if len(keys) == 0 {
		return Checkpoint{}, fmt.Errorf("no trusted key for log %s", quoteShort(body))
	}
	c, _, err := openCheckpoint(signed, keys)
	return c, err
}

// openCheckpoint checks that a checkpoint is signed by one of keys, and
// returns it with the key that signed it.
func openCheckpoint(signed string, keys []VerifierKey) (Checkpoint, VerifierKey, error) {
	n, err := note.Open([]byte(signed), verifiers(keys))
	if err != nil {
		return Checkpoint{}, VerifierKey{}, fmt.Errorf("the checkpoint's signature does not verify: %w", err)
	}
	var signer VerifierKey
	for _, k := range keys {
		if k.v.Name() == n.Sigs[0].Name && k.v.KeyHash() == n.Sigs[0].Hash {
			signer = k
			break
		}
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, VerifierKey{}, err
	}
	if c.Origin != signer.Origin {
		return Checkpoint{}, VerifierKey{}, fmt.Errorf("the checkpoint is of log %s, the key of %s", quoteShort(c.Origin), quoteShort(signer.Origin))
	}
	return c, signer, nil
}

// Receipt proves that an entry is in an organisation's log.
type Receipt struct {
	Format string `json:"format"`
	// Entry is the exact bytes hashed into the log, as a string; Record is
	// the same, parsed, for people to read.
	Entry          string   `json:"entry"`
	Record         Entry    `json:"record"`
	Index          int64    `json:"index"`
	InclusionProof []string `json:"inclusion_proof"`
	Checkpoint     string   `json:"checkpoint"`
	VerifierKey    string   `json:"verifier_key"`
}

// ReceiptFormat names this receipt format.
const ReceiptFormat = "opname-receipt/1"

// NewReceipt makes a receipt for the entry at index in a tree of the
// checkpoint's size, with hashes from r.
func NewReceipt(entry []byte, index int64, signedCheckpoint, verifierKey string, r tlog.HashReader) (*Receipt, error) {
	c, err := OpenCheckpoint(signedCheckpoint, verifierKey)
	if err != nil {
		return nil, err
	}
	proof, err := tlog.ProveRecord(c.Size, index, r)
	if err != nil {
		return nil, fmt.Errorf("translog: inclusion proof: %w", err)
	}
	var rec Entry
	if err := json.Unmarshal(entry, &rec); err != nil {
		return nil, fmt.Errorf("translog: entry: %w", err)
	}
	rc := &Receipt{Format: ReceiptFormat, Entry: string(entry), Record: rec, Index: index, Checkpoint: signedCheckpoint, VerifierKey: verifierKey}
	for _, h := range proof {
		rc.InclusionProof = append(rc.InclusionProof, base64.StdEncoding.EncodeToString(h[:]))
	}
	return rc, nil
}

// ErrUntrusted is what Verify returns when the receipt holds together
// but is not signed by a key the caller trusts: anyone can make such a
// receipt with a key of their own.
var ErrUntrusted = errors.New("the receipt is not signed by a key you trust")

// ErrOtherSigner is what Verify's error wraps when the receipt's
// checkpoint is not signed by the key trusted for its log: the receipt was
// not made by that log.
var ErrOtherSigner = errors.New("the checkpoint is not signed by the key you trust")

// MismatchError is what Verify returns when the file is not the one the
// receipt describes: its SHA-256 or its size differs.
type MismatchError struct {
	SHA256        string
	Size          int64
	ReceiptSHA256 string // as the receipt has it, quoted if it is not plain
	ReceiptSize   int64
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the file does not match the receipt: it has SHA-256 %s and %d bytes, the receipt %s and %d bytes", e.SHA256, e.Size, e.ReceiptSHA256, e.ReceiptSize)
}

// Verification is what checking a receipt found.
type Verification struct {
	Checkpoint Checkpoint
	Record     Entry
	Index      int64
	// Key signed the checkpoint: a trusted key, or the receipt's own key
	// when Verify returns ErrUntrusted.
	Key VerifierKey
}

// Verify checks a receipt against a file: the file's SHA-256 and size match
// the entry, the entry is at its index in the tree of the signed
// checkpoint, and the checkpoint is signed by a trusted key of the entry's
// log. Each failure says what did not match.
//
// The key the receipt carries is never trusted by itself. When trusted has
// no key for the entry's log, Verify checks the receipt against its own key
// and, if that holds, returns the Verification with ErrUntrusted: the file
// matches the receipt, but nothing proves who signed it.
func (rc *Receipt) Verify(file io.Reader, trusted []VerifierKey) (*Verification, error) {
	if _, err := rc.parse(); err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(h, file)
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	return rc.VerifyDigest(hex.EncodeToString(h.Sum(nil)), n, trusted)
}

// VerifyDigest is Verify for a file whose SHA-256 (in hexadecimal) and size
// are known: for more than one receipt of the same file, such as a
// recording's and those of its shares.
func (rc *Receipt) VerifyDigest(sum string, n int64, trusted []VerifierKey) (*Verification, error) {
	p, err := rc.parse()
	if err != nil {
		return nil, err
	}
	if sum != p.entry.SHA256 || n != p.entry.Size {
		return nil, &MismatchError{SHA256: sum, Size: n, ReceiptSHA256: quoteShort(p.entry.SHA256), ReceiptSize: p.entry.Size}
	}
	keys := KeysFor(trusted, p.entry.Origin)
	isTrusted := len(keys) > 0
	if !isTrusted {
		keys = []VerifierKey{p.key}
	}
	c, signer, err := openCheckpoint(rc.Checkpoint, keys)
	if err != nil {
		if isTrusted {
			return nil, fmt.Errorf("%w for log %s (%s); the receipt names key %s: %w", ErrOtherSigner, quoteShort(p.entry.Origin), fingerprints(keys), p.key.Fingerprint(), err)
		}
		return nil, err
	}
	if p.entry.Origin != c.Origin {
		return nil, fmt.Errorf("the entry belongs to log %s, the checkpoint to %s", quoteShort(p.entry.Origin), quoteShort(c.Origin))
	}
	if err := tlog.CheckRecord(p.proof, c.Size, c.Root, rc.Index, tlog.RecordHash([]byte(rc.Entry))); err != nil {
		return nil, fmt.Errorf("the inclusion proof does not prove entry %d in the log of %d entries: %w", rc.Index, c.Size, err)
	}
	v := &Verification{Checkpoint: c, Record: p.entry, Index: rc.Index, Key: signer}
	if !isTrusted {
		return v, ErrUntrusted
	}
	return v, nil
}

// CheckConsistency checks that a newer signed checkpoint, signed by a
// trusted key of the older one's log, extends the older one (the log only
// grew), with a consistency proof of base64 hashes.
func CheckConsistency(older Checkpoint, newerSigned string, trusted []VerifierKey, proof []string) (Checkpoint, error) {
	keys := KeysFor(trusted, older.Origin)
	if len(keys) == 0 {
		return Checkpoint{}, fmt.Errorf("no trusted key for log %s", quoteShort(older.Origin))
	}
	newer, _, err := openCheckpoint(newerSigned, keys)
	if err != nil {
		return Checkpoint{}, err
	}
	if newer.Size < older.Size {
		return newer, fmt.Errorf("the log's current checkpoint has %d entries, fewer than the receipt's %d: history was rewritten", newer.Size, older.Size)
	}
	p, err := decodeHashes("consistency proof", proof)
	if err != nil {
		return newer, err
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return newer, fmt.Errorf("the log's current checkpoint is not consistent with the receipt's: history was rewritten: %w", err)
	}
	return newer, nil
}

// decodeHashes reads a proof of base64 hashes; what names it in errors.
func decodeHashes(what string, hashes []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(hashes))
	for i, s := range hashes {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("%s hash %d is not 32 bytes of base64 (got %s)", what, i, quoteShort(s))
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// EncodeProof writes hashes as base64 strings.
func EncodeProof(hashes []tlog.Hash) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// maxReceipt is the largest receipt DecodeReceipt reads: a proof for a
// log of 2^63 entries is some 2.5 KiB.
const maxReceipt = 1 << 20

// DecodeReceipt reads a receipt, refusing unknown fields, and checks that
// every field is usable. Its errors name the field and the value. Record is
// set from Entry, the bytes the log holds, whatever the receipt said.
func DecodeReceipt(r io.Reader) (*Receipt, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxReceipt+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReceipt {
		return nil, errors.New("not a receipt: larger than 1 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rc Receipt
	if err := dec.Decode(&rc); err != nil {
		return nil, fmt.Errorf("not a receipt: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not a receipt: more follows the receipt's JSON")
	}
	p, err := rc.parse()
	if err != nil {
		return nil, err
	}
	rc.Record = p.entry
	return &rc, nil
}

// parsedReceipt is a receipt's fields as Verify uses them.
type parsedReceipt struct {
	entry Entry
	proof tlog.RecordProof
	key   VerifierKey
}

// parse reads the receipt's fields; its errors name the field.
func (rc *Receipt) parse() (parsedReceipt, error) {
	var p parsedReceipt
	if rc.Format != ReceiptFormat {
		return p, fmt.Errorf("format: not %q (got %s)", ReceiptFormat, quoteShort(rc.Format))
	}
	if err := json.Unmarshal([]byte(rc.Entry), &p.entry); err != nil {
		return p, fmt.Errorf("entry: not a log entry (got %s)", quoteShort(rc.Entry))
	}
	if p.entry.Origin == "" {
		return p, errors.New("entry: names no log (origin)")
	}
	if rc.Index < 0 {
		return p, fmt.Errorf("index: a number of 0 or more (got %d)", rc.Index)
	}
	proof, err := decodeHashes("inclusion_proof", rc.InclusionProof)
	if err != nil {
		return p, err
	}
	p.proof = proof
	if p.key, err = ParseVerifierKey(rc.VerifierKey); err != nil {
		return p, fmt.Errorf("verifier_key: %w (got %s)", err, quoteShort(rc.VerifierKey))
	}
	if rc.Checkpoint == "" {
		return p, errors.New("checkpoint: empty")
	}
	return p, nil
}
