package opname

import (
	"strings"
	"testing"
	"time"
)

func TestInvitation(t *testing.T) {
	subject, body := Invitation("Stichting Voorbeeld", "Nina Nieuw", "https://opname.example.nl/welkom?code=otp_x", 72*time.Hour)
	for _, want := range []string{"Stichting Voorbeeld", "Beste Nina Nieuw", "Dear Nina Nieuw", "https://opname.example.nl/welkom?code=otp_x", "3 dagen", "3 days"} {
		if !strings.Contains(subject+body, want) {
			t.Errorf("invitation lacks %q:\n%s\n%s", want, subject, body)
		}
	}
	if _, body := Invitation("X", " ", "l", 36*time.Hour); !strings.Contains(body, "Beste collega") || !strings.Contains(body, "36 hours") {
		t.Errorf("invitation without a name or whole days:\n%s", body)
	}
}
