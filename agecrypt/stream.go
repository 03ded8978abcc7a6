package agecrypt

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/opname/opname"
	"golang.org/x/crypto/chacha20poly1305"
)

// A Stream encrypts a recording that arrives in parts, possibly over days
// and on different servers, into a normal age file: the header (kept in
// the database as for any recording), then the payload, which is a 16-byte
// nonce and 64 KiB chunks of ChaCha20-Poly1305 under a key derived from
// the file key and the nonce, each chunk's nonce its counter and a flag
// for the last one (the age format, C2SP age).
//
// A chunk is encrypted as soon as it is full and a byte after it has come,
// so only the last chunk, full or not, waits; it is the only one sealed
// with the last-chunk flag, when the stream is closed. Between parts the
// stream's state (State) holds the nonce, the counter and the waiting
// plaintext sealed with XChaCha20-Poly1305 under a key of its own, derived
// from the file key, with a random nonce each time: the waiting bytes are
// never at rest in the clear, and no nonce is used twice under one key
// (the payload key only ever sees counter nonces, each once).
//
// The file key itself is never kept: a continued stream unwraps it from
// the header through the organisation's keyring.
type Stream struct {
	header  []byte
	nonce   [16]byte
	key     []byte // payload key
	waitKey []byte // key for the waiting plaintext
	aead    interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
	}
	counter uint64 // chunks written
	buf     []byte // waiting plaintext, at most ChunkSize bytes
	started bool   // the payload nonce has been handed out
}

// ChunkSize is the plaintext size of a payload chunk.
const ChunkSize = 64 << 10

// ChunkOverhead is what encryption adds to a chunk.
const ChunkOverhead = chacha20poly1305.Overhead

// PayloadSize is the size of the payload of n bytes of plaintext.
func PayloadSize(n int64) int64 {
	chunks := max((n+ChunkSize-1)/ChunkSize, 1)
	return 16 + n + chunks*ChunkOverhead
}

// NewStream starts an encryption for the organisation.
func NewStream(ctx context.Context, keys opname.Keyring, orgID string) (*Stream, error) {
	c := &capture{recipient: recipient{ctx, keys, orgID}}
	var start bytes.Buffer
	if _, err := age.Encrypt(&start, c); err != nil {
		return nil, fmt.Errorf("agecrypt: %w", err)
	}
	hl, err := SplitHeader(start.Bytes())
	if err != nil || start.Len() != hl+16 {
		return nil, fmt.Errorf("agecrypt: unexpected start of stream (%d bytes)", start.Len())
	}
	s := &Stream{header: start.Bytes()[:hl:hl]}
	copy(s.nonce[:], start.Bytes()[hl:])
	if err := s.keys(c.fileKey); err != nil {
		return nil, err
	}
	return s, nil
}

// ResumeStream continues a stream from its header and the state State
// returned.
func ResumeStream(ctx context.Context, keys opname.Keyring, orgID string, header, state []byte) (*Stream, error) {
	if len(state) < 16+8+1 {
		return nil, errors.New("agecrypt: stream state too short")
	}
	s := &Stream{header: header}
	copy(s.nonce[:], state)
	s.counter = binary.BigEndian.Uint64(state[16:])
	s.started = state[24] == 1
	// Unwrapping through age checks the header's MAC too.
	id := &captureIdentity{identity: identity{ctx, keys, orgID}}
	if _, err := age.Decrypt(io.MultiReader(bytes.NewReader(header), bytes.NewReader(s.nonce[:])), id); err != nil {
		return nil, fmt.Errorf("agecrypt: resume: %w", err)
	}
	if err := s.keys(id.fileKey); err != nil {
		return nil, err
	}
	sealed := state[25:]
	if len(sealed) > 0 {
		aead, err := chacha20poly1305.NewX(s.waitKey)
		if err != nil {
			return nil, err
		}
		if len(sealed) < aead.NonceSize() {
			return nil, errors.New("agecrypt: stream state damaged")
		}
		buf, err := aead.Open(make([]byte, 0, ChunkSize), sealed[:aead.NonceSize()], sealed[aead.NonceSize():], state[:25])
		if err != nil || len(buf) > ChunkSize {
			return nil, errors.New("agecrypt: stream state damaged")
		}
		s.buf = buf
	}
	return s, nil
}

func (s *Stream) keys(fileKey []byte) error {
	if len(fileKey) != 16 {
		return errors.New("agecrypt: no file key")
	}
	var err error
	if s.key, err = hkdf.Key(sha256.New, fileKey, s.nonce[:], "payload", chacha20poly1305.KeySize); err != nil {
		return err
	}
	if s.waitKey, err = hkdf.Key(sha256.New, fileKey, s.nonce[:], "opname stream state", chacha20poly1305.KeySize); err != nil {
		return err
	}
	aead, err := chacha20poly1305.New(s.key)
	if err != nil {
		return err
	}
	s.aead = aead
	if s.buf == nil {
		s.buf = make([]byte, 0, ChunkSize)
	}
	return nil
}

// Header is the age header, with the wrapped file key.
func (s *Stream) Header() []byte { return s.header }

// Written is how many bytes of payload the stream has handed out.
func (s *Stream) Written() int64 {
	if !s.started {
		return 0
	}
	return 16 + int64(s.counter)*(ChunkSize+ChunkOverhead)
}

// Plaintext is how many bytes were written into the stream.
func (s *Stream) Plaintext() int64 { return int64(s.counter)*ChunkSize + int64(len(s.buf)) }

// Write encrypts p and appends to dst the payload it completes: the
// nonce at the start, then each chunk that is full and followed by more.
func (s *Stream) Write(dst, p []byte) []byte {
	if !s.started {
		dst = append(dst, s.nonce[:]...)
		s.started = true
	}
	for len(p) > 0 {
		if len(s.buf) == ChunkSize {
			dst = s.seal(dst, false)
		}
		n := min(len(p), ChunkSize-len(s.buf))
		s.buf = append(s.buf, p[:n]...)
		p = p[n:]
	}
	return dst
}

func (s *Stream) seal(dst []byte, last bool) []byte {
	var nonce [chacha20poly1305.NonceSize]byte
	binary.BigEndian.PutUint64(nonce[3:11], s.counter)
	if last {
		nonce[11] = 1
	}
	dst = s.aead.Seal(dst, nonce[:], s.buf, nil)
	s.counter++
	s.buf = s.buf[:0]
	return dst
}

// Close appends to dst the rest of the payload: the last chunk.
func (s *Stream) Close(dst []byte) []byte {
	dst = s.Write(dst, nil)
	return s.seal(dst, true)
}

// State returns what continues the stream later: the nonce, the counter
// and the waiting plaintext, sealed.
func (s *Stream) State() ([]byte, error) {
	st := make([]byte, 25, 25+24+len(s.buf)+ChunkOverhead)
	copy(st, s.nonce[:])
	binary.BigEndian.PutUint64(st[16:], s.counter)
	if s.started {
		st[24] = 1
	}
	if len(s.buf) == 0 {
		return st, nil
	}
	aead, err := chacha20poly1305.NewX(s.waitKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	st = append(st, nonce...)
	return aead.Seal(st, nonce, s.buf, st[:25]), nil
}

// capture is a recipient that remembers the file key it wraps.
type capture struct {
	recipient
	fileKey []byte
}

func (c *capture) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	c.fileKey = bytes.Clone(fileKey)
	return c.recipient.Wrap(fileKey)
}

// captureIdentity is an identity that remembers the file key it unwraps.
type captureIdentity struct {
	identity
	fileKey []byte
}

func (c *captureIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k, err := c.identity.Unwrap(stanzas)
	if err == nil {
		c.fileKey = bytes.Clone(k)
	}
	return k, err
}
