package localblob

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestValidKeyAsPattern checks validKey against the regular expression it
// replaces, on random and edge-case keys.
func TestValidKeyAsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}(/[a-z0-9][a-z0-9._-]{0,127}){0,3}$`)
	keys := []string{"", "a", "/", "a/", "/a", "a/b/c/d", "a/b/c/d/e", "A", ".a", "a.", "a//b", "é", "a/é",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "a/" + strings.Repeat("b", 128), "a/" + strings.Repeat("b", 129), "a\n", "a/b\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	const chars = "az09._-/A é\n"
	for range 200000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		keys = append(keys, string(b))
	}
	for _, k := range keys {
		if got, want := validKey(k), pattern.MatchString(k); got != want {
			t.Errorf("validKey(%q) = %v, the pattern says %v", k, got, want)
		}
	}
}
