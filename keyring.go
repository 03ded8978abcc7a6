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
