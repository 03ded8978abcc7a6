package opname

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of the default cost (RFC 9106's second recommended
// option, with 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// PasswordCost is the work of one argon2id password hash: passes over
// memory, memory in KiB, and lanes. The zero value is the default cost, the
// one production uses; only tests choose a lower one, to make their many
// accounts and sign-ins quick. A stored hash names its own cost, so a hash
// made at any cost can still be checked.
type PasswordCost struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// params returns the cost's parameters, the default ones for the zero value.
func (c PasswordCost) params() (time, memory uint32, threads uint8, err error) {
	if c == (PasswordCost{}) {
		return argonTime, argonMemory, argonThreads, nil
	}
	if c.Time < 1 || c.Threads < 1 || c.Memory < 8*uint32(c.Threads) {
		return 0, 0, 0, fmt.Errorf("password: cost %+v: needs a pass, a lane and 8 KiB a lane", c)
	}
	return c.Time, c.Memory, c.Threads, nil
}

// MinPasswordLength is the shortest password opname accepts.
const MinPasswordLength = 12

// CheckPasswordRules returns an Invalid error when a new password is too
// weak to accept.
func CheckPasswordRules(password string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLength:
		return Invalidf("password", "password.too_short", "use at least %d characters (got %d)", MinPasswordLength, n)
	case n > 256:
		return Invalidf("password", "password.too_long", "use at most %d characters", 256)
	}
	return nil
}

// HashPassword returns an argon2id hash of password in PHC string form, at
// the default cost.
func HashPassword(password string) (string, error) {
	return HashPasswordCost(password, PasswordCost{})
}

// HashPasswordCost returns an argon2id hash of password in PHC string form,
// made at cost.
func HashPasswordCost(password string, cost PasswordCost) (string, error) {
	t, m, p, err := cost.params()
	if err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	return phc(t, m, p, salt, argon2.IDKey([]byte(password), salt, t, m, p, argonKeyLen)), nil
}

// NoPasswordHash returns a hash in the form HashPasswordCost makes, at cost,
// that no password matches (its key is zero, which argon2id does not
// yield but with negligible chance). Checking a password against it takes
// the same work as against a real hash made at cost: sign-in checks it for
// an account that does not exist, so that the answer takes as long.
func NoPasswordHash(cost PasswordCost) string {
	t, m, p, err := cost.params()
	if err != nil {
		t, m, p, _ = PasswordCost{}.params()
	}
	return phc(t, m, p, make([]byte, 16), make([]byte, argonKeyLen))
}

func phc(t, m uint32, p uint8, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// PasswordMatches reports whether password matches a hash made by
// HashPassword, in constant time.
func PasswordMatches(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
