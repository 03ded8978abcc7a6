package vault

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/opname/opname"
)

// Transcripts: a text, PDF or WebVTT file that says what was said in a
// recording. It is sealed, logged, receipted, checked for fixity and
// erased as a recording is; only its content check differs: it is not
// media, so it is not probed but checked for being what it says it is.

// DefaultMaxTranscript bounds a transcript unless MaxTranscript says
// otherwise: a transcript of hours of talk is a few megabytes.
const DefaultMaxTranscript = 20 << 20

func (v *Vault) maxTranscript() int64 {
	if v.MaxTranscript > 0 {
		return v.MaxTranscript
	}
	return DefaultMaxTranscript
}

// MaxTranscriptSize is the largest transcript the vault takes, in bytes.
func (v *Vault) MaxTranscriptSize() int64 { return v.maxTranscript() }

// checkTranscript checks a transcript before any byte arrives: it names a
// recording the caller may see, of the client (when one is named), and
// who made it. A recording the caller may not see is NotFound.
func (v *Vault) checkTranscript(ctx context.Context, up Upload) error {
	if strings.TrimSpace(up.DerivedFrom) == "" {
		return opname.Invalidf("derived_from", "transcript.recording", "name the recording the transcript belongs to")
	}
	// Reading to check is part of the upload, which is logged as a create.
	rec, _, err := v.Store.Recording(opname.ForAct(ctx), up.DerivedFrom)
	if err != nil {
		return err
	}
	if up.ClientID != "" && up.ClientID != rec.ClientID {
		return opname.Invalidf("derived_from", "edit.other_client", "recording %s belongs to another client", up.DerivedFrom)
	}
	if rec.ErasedAt != nil {
		return erased(rec)
	}
	if !slices.Contains(opname.TranscriptSources(), up.Source) {
		return opname.Invalidf("source", "transcript.source", "%q is not known; use organisation or %s", up.Source, strings.Join(opname.LinkParties, ", "))
	}
	if up.Edit != nil || up.RequestID != "" || up.AgreementsDigest != "" {
		return opname.Invalidf("derived_from", "transcript.plain", "a transcript has no edit statement, request or agreements of its own")
	}
	if d := strings.TrimSpace(up.SHA256); d != "" && !isSHA256(strings.ToLower(d)) {
		return opname.Invalidf("sha256", "upload.sha256", "%q is not a SHA-256 in hexadecimal (64 characters 0-9, a-f)", d)
	}
	return nil
}

// IngestTranscript stores a transcript of recording up.DerivedFrom (whose
// client it takes) and returns it; see Ingest.
func (v *Vault) IngestTranscript(ctx context.Context, up Upload) (*opname.Recording, error) {
	up.Kind = opname.KindTranscript
	if up.ClientID == "" && up.DerivedFrom != "" {
		// The recording's client; checkTranscript logs the read as part
		// of the upload.
		rec, _, err := v.Store.Recording(opname.ForAct(ctx), up.DerivedFrom)
		if err != nil {
			return nil, err
		}
		up.ClientID = rec.ClientID
	}
	return v.Ingest(ctx, up)
}

// OpenTranscript opens a transcript for download and logs the access.
func (v *Vault) OpenTranscript(ctx context.Context, id string) (*Opened, error) {
	rec, s, err := v.Store.Transcript(opname.ForAct(ctx), id)
	if err != nil {
		return nil, err
	}
	return v.open(ctx, rec, s, true)
}

// SniffTranscript returns a transcript's media type from its first bytes,
// by content, never by name: a PDF starts with %PDF-, WebVTT with WEBVTT
// (after an optional byte order mark); anything else must be plain text,
// which the rest of the file then proves to be. Audio, video or any other
// binary file is Invalid, naming what it is.
func SniffTranscript(head []byte) (string, error) {
	body := bytes.TrimPrefix(head, []byte("\ufeff"))
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(body, []byte("WEBVTT")) && (len(body) == 6 || strings.ContainsRune(" \t\r\n", rune(body[6]))):
		return "text/vtt", nil
	}
	if err := textOnly(head, true, 0); err == nil {
		return "text/plain", nil
	}
	found := mimetype.Detect(head).String()
	if i := strings.IndexByte(found, ';'); i >= 0 {
		found = found[:i]
	}
	return "", opname.Invalidf("file", "transcript.type", "the file is %s, not text, PDF or WebVTT", found)
}

// textOnly checks that b is UTF-8 text: no control characters but tabs,
// line and page breaks. With partial set, b may end halfway a character.
// Byte offsets in errors count from base.
func textOnly(b []byte, partial bool, base int64) error {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			if partial && !utf8.FullRune(b[i:]) {
				return nil
			}
			return opname.Invalidf("file", "transcript.not_utf8", "the text is not UTF-8: byte %d is not part of a character", base+int64(i))
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f', r == 0x7f:
			return opname.Invalidf("file", "transcript.binary", "the text holds a control character (%U) at byte %d; it is not plain text", r, base+int64(i))
		}
		i += n
	}
	return nil
}

// textCheck checks, as the bytes pass, that a text transcript is UTF-8
// text throughout. A character may be split between writes.
type textCheck struct {
	carry []byte
	at    int64 // bytes checked before carry
	err   error
}

func (c *textCheck) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	b := append(c.carry, p...)
	// An unfinished character at the end waits for the next write.
	keep := 0
	for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				keep = k
			}
			break
		}
	}
	whole := b[:len(b)-keep]
	if c.err = textOnly(whole, false, c.at); c.err != nil {
		return 0, c.err
	}
	c.at += int64(len(whole))
	c.carry = append([]byte(nil), b[len(b)-keep:]...)
	return len(p), nil
}

// finish checks what is left at the end of the file.
func (c *textCheck) finish() error {
	if c.err != nil {
		return c.err
	}
	return textOnly(c.carry, false, c.at)
}
