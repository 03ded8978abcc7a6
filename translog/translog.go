// Package translog is the tamper-evident log of an organisation's
// recordings: an append-only Merkle tree (RFC 6962 hashing, as
// golang.org/x/mod/sumdb/tlog computes it) whose size and root hash are
// published in signed checkpoints (C2SP tlog-checkpoint text, Ed25519 signed
// notes). It does no I/O: storage supplies the tree's hashes.
//
// A receipt proves that one entry is in the log: the entry, its index, an
// inclusion proof and a signed checkpoint. Anyone with the receipt, the
// organisation's verifier key (in the receipt, and published) and the
// recording can check it offline, and later check that the log's newer
// checkpoints are consistent with the receipt's — that history was not
// rewritten.
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
	// KindAgreements is agreements recorded for a conversation: SHA256 and
	// Size are those of the agreement text, which either party can verify.
	KindAgreements = "agreements"
	// KindAccessLogAnchor is the head of the organisation's access log:
	// AccessLogSeq and AccessLogHash are its newest record's sequence number
	// and hash, so the access log cannot later be shortened unnoticed.
	KindAccessLogAnchor = "access_log_anchor"
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
	// DerivedFrom is the SHA-256 of the original, for an edit.
	DerivedFrom string `json:"derived_from,omitempty"`
	// Edit says what an edit changed and why, in a hash of the statement.
	EditStatement string `json:"edit_statement_sha256,omitempty"`
	// AccessLogSeq and AccessLogHash are an access log anchor's head.
	AccessLogSeq  int64  `json:"access_log_seq,omitempty"`
	AccessLogHash string `json:"access_log_hash,omitempty"`
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

// ParseCheckpoint reads a checkpoint body.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, errors.New("checkpoint: want origin, size and root hash on three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return Checkpoint{}, fmt.Errorf("checkpoint: size %q is not a number", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
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
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the verifier key is not usable: %w", err)
	}
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the checkpoint's signature does not verify: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("the checkpoint is of log %q, the key of %q", c.Origin, v.Name())
	}
	return c, nil
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

// Verification is what checking a receipt found.
type Verification struct {
	Checkpoint Checkpoint
	Record     Entry
}

// Verify checks a receipt against a file: the file's SHA-256 and size match
// the entry, the entry is at its index in the tree of the signed
// checkpoint, and the checkpoint is signed by the receipt's verifier key.
// Each failure says what did not match.
func (rc *Receipt) Verify(file io.Reader) (*Verification, error) {
	if rc.Format != ReceiptFormat {
		return nil, fmt.Errorf("the receipt's format is %q, not %q", rc.Format, ReceiptFormat)
	}
	var rec Entry
	if err := json.Unmarshal([]byte(rc.Entry), &rec); err != nil {
		return nil, fmt.Errorf("the receipt's entry is not readable: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, file)
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != rec.SHA256 || n != rec.Size {
		return nil, fmt.Errorf("the file does not match the receipt: it has SHA-256 %s and %d bytes, the receipt %s and %d bytes", got, n, rec.SHA256, rec.Size)
	}
	c, err := OpenCheckpoint(rc.Checkpoint, rc.VerifierKey)
	if err != nil {
		return nil, err
	}
	if rec.Origin != c.Origin {
		return nil, fmt.Errorf("the entry belongs to log %q, the checkpoint to %q", rec.Origin, c.Origin)
	}
	var proof tlog.RecordProof
	for i, s := range rc.InclusionProof {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("inclusion proof hash %d is not 32 bytes of base64", i)
		}
		var hh tlog.Hash
		copy(hh[:], b)
		proof = append(proof, hh)
	}
	if err := tlog.CheckRecord(proof, c.Size, c.Root, rc.Index, tlog.RecordHash([]byte(rc.Entry))); err != nil {
		return nil, fmt.Errorf("the inclusion proof does not prove entry %d in the log of %d entries: %w", rc.Index, c.Size, err)
	}
	return &Verification{Checkpoint: c, Record: rec}, nil
}

// CheckConsistency checks that a newer signed checkpoint extends an older
// one (the log only grew), with a consistency proof of base64 hashes.
func CheckConsistency(older Checkpoint, newerSigned, verifierKey string, proof []string) (Checkpoint, error) {
	newer, err := OpenCheckpoint(newerSigned, verifierKey)
	if err != nil {
		return Checkpoint{}, err
	}
	if newer.Size < older.Size {
		return newer, fmt.Errorf("the log's current checkpoint has %d entries, fewer than the receipt's %d: history was rewritten", newer.Size, older.Size)
	}
	var p tlog.TreeProof
	for i, s := range proof {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return newer, fmt.Errorf("consistency proof hash %d is not 32 bytes of base64", i)
		}
		var h tlog.Hash
		copy(h[:], b)
		p = append(p, h)
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return newer, fmt.Errorf("the log's current checkpoint is not consistent with the receipt's: history was rewritten: %w", err)
	}
	return newer, nil
}

// EncodeProof writes hashes as base64 strings.
func EncodeProof(hashes []tlog.Hash) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// DecodeReceipt reads a receipt, refusing unknown fields.
func DecodeReceipt(r io.Reader) (*Receipt, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rc Receipt
	if err := dec.Decode(&rc); err != nil {
		return nil, fmt.Errorf("not a receipt: %w", err)
	}
	return &rc, nil
}
