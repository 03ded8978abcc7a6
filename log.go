package opname

import (
	"context"

	"github.com/opname/opname/translog"
)

// Log is the organisations' tamper-evident logs of recordings (package
// translog). Appending is for the server's own work; reading checkpoints
// and proofs is public, so anyone can check a receipt against the log.
type Log interface {
	// Append adds an entry to an organisation's log and publishes a new
	// signed checkpoint. It MUST NOT return before both are durable.
	Append(ctx context.Context, orgID string, e translog.Entry) (index int64, err error)
	// Receipt proves the entry at index against the latest checkpoint.
	Receipt(ctx context.Context, orgID string, index int64) (*translog.Receipt, error)
	// LatestCheckpoint returns the signed checkpoint of the log of the
	// organisation with slug, and its verifier key.
	LatestCheckpoint(ctx context.Context, slug string) (signed, verifierKey string, err error)
	// InclusionProof proves entry index in the tree of size entries.
	InclusionProof(ctx context.Context, slug string, index, size int64) ([]string, error)
	// ConsistencyProof proves the tree of size to extends that of size from.
	ConsistencyProof(ctx context.Context, slug string, from, to int64) ([]string, error)
}
