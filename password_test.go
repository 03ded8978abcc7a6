package opname

import (
	"strings"
	"testing"
)

// testCost is a cost far below the default, as tests use.
var testCost = PasswordCost{Time: 1, Memory: 64, Threads: 1}

// costOf returns the parameters of a PHC string: "m=…,t=…,p=…".
func costOf(t *testing.T, hash string) string {
	t.Helper()
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		t.Fatalf("hash %q is not an argon2id PHC string", hash)
	}
	return parts[3]
}

// TestPasswordDefaultCost: the zero cost, which production uses, is the
// strong one: 64 MiB, three passes, two lanes.
func TestPasswordDefaultCost(t *testing.T) {
	const strong = "m=65536,t=3,p=2"
	hash, err := HashPassword("een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	if got := costOf(t, hash); got != strong {
		t.Errorf("HashPassword's cost = %s, want %s", got, strong)
	}
	hash, err = HashPasswordCost("een lange zin als wachtwoord", PasswordCost{})
	if err != nil {
		t.Fatal(err)
	}
	if got := costOf(t, hash); got != strong {
		t.Errorf("the zero cost = %s, want %s", got, strong)
	}
	if got := costOf(t, NoPasswordHash(PasswordCost{})); got != strong {
		t.Errorf("NoPasswordHash's zero cost = %s, want %s", got, strong)
	}
	if !PasswordMatches(hash, "een lange zin als wachtwoord") || PasswordMatches(hash, "een andere zin") {
		t.Error("a hash at the default cost does not check its own password only")
	}
}

// TestPasswordCost: a hash at another cost names it and checks its
// password; the hash for no account has the same cost and matches nothing.
func TestPasswordCost(t *testing.T) {
	hash, err := HashPasswordCost("geheim genoeg", testCost)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := costOf(t, hash), "m=64,t=1,p=1"; got != want {
		t.Errorf("cost = %s, want %s", got, want)
	}
	if !PasswordMatches(hash, "geheim genoeg") || PasswordMatches(hash, "geheim genoeg!") {
		t.Error("a hash at a low cost does not check its own password only")
	}
	none := NoPasswordHash(testCost)
	if got, want := costOf(t, none), costOf(t, hash); got != want {
		t.Errorf("NoPasswordHash's cost = %s, want %s as a real hash", got, want)
	}
	if got, want := len(none), len(hash); got != want {
		t.Errorf("NoPasswordHash is %d long, a real hash %d", got, want)
	}
	for _, pw := range []string{"", "geheim genoeg", "opname-no-such-account"} {
		if PasswordMatches(none, pw) {
			t.Errorf("NoPasswordHash matches %q", pw)
		}
	}
	for _, bad := range []PasswordCost{{Time: 1}, {Memory: 64, Threads: 1}, {Time: 1, Memory: 7, Threads: 1}} {
		if _, err := HashPasswordCost("geheim genoeg", bad); err == nil {
			t.Errorf("cost %+v: no error", bad)
		}
	}
}
