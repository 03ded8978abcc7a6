package translog

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// VerifierKey is a log's public key in C2SP signed-note form,
// NAME+HASH+KEY, where NAME is the log's origin. It is what
// /api/v1/logs/{slug}/key serves and what a verifier chooses to trust.
type VerifierKey struct {
	// Text is the key in canonical form: the hash in lower-case hex and
	// the key in padded base64, so that equal keys have equal text.
	Text string
	// Origin is the log the key signs for.
	Origin string
	v      note.Verifier
}

// ParseVerifierKey reads one verifier key. Surrounding white space is
// ignored; only Ed25519 keys are accepted.
func ParseVerifierKey(text string) (VerifierKey, error) {
	text = strings.TrimSpace(text)
	v, err := note.NewVerifier(text)
	if err != nil {
		return VerifierKey{}, fmt.Errorf("not a verifier key (want ORIGIN+HASH+KEY): %w", err)
	}
	// NewVerifier accepted it, so there are three parts and a key.
	parts := strings.SplitN(text, "+", 3)
	key, _ := base64.StdEncoding.DecodeString(parts[2])
	canonical := fmt.Sprintf("%s+%08x+%s", v.Name(), v.KeyHash(), base64.StdEncoding.EncodeToString(key))
	return VerifierKey{Text: canonical, Origin: v.Name(), v: v}, nil
}

// Fingerprint is how people compare keys: "SHA256:" and the unpadded
// base64 of the SHA-256 of the key's canonical text, like an SSH key's
// fingerprint.
func (k VerifierKey) Fingerprint() string {
	return Fingerprint(k.Text)
}

// Fingerprint is the fingerprint of a verifier key's text (see
// VerifierKey.Fingerprint). It expects the canonical text, as opname
// makes and serves it.
func Fingerprint(verifierKey string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(verifierKey)))
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// ParseVerifierKeys reads verifier keys one per line, as in a file of
// trusted keys. Blank lines and lines starting with # are skipped; any
// other line that is not a key is an error that names its line.
func ParseVerifierKeys(text string) ([]VerifierKey, error) {
	var keys []VerifierKey
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseVerifierKey(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w (got %s)", i+1, err, quoteShort(line))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// KeysFor returns the keys of the log origin in keys, each once.
func KeysFor(keys []VerifierKey, origin string) []VerifierKey {
	var out []VerifierKey
	seen := make(map[string]bool)
	for _, k := range keys {
		if k.Origin == origin && !seen[k.Text] {
			seen[k.Text] = true
			out = append(out, k)
		}
	}
	return out
}

// verifiers is keys as the note package wants them.
func verifiers(keys []VerifierKey) note.Verifiers {
	vs := make([]note.Verifier, len(keys))
	for i, k := range keys {
		vs[i] = k.v
	}
	return note.VerifierList(vs...)
}

// fingerprints lists the keys' fingerprints for a message.
func fingerprints(keys []VerifierKey) string {
	fps := make([]string, len(keys))
	for i, k := range keys {
		fps[i] = k.Fingerprint()
	}
	return strings.Join(fps, ", ")
}

// quoteShort quotes s for a message, cut to a length a person can read.
func quoteShort(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
