package agecrypt

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"filippo.io/age"
	"github.com/opname/opname"
)

// Key rotation: a recording's file key is wrapped again under the
// organisation's newest key. Only the header changes; the payload, which
// is encrypted under the file key, stays as it is. The header's MAC is
// keyed by the file key, so it is computed again here, as age does.

// HeaderVersion is the version of the organisation's key that wrapped the
// header's file key. It checks the header's MAC.
func HeaderVersion(ctx context.Context, keys opname.VersionedKeyring, orgID string, header []byte) (int, error) {
	id := &stanzaIdentity{identity: identity{ctx, keys, orgID}}
	if _, err := age.DecryptHeader(header, id); err != nil {
		return 0, fmt.Errorf("agecrypt: %w", err)
	}
	v, err := keys.WrappedVersion(ctx, orgID, id.body)
	if err != nil {
		return 0, fmt.Errorf("agecrypt: %w", err)
	}
	return v, nil
}

// Rewrap returns the header with its file key wrapped again under the
// organisation's current key and a new MAC. A header of another
// organisation, or damaged, is an error.
func Rewrap(ctx context.Context, keys opname.Keyring, orgID string, header []byte) ([]byte, error) {
	fileKey, err := age.DecryptHeader(header, identity{ctx, keys, orgID})
	if err != nil {
		return nil, fmt.Errorf("agecrypt: rewrap: %w", err)
	}
	stanzas, err := recipient{ctx, keys, orgID}.Wrap(fileKey)
	if err != nil {
		return nil, fmt.Errorf("agecrypt: rewrap: %w", err)
	}
	out, err := marshalHeader(fileKey, stanzas)
	if err != nil {
		return nil, fmt.Errorf("agecrypt: rewrap: %w", err)
	}
	// What we wrote must open as age opens it, to the same file key.
	if again, err := age.DecryptHeader(out, identity{ctx, keys, orgID}); err != nil || !bytes.Equal(again, fileKey) {
		return nil, errors.New("agecrypt: rewrap: the new header does not open to the same file key")
	}
	return out, nil
}

// Refresh returns the header wrapped under the organisation's current key:
// itself when it is, else Rewrap's. A keyring without versions has nothing
// to refresh. A recording is refreshed just before it is registered, so
// one sealed while a rotation ran is never left under the old key.
func Refresh(ctx context.Context, keys opname.Keyring, orgID string, header []byte) ([]byte, error) {
	vk, ok := keys.(opname.VersionedKeyring)
	if !ok {
		return header, nil
	}
	cur, err := vk.Current(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("agecrypt: %w", err)
	}
	v, err := HeaderVersion(ctx, vk, orgID, header)
	if err != nil {
		return nil, err
	}
	if v == cur {
		return header, nil
	}
	return Rewrap(ctx, keys, orgID, header)
}

// Refresh is the package's Refresh with the sealer's keyring.
func (s Sealer) Refresh(ctx context.Context, orgID string, header []byte) ([]byte, error) {
	return Refresh(ctx, s.Keys, orgID, header)
}

// marshalHeader writes an age v1 header (C2SP age): the intro line, each
// stanza (its line, then its body in base64 without padding, 64 columns
// a line, the last line shorter, possibly empty), and the footer with the
// HMAC-SHA256 of all before it under a key derived from the file key.
func marshalHeader(fileKey []byte, stanzas []*age.Stanza) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("age-encryption.org/v1\n")
	for _, s := range stanzas {
		b.WriteString("-> " + s.Type)
		for _, a := range s.Args {
			b.WriteString(" " + a)
		}
		b.WriteByte('\n')
		body := base64.RawStdEncoding.EncodeToString(s.Body)
		for len(body) >= 64 {
			b.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		b.WriteString(body + "\n")
	}
	b.WriteString("---")
	key, err := hkdf.Key(sha256.New, fileKey, nil, "header", 32)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(b.Bytes())
	b.WriteString(" " + base64.RawStdEncoding.EncodeToString(mac.Sum(nil)) + "\n")
	return b.Bytes(), nil
}

// stanzaIdentity is an identity that remembers the body of the stanza it
// unwrapped.
type stanzaIdentity struct {
	identity
	body []byte
}

func (s *stanzaIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, st := range stanzas {
		if st.Type != stanzaType || len(st.Args) != 1 || st.Args[0] != s.orgID {
			continue
		}
		k, err := s.keys.Unwrap(s.ctx, s.orgID, st.Body)
		if err == nil {
			s.body = bytes.Clone(st.Body)
		}
		return k, err
	}
	return nil, age.ErrIncorrectIdentity
}
