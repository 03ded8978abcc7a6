package web

import (
	"io/fs"
	"strings"
	"testing"
)

// TestCountedMessages checks that a message said of a number agrees with
// it: one question waits, two questions wait.
func TestCountedMessages(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"nl", 1, "Er wacht 1 vraag op uw antwoord."},
		{"nl", 2, "Er wachten 2 vragen op uw antwoord."},
		{"en", 1, "1 question waits for your answer."},
		{"en", 3, "3 questions wait for your answer."},
	} {
		if got := counted(c.lang, "link.home.asked", c.n); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s, %d: %q, want it to start with %q", c.lang, c.n, got, c.want)
		}
	}
	for key, m := range messages {
		if base, ok := strings.CutSuffix(key, ".one"); ok && strings.Contains(m.NL, "%d") {
			if _, ok := messages[base+".many"]; !ok {
				t.Errorf("%s has no %s.many", key, base)
			}
		}
	}
	page, _ := fs.ReadFile(templateFS, "templates/l_home.html")
	if !strings.Contains(string(page), `tn "link.home.asked"`) {
		t.Error("l_home does not say the number of questions with tn")
	}
}
