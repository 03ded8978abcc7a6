// Package agecrypt encrypts recordings with filippo.io/age: each recording
// gets its own random file key, wrapped by the organisation's
// key-encryption key (an opname.Keyring) in an age stanza. The age header,
// which holds the wrapped key, is kept apart from the encrypted payload:
// the payload goes to blob storage, the header to the database. Deleting
// the header makes every copy of the payload unreadable (crypto-erasure).
// The payload is age's chunked format, so any byte range decrypts on its
// own (HTTP Range playback) and a changed byte is detected.
package agecrypt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/opname/opname"
)

const stanzaType = "opname-kek"

type recipient struct {
	ctx   context.Context
	keys  opname.Keyring
	orgID string
}

func (r recipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	wrapped, err := r.keys.Wrap(r.ctx, r.orgID, fileKey)
	if err != nil {
		return nil, err
	}
	return []*age.Stanza{{Type: stanzaType, Args: []string{r.orgID}, Body: wrapped}}, nil
}

type identity recipient

func (id identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != stanzaType || len(s.Args) != 1 || s.Args[0] != id.orgID {
			continue
		}
		return id.keys.Unwrap(id.ctx, id.orgID, s.Body)
	}
	return nil, age.ErrIncorrectIdentity
}

// Sealer is opname.Sealer on age and a keyring.
type Sealer struct{ Keys opname.Keyring }

// Encrypt returns a writer that encrypts for the organisation into w.
func (s Sealer) Encrypt(ctx context.Context, orgID string, w io.Writer) (io.WriteCloser, error) {
	return Encrypt(ctx, s.Keys, orgID, w)
}

// HeaderLength is SplitHeader.
func (s Sealer) HeaderLength(start []byte) (int, error) { return SplitHeader(start) }

// Decrypt opens a recording for random access.
func (s Sealer) Decrypt(ctx context.Context, orgID string, header []byte, payload io.ReaderAt, payloadSize int64) (io.ReaderAt, int64, error) {
	return Decrypt(ctx, s.Keys, orgID, header, payload, payloadSize)
}

// Encrypt returns a writer that encrypts for the organisation into w. Close
// it to finish the stream. Split the result with SplitHeader.
func Encrypt(ctx context.Context, keys opname.Keyring, orgID string, w io.Writer) (io.WriteCloser, error) {
	return age.Encrypt(w, recipient{ctx, keys, orgID})
}

// SplitHeader returns the length of the age header at the start of an
// encrypted stream: everything up to and including the "---" MAC line.
// Stanza lines start with "-> " and their bodies are base64, so the first
// line that starts with "---" ends the header.
func SplitHeader(start []byte) (int, error) {
	for i := 0; i < len(start); {
		j := bytes.IndexByte(start[i:], '\n')
		if j < 0 {
			break
		}
		if bytes.HasPrefix(start[i:], []byte("---")) {
			return i + j + 1, nil
		}
		i += j + 1
	}
	return 0, errors.New("agecrypt: no age header found")
}

// Decrypt opens an encrypted recording for random access from its header
// and its payload, returning a ReaderAt of the plaintext and its size.
// Reading a changed byte returns an error, never other bytes.
func Decrypt(ctx context.Context, keys opname.Keyring, orgID string, header []byte, payload io.ReaderAt, payloadSize int64) (io.ReaderAt, int64, error) {
	src := joined{header: header, payload: payload}
	r, n, err := age.DecryptReaderAt(src, int64(len(header))+payloadSize, identity{ctx, keys, orgID})
	if err != nil {
		return nil, 0, fmt.Errorf("agecrypt: %w", err)
	}
	return r, n, nil
}

// joined reads the header and the payload as one stream.
type joined struct {
	header  []byte
	payload io.ReaderAt
}

func (j joined) ReadAt(p []byte, off int64) (int, error) {
	h := int64(len(j.header))
	n := 0
	if off < h {
		n = copy(p, j.header[off:])
		if n == len(p) {
			return n, nil
		}
		off = h
	}
	m, err := j.payload.ReadAt(p[n:], off-h)
	return n + m, err
}
