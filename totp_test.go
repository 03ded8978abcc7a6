package opname

import (
	"testing"
	"time"
)

// TestTOTPVectors checks the RFC 6238 test vectors (SHA-1, the last six
// digits).
func TestTOTPVectors(t *testing.T) {
	secret := totpEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		got, err := TOTPCode(secret, time.Unix(c.unix, 0))
		if err != nil || got != c.want {
			t.Errorf("TOTPCode(%d) = %s, %v; want %s", c.unix, got, err, c.want)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	code, _ := TOTPCode(secret, now)
	step, ok := CheckTOTP(secret, code, now, 0)
	if !ok {
		t.Fatal("the current code is refused")
	}
	if _, ok := CheckTOTP(secret, code, now, step); ok {
		t.Error("a code is accepted twice")
	}
	if _, ok := CheckTOTP(secret, code, now.Add(31*time.Second), 0); !ok {
		t.Error("one step of drift is refused")
	}
	if _, ok := CheckTOTP(secret, code, now.Add(95*time.Second), 0); ok {
		t.Error("a code three steps old is accepted")
	}
	for _, bad := range []string{"", "12345", "abcdef", "1234567"} {
		if _, ok := CheckTOTP(secret, bad, now, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
}
