package localkeys

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestValidIDAsPattern checks validID against the regular expression it
// replaces, on random and edge-case ids.
func TestValidIDAsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9]{1,64}$`)
	ids := []string{"", "a", "A", "a-", strings.Repeat("a", 64), strings.Repeat("a", 65), "é", "a\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	const chars = "az09-A é\n"
	for range 100000 {
		b := make([]byte, rng.IntN(8))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		ids = append(ids, string(b))
	}
	for _, id := range ids {
		if got, want := validID(id), pattern.MatchString(id); got != want {
			t.Errorf("validID(%q) = %v, the pattern says %v", id, got, want)
		}
	}
}
