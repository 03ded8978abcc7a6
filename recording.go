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
	// Kind is KindMedia for a recording, KindTranscript for a transcript
	// of one (DerivedFrom is then the recording).
	Kind string `json:"kind"`
	// Source is "client_copy" (the client's recording handed over) or
	// "organisation" (the organisation's own). A transcript's source is
	// who made it: "organisation", or the party of the link holder who
	// gave it (one of LinkParties).
	Source    string    `json:"source"`
	MediaType string    `json:"media_type"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	LogIndex  int64     `json:"log_index"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Media is what ffprobe found, when it is installed.
	Media *MediaInfo `json:"media,omitempty"`
	// DerivedFrom is the id of the original when this is a declared edit
	// (Ombudsman rule 5); Edit says what was changed, why and who was told.
	DerivedFrom string         `json:"derived_from,omitempty"`
	Edit        *EditStatement `json:"edit,omitempty"`
	// RequestID and ConversationID link a recording made for a request of
	// the conversation workflow.
	RequestID      string `json:"request_id,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	// AgreementsDigest is the SHA-256 of the agreements that applied to
	// the conversation, when they were recorded; the log holds it too, so
	// either party can later show what was agreed.
	AgreementsDigest string `json:"agreements_digest,omitempty"`
	// ErasedAt is when the recording was made unreadable (crypto-erasure).
	ErasedAt *time.Time `json:"erased_at,omitempty"`
	// Fixity is the last integrity check of the stored bytes.
	Fixity *FixityCheck `json:"fixity,omitempty"`
}

// MediaInfo describes a recording's content.
type MediaInfo struct {
	// Format is the container, e.g. "matroska,webm" or "wav".
	Format string `json:"format"`
	// Duration in seconds; 0 when the file does not say (WebM from a
	// browser often does not).
	Duration float64 `json:"duration_seconds,omitempty"`
	// Streams are codec_type/codec_name pairs, e.g. "audio/opus".
	Streams []string `json:"streams"`
}

// HasVideo reports whether a video stream was found.
func (m *MediaInfo) HasVideo() bool {
	for _, s := range m.Streams {
		if len(s) > 6 && s[:6] == "video/" {
			return true
		}
	}
	return false
}

// EditStatement is what the organisation declares about an edited
// recording: what was changed, why, and who was told (Ombudsman rule 5:
// no cutting or pasting unless made known).
type EditStatement struct {
	Changed string `json:"what_changed"`
	Reason  string `json:"reason"`
	Told    string `json:"who_was_told"`
}

// FixityCheck is the outcome of the last integrity check.
type FixityCheck struct {
	CheckedAt time.Time `json:"checked_at"`
	// Problem is empty when the bytes decrypted to the registered SHA-256.
	Problem string `json:"problem,omitempty"`
}

// Recording sources.
var RecordingSources = []string{"client_copy", "organisation"}

// Kinds of what the recordings table keeps: a recording, or a transcript
// of one. A transcript is sealed, logged, receipted, checked and erased as
// a recording is, but it is never listed or counted as one.
const (
	KindMedia      = "media"
	KindTranscript = "transcript"
)

// TranscriptTypes are the media types a transcript may have: plain text
// (UTF-8), PDF and WebVTT subtitles.
var TranscriptTypes = []string{"text/plain", "application/pdf", "text/vtt"}

// TranscriptSources says who may have made a transcript: the organisation
// or a party holding a link.
func TranscriptSources() []string { return append([]string{"organisation"}, LinkParties...) }

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
	// ClientRecordings lists all of a client's recordings, newest first,
	// to choose one from. It MUST NOT list transcripts.
	ClientRecordings(ctx context.Context, clientID string) ([]Recording, error)
	// ClientRecordingsPage lists a page of them: the list of a client's
	// recordings.
	ClientRecordingsPage(ctx context.Context, clientID string, p Page) ([]Recording, string, error)
	// Transcripts lists the transcripts of a recording the caller may
	// see, oldest first; a recording the caller may not see is NotFound.
	Transcripts(ctx context.Context, recordingID string) ([]Recording, error)
	// ConversationTranscripts lists the transcripts of a conversation's
	// recordings, oldest first, as one read.
	ConversationTranscripts(ctx context.Context, conversationID string) ([]Recording, error)
	// Transcript returns a transcript and how it is sealed, and logs the
	// read. Recording never returns a transcript, nor Transcript a
	// recording.
	Transcript(ctx context.Context, id string) (*Recording, *Sealed, error)
	// AllRecordings lists every organisation's recordings with how they are
	// sealed, for the fixity audit (system only). Erased recordings are left
	// out. With checkedBefore set, only recordings last checked before then
	// (or never), oldest check first, at most limit (0: all).
	AllRecordings(ctx context.Context, checkedBefore time.Time, limit int) ([]Recording, []Sealed, error)
	// SetFixity stores the outcome of a fixity check (system only).
	SetFixity(ctx context.Context, id string, c FixityCheck) error
	// FixityProblems lists the organisation's recordings whose last check
	// failed (privacy officer).
	FixityProblems(ctx context.Context, p Page) ([]Recording, string, error)
	// EraseRecording removes a recording's wrapped file key, which makes
	// every copy of its bytes unreadable, and logs the erasure. The row
	// stays, with ErasedAt set. The recording's transcripts are erased
	// with it, in the same transaction. Managers and administrators
	// erase; the privacy officer erases only a recording that an erasure
	// request they granted names (DataRequests).
	EraseRecording(ctx context.Context, id, reason string) (*Recording, *Sealed, error)
	// AddCopy logs that a copy of a recording was handed over, and to whom
	// ("client" or "other"); it returns the log index of the entry.
	AddCopy(ctx context.Context, id, to string) (int64, error)
}

// Copy recipients.
var CopyRecipients = []string{"client", "other"}

// Sealer encrypts recordings for an organisation and opens them for
// random access (package agecrypt).
type Sealer interface {
	Encrypt(ctx context.Context, orgID string, w io.Writer) (io.WriteCloser, error)
	// HeaderLength is how many bytes at the start of an encrypted stream
	// are the header.
	HeaderLength(start []byte) (int, error)
	Decrypt(ctx context.Context, orgID string, header []byte, payload io.ReaderAt, payloadSize int64) (io.ReaderAt, int64, error)
}
