package opname

import "context"

// Keyring wraps recordings' file keys with an organisation's
// key-encryption key. The local implementation keeps the keys in files; a
// KMS can take its place.
type Keyring interface {
	// Wrap encrypts a file key for the organisation. It MUST NOT return
	// before the organisation's key-encryption key is durably stored.
	Wrap(ctx context.Context, orgID string, fileKey []byte) ([]byte, error)
	// Unwrap decrypts a wrapped file key; a key wrapped for another
	// organisation, or damaged, is an error.
	Unwrap(ctx context.Context, orgID string, wrapped []byte) ([]byte, error)
}

// VersionedKeyring is a Keyring whose keys have versions, so that an
// organisation's key can be rotated while recordings are read: the newest
// version wraps, a wrapped key names the version that wrapped it, and
// Unwrap uses that version while it exists.
type VersionedKeyring interface {
	Keyring
	// Current is the version that wraps now, -1 when the organisation
	// has no key yet.
	Current(ctx context.Context, orgID string) (int, error)
	// WrappedVersion is the version that wrapped a wrapped key; it is an
	// error when the key does not open.
	WrappedVersion(ctx context.Context, orgID string, wrapped []byte) (int, error)
}

// SecretBox seals the server's own small secrets — an identity provider's
// client secret, a mail server's password — under a key of the server's,
// so that they are not at rest in plain text. A sealed secret is text
// that starts with SealedPrefix.
type SecretBox interface {
	// Seal encrypts a secret, bound to what it is for: a sealed secret
	// opens only for the same purpose.
	Seal(purpose string, secret []byte) (string, error)
	// Open decrypts what Seal returned for the same purpose.
	Open(purpose, sealed string) ([]byte, error)
}

// SealedPrefix starts every sealed secret.
const SealedPrefix = "opname-sealed."
