package opname

import (
	"context"
	"io"
	"time"
)

// Recording is one stored recording of a conversation with a client. Its
// bytes are encrypted in blob storage; the log holds its fingerprint.
type Recording struct {
	ID       string `json:"id"`
	OrgID    string `json:"-"`
	ClientID string `json:"client_id"`
	// Source is "client_copy" (the client's recording handed over) or
	// "organisation" (the organisation's own).
	Source    string    `json:"source"`
	MediaType string    `json:"media_type"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	LogIndex  int64     `json:"log_index"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Recording sources.
var RecordingSources = []string{"client_copy", "organisation"}

// Sealed is how a recording is kept: the age header with its wrapped file
// key, in the database, and the encrypted payload under BlobKey.
type Sealed struct {
	Header      []byte
	BlobKey     string
	PayloadSize int64
}

// Recordings keeps recordings' rows. Whoever may see the client may see its
// recordings; others get NotFound.
type Recordings interface {
	// AddRecording stores a recording whose payload is durably in blob
	// storage, appends it to the organisation's log and sets LogIndex.
	AddRecording(ctx context.Context, r *Recording, s Sealed) error
	// Recording returns a recording and how it is sealed.
	Recording(ctx context.Context, id string) (*Recording, *Sealed, error)
	// ClientRecordings lists a client's recordings, newest first.
	ClientRecordings(ctx context.Context, clientID string) ([]Recording, error)
	// AllRecordings lists every organisation's recordings with how they are
	// sealed, for the fixity audit (system only).
	AllRecordings(ctx context.Context) ([]Recording, []Sealed, error)
}

// Sealer encrypts recordings for an organisation and opens them for
// random access (package agecrypt).
type Sealer interface {
	Encrypt(ctx context.Context, orgID string, w io.Writer) (io.WriteCloser, error)
	// HeaderLength is how many bytes at the start of an encrypted stream
	// are the header.
	HeaderLength(start []byte) (int, error)
	Decrypt(ctx context.Context, orgID string, header []byte, payload io.ReaderAt, payloadSize int64) (io.ReaderAt, int64, error)
}
